#pragma once
// The token function (docs/contract.md section 5, POST /token): checks the presented client
// certificate against the registry, then forwards the client_credentials request to Cognito's token
// endpoint and returns Cognito's answer as it came. Pure: the registry, the token endpoint, the
// clock and the logger are passed in. Never logs the secret, the Authorization header or the issued
// token.
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "functions/common/config.hpp"
#include "mtls/registry.hpp"
#include "oauth/token_client.hpp"

namespace agm::functions::token {

// The token endpoint as the handler sees it (oauth::TokenEndpointClient in main, a fake in
// tests). `request` throws (any exception) when the endpoint cannot be reached or times out.
class TokenEndpoint {
 public:
  virtual ~TokenEndpoint() = default;
  virtual oauth::TokenEndpointResponse request(const std::string& authorization,
                                               const std::string& form_body) = 0;
};

struct Settings {
  // docs/contract.md section 8 (RFC 8705 certificate-bound tokens): add
  // aws_client_metadata={"cert_thumbprint":"<hex>"} to the Cognito request. Off until the
  // pre-token function is deployed with it (env CERT_BOUND_TOKENS).
  bool cert_bound_tokens = false;
};

struct Config {
  std::string region;
  std::string cert_table_name;
  std::string token_url;  // COGNITO_TOKEN_URL
  Settings settings;
  static Config from_env(const EnvLookup& env);  // throws core::ConfigError naming the variable
};

// The form body sent to Cognito: grant_type=client_credentials, then scope (when any), then
// aws_client_metadata (when `thumbprint` is non-empty), each value percent-encoded.
std::string cognito_form_body(const std::vector<std::string>& scopes,
                              const std::string& thumbprint);

class Handler {
 public:
  Handler(Settings settings, mtls::RegistryReader& registry, TokenEndpoint& endpoint,
          const core::Clock& clock, const core::Logger& logger);

  // Payload 2.0 structured result {"statusCode","headers","body"}. Never throws.
  [[nodiscard]] core::json::object respond(const core::json::value& event) const;
  [[nodiscard]] std::string handle(std::string_view payload) const;

 private:
  [[nodiscard]] core::json::object respond_unchecked(const core::json::value& event) const;

  Settings settings_;
  mtls::RegistryReader& registry_;
  TokenEndpoint& endpoint_;
  const core::Clock& clock_;
  const core::Logger& logger_;
};

}  // namespace agm::functions::token
