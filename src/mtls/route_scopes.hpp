#pragma once
// Which scopes each route behind the authorizer needs (docs/contract.md section 5, ROUTE_SCOPES):
// the authorizer reads it from its environment, `mtlsctl diagnose` from the same variable or a
// flag, so both ask the rules the same question.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace agm::mtls {

// routeKey ("GET /health") -> the scopes a token must hold for it (all of them).
using RouteScopes = std::map<std::string, std::vector<std::string>, std::less<>>;

// "GET /health=mtls-api/health.read;POST /x=a b": ';'-separated entries "<routeKey>=<scopes>",
// scopes space-separated. Throws core::ConfigError("ROUTE_SCOPES") on an empty value, an entry
// without '=', a route key that is not "METHOD /path" or "$default", no scopes, or a duplicate.
RouteScopes parse_route_scopes(std::string_view text);

}  // namespace agm::mtls
