#include "oauth/verifier.hpp"

namespace agm::oauth {

std::string_view to_string(TokenError /*error*/) {
  return "token_malformed";
}
bool AccessToken::has_scope(std::string_view /*scope*/) const {
  return false;
}
std::string cognito_issuer(std::string_view region, std::string_view pool) {
  return "https://cognito-idp." + std::string(region) + ".amazonaws.com/" + std::string(pool);
}
AccessTokenVerifier::AccessTokenVerifier(VerifierConfig config, JwksCache& jwks,
                                         const core::Clock& clock)
    : config_(std::move(config)),
      issuer_(cognito_issuer(config_.region, config_.user_pool_id)),
      jwks_(jwks),
      clock_(clock) {}
VerifyResult AccessTokenVerifier::verify(std::string_view /*jwt*/) const {
  return VerifyResult{std::nullopt, TokenError::kMalformed, "not implemented yet"};
}

}  // namespace agm::oauth
