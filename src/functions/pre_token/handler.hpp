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
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "functions/common/config.hpp"
#include "lambda/runtime.hpp"
#include "mtls/reason.hpp"
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

// The trigger event, read once (PreTokenGenerationV3TriggerEvent): what the checks need, typed,
// and the whole event, which the answer echoes with `response` filled in.
struct PreTokenEvent {
  enum class Shape { kOk, kTooLarge, kNotJson, kNotObject };
  Shape shape = Shape::kNotJson;
  std::size_t payload_size = 0;
  std::string invocation_id;  // the Lambda request id (for the log line)
  core::json::object event;   // the whole event (kOk only)

  static PreTokenEvent parse(std::string_view payload, std::string_view invocation_id = {});
};

// The trigger's own reasons; a certificate's are mtls::Reason (mtls/admission.hpp).
enum class Reason {
  kAllowed,                   // "allowed"
  kEventMalformed,            // "event_malformed"
  kVersionUnsupported,        // "version_unsupported"
  kTriggerSourceUnsupported,  // "trigger_source_unsupported"
  kClientIdMissing,           // "client_id_missing"
  kClientMetadataMissing,     // "client_metadata_missing": not asked through the token function
  kThumbprintMissing,         // "thumbprint_missing"
  kThumbprintMalformed,       // "thumbprint_malformed"
  kInternalError,             // "internal_error"
};
std::string_view to_string(Reason reason);

struct Decision {
  std::variant<Reason, mtls::Reason> reason = Reason::kInternalError;
  std::string detail;      // more context for the log line
  std::string client_id;   // callerContext.clientId when read
  std::string thumbprint;  // request.clientMetadata.cert_thumbprint when read (well-formed only)
  std::string x5t_s256;    // set when allowed
  [[nodiscard]] bool allowed() const;
  [[nodiscard]] std::string_view reason_name() const;  // logged only, never returned to Cognito
};

// What the error posted to the Runtime API says. Deliberately the same for every refusal: Cognito
// may surface a trigger's error message to the caller, so the precise reason goes only to the log.
inline constexpr const char* kRefusedErrorType = "CertificateBindingRefused";
inline constexpr const char* kRefusedMessage = "certificate-bound token refused";

// The event with `response` set to the binding, or a refusal (a Runtime API error).
struct PreTokenResponse {
  std::optional<core::json::object> event;
  [[nodiscard]] lambda::invocation_response to_invocation() const;
};

class Handler {
 public:
  using Request = PreTokenEvent;
  using Response = PreTokenResponse;

  Handler(mtls::RegistryReader& registry, const core::Clock& clock, const core::Logger& logger);

  // The decision for an event. Never throws.
  [[nodiscard]] Decision decide(const PreTokenEvent& event) const;
  // The event with `response` set to the binding (allowed decisions only).
  [[nodiscard]] static core::json::object respond(const core::json::object& event,
                                                  const Decision& decision);
  // decide() + one JSON log line (with `request_id`, the Lambda request id) + the answer.
  // Never throws.
  [[nodiscard]] PreTokenResponse handle(const PreTokenEvent& event) const;
  static lambda::invocation_response fallback();

 private:
  [[nodiscard]] Decision decide_unchecked(const core::json::object& event) const;
  void log(const Decision& decision, std::string_view request_id) const;

  mtls::RegistryReader& registry_;
  const core::Clock& clock_;
  const core::Logger& logger_;
};

}  // namespace agm::functions::pre_token
