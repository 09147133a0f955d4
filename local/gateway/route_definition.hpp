#pragma once
// The route definition a team writes (docs/contract.md section 9): the JSON tfvars file that
// Terraform's `routes` and `scopes` variables and the local stack both read
// (local/routes.tfvars.json by default). Its routes join the gateway's own: an `http` integration
// is proxied (HTTP_PROXY), a `function` integration runs its binary through the Runtime API pool,
// an `mtls` route goes through the config's authorizer. Every problem throws core::ConfigError
// naming the route and the field, before the gateway listens.
//
// What is validated here is what the gateway needs to run the file and refuse what it cannot
// serve; the authorizer's ROUTE_SCOPES is not derived here: scripts/local takes it from
// dev/tfcheck/routes.js, which evaluates the Terraform module's own local (one rule).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "local/gateway/config.hpp"

namespace agm::local {

// The config's "route_definition" object: {"file", "authorizer", "builtin_scopes",
// "functions": {env, timeout_seconds, max_concurrency, ...}} (paths against `base`).
void parse_route_definition_settings(const boost::json::object& o,
                                     const std::filesystem::path& base, GatewayConfig& config);

// Adds the routes of the route definition `text` (the file config.route_definition.file names)
// to `config`; function backends become entries of config.functions.
void add_route_definition(const std::string& text, GatewayConfig& config);

// http://host[:port][/path][?query]. nullopt: not such a URL (https included: the local stack
// proxies plain HTTP only).
std::optional<HttpBackend> parse_http_url(std::string_view url);

}  // namespace agm::local
