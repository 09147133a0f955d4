#pragma once
// The pre-token function (docs/contract.md section 8, RFC 8705 certificate-bound access tokens): a
// Cognito pre token generation trigger, event version V3_0, for client_credentials grants. The
// token function passes the presented certificate's thumbprint as aws_client_metadata; this handler
// checks in the registry that the certificate belongs to the requesting app client, is ACTIVE and
// within validity, and allows every scope Cognito is about to grant, and answers the same event
// with
//   response.claimsAndScopeOverrideDetails.accessTokenGeneration.claimsToAddOrOverride =
//     {"cnf": {"x5t#S256": base64url(SHA-256(DER))}}
// Anything else fails the invocation (a Runtime API error), which makes Cognito refuse the token.
// Pure: the registry, the clock and the logger are passed in. Never logs a token or a secret.
#include <optional>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "functions/common/config.hpp"
#include "lambda/runtime.hpp"
#include "mtls/registry.hpp"

namespace agm::functions::pre_token {

struct Config {
  std::string region;                            // AWS_REGION
  std::string cert_table_name;                   // CERT_TABLE_NAME
  static Config from_env(const EnvLookup& env);  // throws core::ConfigError naming the variable
};

// The RFC 8705 x5t#S256 value for a registry thumbprint (lowercase hex SHA-256 of the DER):
// hex -> 32 bytes -> base64url without padding. nullopt unless `thumbprint` is exactly 64
// lowercase hex characters (the registry's key format; anything else cannot be a key).
std::optional<std::string> x5t_s256_from_thumbprint(std::string_view thumbprint);

struct Decision {
  bool allowed = false;
  std::string reason;      // "allowed", or why not (logged only, never returned to Cognito)
  std::string detail;      // more context for the log line
  std::string client_id;   // callerContext.clientId when read
  std::string thumbprint;  // request.clientMetadata.cert_thumbprint when read
  std::string x5t_s256;    // set when allowed
};

// What the error posted to the Runtime API says. Deliberately the same for every refusal: Cognito
// may surface a trigger's error message to the caller, so the precise reason goes only to the log.
inline constexpr const char* kRefusedErrorType = "CertificateBindingRefused";
inline constexpr const char* kRefusedMessage = "certificate-bound token refused";

class Handler {
 public:
  Handler(mtls::RegistryReader& registry, const core::Clock& clock, const core::Logger& logger);

  // The decision for an event. Never throws.
  [[nodiscard]] Decision decide(const core::json::value& event) const;
  // The event with `response` set to the binding (allowed decisions only). Never throws on an
  // event that decide() allowed.
  [[nodiscard]] static core::json::object respond(const core::json::value& event,
                                                  const Decision& decision);
  // One invocation: success(the same event with the response) or failure(kRefusedMessage,
  // kRefusedErrorType). Logs one JSON line per decision (with `request_id`, the Lambda request id,
  // when given). Never throws.
  [[nodiscard]] lambda::invocation_response handle(std::string_view payload,
                                                   std::string_view request_id = {}) const;

 private:
  void log(const Decision& decision, std::string_view request_id) const;

  mtls::RegistryReader& registry_;
  const core::Clock& clock_;
  const core::Logger& logger_;
};

}  // namespace agm::functions::pre_token
