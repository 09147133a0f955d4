#pragma once
// The user pool's JSON Web Key Set, fetched once and cached, after aws-jwt-verify's
// SimpleJwksCache and SimplePenaltyBox (src/jwk.ts): a kid that is not in the cached set makes
// the cache fetch the set again at once, so a key Cognito has just added works for the first token
// that names it, even right after a cold start's fetch. A refetch that does not find its kid (or
// fails) starts a wait of `refetch_wait` during which unknown kids are refused without a fetch, so
// a flood of made-up kids costs at most one fetch per wait; a refetch that finds its kid ends the
// wait.
#include <openssl/evp.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "oauth/rs256.hpp"
#include "oauth/token_error.hpp"

namespace agm::oauth {

// What the cache could not do, as the verifier's reason: kJwksUnavailable (cannot fetch, nothing
// usable cached), kJwksInvalid (the set, or the key the kid names, is not a usable RS256 RSA
// signing key), kKidNotFound. code() is to_string(reason()).
class JwksError : public core::Error {
 public:
  JwksError(TokenError reason, const std::string& message);
  [[nodiscard]] TokenError reason() const noexcept { return reason_; }

 private:
  TokenError reason_;
};

// A JWK's key, built once and shared by every verification that names its kid.
using PublicKey = std::shared_ptr<const Rs256Key>;

class JwksFetcher {
 public:
  virtual ~JwksFetcher() = default;
  // The JWKS document body, or throws (any exception: the cache reports "jwks_unavailable").
  virtual std::string fetch() = 0;
};

// Builds an RSA public key from the JWK members n and e (base64url big-endian, OpenSSL 3
// EVP_PKEY_fromdata). Throws JwksError(kJwksInvalid) when they do not make an RSA key of at
// least 2048 bits.
PublicKey rsa_public_key_from_jwk(std::string_view n_b64url, std::string_view e_b64url);

// Thread-safe.
class JwksCache {
 public:
  JwksCache(JwksFetcher& fetcher, const core::Clock& clock,
            std::chrono::seconds refetch_wait = std::chrono::seconds(30));

  // The key for `kid`. Fetches when nothing is cached yet (each such call tries again: without a
  // set every token is refused anyway), or when `kid` is not in the cached set and no wait is in
  // force (see above). Throws JwksError: kKidNotFound, kJwksUnavailable, kJwksInvalid
  // (the set is not {"keys":[...]}, or the JWK for `kid` is not kty RSA, use sig (or absent),
  // alg RS256 (or absent) with valid n and e).
  PublicKey key_for(const std::string& kid);
  // Replaces the cached set (tests, benchmarks, a preloaded set). Throws JwksError(kJwksInvalid)
  // when `json` is not a JWKS document.
  void set_jwks(std::string_view json);
  // Fetches the set now when none is cached, and builds every key in it: a cold start calls it
  // on a second thread while the runtime waits for its first event, as aws-jwt-verify's
  // hydrate(). Never throws; false when there is no usable set (key_for then simply tries again).
  bool prefetch() noexcept;

 private:
  void fetch_locked();
  void store_locked(std::string_view json);

  JwksFetcher& fetcher_;
  const core::Clock& clock_;
  std::chrono::seconds refetch_wait_;
  std::mutex mutex_;
  bool have_set_ = false;
  // Until then a kid missing from the set is refused without a fetch (aws-jwt-verify's penalty
  // box); unset: the next unknown kid may fetch.
  std::optional<core::TimePoint> wait_until_;
  std::map<std::string, boost::json::object, std::less<>> jwks_;  // kid -> first JWK with it
  std::map<std::string, PublicKey, std::less<>> keys_;            // kid -> built key (lazily)
};

}  // namespace agm::oauth
