#pragma once
// The HTTP API Lambda authorizer (payload 2.0 REQUEST event, simple responses). Pure: the typed
// event comes in, {"isAuthorized": bool, "context": {...}} goes out; the registry, the token
// verifier, the clock and the logger are passed in. The event's own checks (its shape, the route)
// are here; every rule of docs/contract.md section 6 is mtls::Authorizer's
// (mtls/authorization.hpp). Any failure or error denies. The precise reason goes to ONE log line,
// never into the response.
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "functions/common/config.hpp"
#include "functions/common/event.hpp"
#include "mtls/authorization.hpp"
#include "mtls/registry.hpp"
#include "oauth/verifier.hpp"

namespace agm::functions::authorizer {

// routeKey ("GET /health") -> the scopes a token must hold for it (all of them).
using RouteScopes = std::map<std::string, std::vector<std::string>, std::less<>>;

// "GET /health=mtls-api/health.read;POST /x=a b": ';'-separated entries "<routeKey>=<scopes>",
// scopes space-separated. Throws core::ConfigError("ROUTE_SCOPES") on an empty value, an entry
// without '=', a route key that is not "METHOD /path" or "$default", no scopes, or a duplicate.
RouteScopes parse_route_scopes(std::string_view text);

struct Settings {
  RouteScopes route_scopes;
  bool require_cert_bound_token = false;
};

// Everything main() reads from the environment.
struct Config {
  std::string region;
  std::string cert_table_name;
  std::string user_pool_id;
  std::string jwks_url;  // COGNITO_JWKS_URL or the Cognito default for region and pool
  Settings settings;
  std::chrono::seconds registry_cache_ttl{30};
  std::chrono::seconds clock_skew{0};
  // Throws core::ConfigError naming the variable.
  static Config from_env(const EnvLookup& env);
};

class Handler {
 public:
  using Request = AuthorizerRequest;
  using Response = AuthorizerResponse;

  Handler(Settings settings, mtls::RegistryReader& registry,
          const oauth::AccessTokenVerifier& verifier, const core::Clock& clock,
          const core::Logger& logger);

  // The decision alone (no logging). Never throws.
  [[nodiscard]] mtls::Authorization decide(const AuthorizerRequest& request) const;
  // decide() + one log line + the simple response. Never throws.
  [[nodiscard]] AuthorizerResponse handle(const AuthorizerRequest& request) const;
  // What the Runtime API gets when even the edge failed: a deny.
  static lambda::invocation_response fallback();

 private:
  void log(const mtls::Authorization& decision, const AuthorizerRequest& request) const;

  Settings settings_;
  mtls::Authorizer authorizer_;
  const core::Clock& clock_;
  const core::Logger& logger_;
};

}  // namespace agm::functions::authorizer
