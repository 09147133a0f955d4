#pragma once
// The HTTP API Lambda authorizer (payload 2.0 REQUEST event, simple responses). Pure: the typed
// event comes in, {"isAuthorized": bool, "context": {...}} goes out; the registry, the token
// verifier, the clock and the logger are passed in. The event's own checks (its shape, the route)
// are here; every rule of docs/contract.md section 6 is mtls::Authorizer's
// (mtls/authorization.hpp). Any failure or error denies. The precise reason and its detail go to
// ONE log line; a deny's context carries only the reason's name and the thumbprint, for the
// access log (API Gateway never shows a deny's context to the client: it answers a fixed 403).
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
#include "mtls/route_scopes.hpp"
#include "oauth/verifier.hpp"

namespace agm::functions::authorizer {

// ROUTE_SCOPES (mtls/route_scopes.hpp, shared with mtlsctl diagnose).
using mtls::parse_route_scopes;
using mtls::RouteScopes;

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
