#pragma once
// The HTTP API Lambda authorizer (payload 2.0 REQUEST event, simple responses). Pure: the event
// comes in, {"isAuthorized": bool, "context": {...}} goes out; the registry, the token verifier,
// the clock and the logger are passed in. Every rule of docs/contract.md section 6 is checked in
// order and any failure or error denies. The precise reason goes to ONE log line, never into the
// response.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "functions/common/certificate_cache.hpp"
#include "functions/common/config.hpp"
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

struct Decision {
  bool allowed = false;
  std::string reason;  // "allowed" or the deny reason (cert_missing, token_expired, ...)
  std::string detail;  // extra log text (never secrets)
  std::string client_id;
  std::string thumbprint;
  core::json::object context;  // on allow: client_id, cert_thumbprint, scope, cert_not_after
};

class Handler {
 public:
  Handler(Settings settings, mtls::RegistryReader& registry,
          const oauth::AccessTokenVerifier& verifier, const core::Clock& clock,
          const core::Logger& logger);

  // The decision alone (no logging). Never throws.
  [[nodiscard]] Decision decide(const core::json::value& event) const;
  // decide() + one log line + the simple response {"isAuthorized":..., "context":{...}}.
  [[nodiscard]] core::json::object respond(const core::json::value& event) const;
  // The Runtime API payload in and out; a payload that is not JSON denies (event_malformed).
  [[nodiscard]] std::string handle(std::string_view payload) const;

 private:
  [[nodiscard]] Decision decide_unchecked(const core::json::value& event) const;
  core::json::object respond_to(const Decision& decision, const core::json::value* event) const;

  Settings settings_;
  mtls::RegistryReader& registry_;
  const oauth::AccessTokenVerifier& verifier_;
  const core::Clock& clock_;
  const core::Logger& logger_;
  // Parsed certificates by PEM text (see certificate_cache.hpp for why this is safe).
  std::shared_ptr<CertificateCache> certificates_ = std::make_shared<CertificateCache>();
};

}  // namespace agm::functions::authorizer
