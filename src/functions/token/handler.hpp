#pragma once
// The token function (docs/contract.md section 5, POST /token): checks the presented client
// certificate against the registry, then forwards the client_credentials request to Cognito's token
// endpoint and returns Cognito's answer as it came. Pure: the registry, the token endpoint, the
// clock and the logger are passed in. Never logs the secret, the Authorization header or the issued
// token.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "functions/common/config.hpp"
#include "functions/common/event.hpp"
#include "mtls/registry.hpp"
#include "oauth/token_cache.hpp"
#include "oauth/token_endpoint.hpp"

namespace agm::functions::token {

using oauth::TokenEndpoint;

struct Settings {
  // docs/contract.md section 8 (RFC 8705 certificate-bound tokens): add
  // aws_client_metadata={"cert_thumbprint":"<hex>"} to the Cognito request. Off until the
  // pre-token function is deployed with it (env CERT_BOUND_TOKENS).
  bool cert_bound_tokens = false;
  // Hand a token this instance obtained back to the same client, certificate and scope set while
  // it is valid for more than its margin, without asking Cognito (oauth/token_cache.hpp). On
  // unless TOKEN_CACHE=false.
  bool token_cache = true;
};

struct Config {
  std::string region;
  std::string cert_table_name;
  std::string token_url;  // COGNITO_TOKEN_URL
  Settings settings;
  static Config from_env(const EnvLookup& env);  // throws core::ConfigError naming the variable
};

// The token function's own reasons; a certificate's are mtls::Reason (mtls/admission.hpp).
enum class Reason {
  kIssued,                      // "issued"
  kInvalidRequest,              // "invalid_request" (the detail says which part)
  kUnsupportedGrantType,        // "unsupported_grant_type"
  kBasicMissing,                // "basic_missing"
  kBasicMalformed,              // "basic_malformed"
  kTokenEndpointUnreachable,    // "token_endpoint_unreachable"
  kTokenEndpointInvalidAnswer,  // "token_endpoint_invalid_answer"
  kTokenEndpointError,          // "token_endpoint_error": Cognito's own refusal, passed through
  kInternalError,               // "internal_error"
};
std::string_view to_string(Reason reason);

class Handler {
 public:
  using Request = HttpRequest;
  using Response = HttpResponse;
  struct Outcome;  // an answer and the reason that goes to the log (handler.cpp)
  struct Caller;   // what is known about the client so far

  Handler(Settings settings, mtls::RegistryReader& registry, TokenEndpoint& endpoint,
          const core::Clock& clock, const core::Logger& logger);

  // One request, one log line (with the reason), one answer. Never throws.
  [[nodiscard]] HttpResponse handle(const HttpRequest& request) const;
  static lambda::invocation_response fallback();

 private:
  [[nodiscard]] Outcome respond(const HttpRequest& request, Caller& caller) const;
  // The certificate (mtls::admit_certificate, then mtls::admit_client for `scopes`, which
  // default to the record's when the client named none). nullopt: admitted.
  [[nodiscard]] std::optional<Outcome> admit(const HttpRequest& request, Caller& caller,
                                             std::vector<std::string>& scopes) const;
  [[nodiscard]] Outcome forward(const std::string& authorization,
                                const std::vector<std::string>& scopes,
                                const std::string& thumbprint) const;
  void log(const Outcome& outcome, const Caller& caller, const HttpRequest& request) const;

  Settings settings_;
  mtls::RegistryReader& registry_;
  TokenEndpoint& endpoint_;
  const core::Clock& clock_;
  const core::Logger& logger_;
  mutable std::optional<oauth::TokenCache> cache_;  // when settings_.token_cache
};

}  // namespace agm::functions::token
