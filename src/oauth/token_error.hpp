#pragma once
// One named reason per way an access token is refused (aws-jwt-verify's error.ts): the verifier
// returns them, the JWKS cache throws the key-related ones (JwksError carries one).
#include <string_view>

namespace agm::oauth {

enum class TokenError {
  kMalformed,         // not 3 strict base64url segments, header/payload not JSON objects, bad types
  kAlgorithmRefused,  // alg other than RS256 (none, HS256, ...): refused before any key lookup
  kKidMissing,
  kKidNotFound,
  kJwksUnavailable,
  kBadSignature,
  kWrongIssuer,
  kWrongTokenUse,
  kExpired,
  kExpMissing,
  kNotYetValid,     // nbf in the future
  kIssuedInFuture,  // iat in the future
  kIatMissing,
  kClientIdMissing,
  kScopeMissing,    // the scope claim is absent
  kTooLarge,        // more than max_token_bytes
  kJwksInvalid,     // the JWK named by kid is not a usable RS256 key
  kTimeOutOfRange,  // exp, iat, nbf or auth_time outside the years 0000-9999 (core/time.hpp)
};
// "token_malformed", "algorithm_refused", "kid_missing", "kid_not_found", "jwks_unavailable",
// "bad_signature", "wrong_issuer", "wrong_token_use", "token_expired", "exp_missing",
// "token_not_yet_valid", "issued_in_future", "iat_missing", "client_id_missing", "scope_missing",
// "token_too_large", "jwks_invalid", "time_out_of_range".
std::string_view to_string(TokenError error);

}  // namespace agm::oauth
