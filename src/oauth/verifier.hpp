#pragma once
// Cognito access-token verification (docs/contract.md section 6, rules 3 and 4), with one named
// reason per failure. The reasons are for logs: callers never put them in a response.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/time.hpp"
#include "oauth/jwks.hpp"
#include "oauth/token_error.hpp"

namespace agm::oauth {

struct AccessToken {
  std::string sub, client_id, token_use, iss, jti;
  std::vector<std::string> scopes;  // the scope claim split on spaces
  std::int64_t exp = 0, iat = 0;
  std::optional<std::int64_t> nbf, auth_time;
  std::optional<std::string> cnf_x5t_s256;  // cnf["x5t#S256"] when present
  boost::json::object claims;               // the whole payload

  [[nodiscard]] bool has_scope(std::string_view scope) const;
};

struct VerifyResult {
  std::optional<AccessToken> token;
  TokenError error{};
  std::string detail;  // for logs only
  [[nodiscard]] bool ok() const { return token.has_value(); }
};

struct VerifierConfig {
  std::string region, user_pool_id;
  std::chrono::seconds clock_skew{0};
  std::size_t max_token_bytes = 16384;
};

// https://cognito-idp.{region}.amazonaws.com/{pool}
std::string cognito_issuer(std::string_view region, std::string_view pool);

class AccessTokenVerifier {
 public:
  AccessTokenVerifier(VerifierConfig config, JwksCache& jwks, const core::Clock& clock);
  // Never throws. Checks, in order: size; exactly three base64url (strict, unpadded) segments;
  // header and payload JSON objects; alg RS256; kid present; key from JWKS; RS256 signature;
  // iss; token_use "access"; exp present and now < exp + skew; nbf (when present) <= now + skew;
  // iat present and <= now + skew; client_id present; scope present. Claims of the wrong JSON
  // type are kMalformed; a time claim outside the representable years is kTimeOutOfRange (refused
  // before it is compared, so no value can wrap or be clamped into an acceptable one).
  [[nodiscard]] VerifyResult verify(std::string_view jwt) const;

 private:
  VerifierConfig config_;
  std::string issuer_;
  JwksCache& jwks_;
  const core::Clock& clock_;
};

}  // namespace agm::oauth
