#include "oauth/jwks.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <exception>
#include <memory>
#include <stdexcept>
#include <utility>

#include "core/encoding.hpp"
#include "core/openssl.hpp"

namespace agm::oauth {
namespace {

namespace json = boost::json;

// RSA keys below this size are refused: Cognito uses 2048-bit keys, and anything shorter would
// let a set that was tampered with downgrade verification.
constexpr int kMinRsaBits = 2048;

using core::openssl::BnPtr;
using core::openssl::ParamBldPtr;
using core::openssl::ParamPtr;
using core::openssl::PkeyCtxPtr;

[[noreturn]] void invalid(const std::string& why) {
  throw JwksError(TokenError::kJwksInvalid, why);
}

BnPtr bignum_from_b64url(std::string_view text, const char* name) {
  const auto bytes = core::base64url_decode(text);
  if (!bytes || bytes->empty())
    invalid(std::string("JWK ") + name + " is not base64url");
  BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()),
                     static_cast<int>(bytes->size()), nullptr));
  if (!bn)
    invalid(std::string("JWK ") + name + " cannot be read");
  return bn;
}

std::optional<std::string_view> string_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr)
    return std::nullopt;
  if (!v->is_string())
    invalid("JWK member " + std::string(key) + " is not a string");
  return std::string_view(v->as_string());
}

// The JWK must be an RSA signing key for RS256 (Cognito's keys carry kty RSA, use sig, alg RS256).
PublicKey key_from_jwk(const json::object& jwk) {
  const auto kty = string_member(jwk, "kty");
  if (!kty || *kty != "RSA")
    invalid("JWK kty is not RSA");
  if (const auto use = string_member(jwk, "use"); use && *use != "sig")
    invalid("JWK use is not sig");
  if (const auto alg = string_member(jwk, "alg"); alg && *alg != "RS256")
    invalid("JWK alg is not RS256");
  const auto n = string_member(jwk, "n");
  const auto e = string_member(jwk, "e");
  if (!n || !e)
    invalid("JWK lacks n or e");
  return rsa_public_key_from_jwk(*n, *e);
}

}  // namespace

PublicKey rsa_public_key_from_jwk(std::string_view n_b64url, std::string_view e_b64url) {
  const BnPtr n = bignum_from_b64url(n_b64url, "n");
  const BnPtr e = bignum_from_b64url(e_b64url, "e");
  if (BN_num_bits(n.get()) < kMinRsaBits)
    invalid("RSA modulus shorter than 2048 bits");
  // A public exponent must be odd and greater than 1; OpenSSL's own checks allow up to 2^256.
  if (!BN_is_odd(e.get()) || BN_is_one(e.get()) || BN_num_bits(e.get()) > 256)
    invalid("RSA public exponent is not usable");

  const ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    invalid("cannot build RSA parameters");
  }
  const ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 ||
      raw == nullptr) {
    invalid("OpenSSL refused the RSA key");
  }
  core::openssl::PkeyPtr key(raw);
  try {
    return std::make_shared<const Rs256Key>(std::move(key));
  } catch (const std::runtime_error& refused) {
    invalid(refused.what());
  }
}

JwksError::JwksError(TokenError reason, const std::string& message)
    : core::Error(std::string(to_string(reason)), message), reason_(reason) {}

JwksCache::JwksCache(JwksFetcher& fetcher, const core::Clock& clock,
                     std::chrono::seconds refetch_wait)
    : fetcher_(fetcher), clock_(clock), refetch_wait_(refetch_wait) {}

void JwksCache::store_locked(std::string_view json_text) {
  const auto doc = core::parse_json(json_text, 16);
  if (!doc || !doc->is_object())
    invalid("JWKS is not a JSON object");
  const auto* keys = doc->as_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array())
    invalid("JWKS has no keys array");
  std::map<std::string, json::object, std::less<>> jwks;
  for (const auto& k : keys->as_array()) {
    // A key we cannot index is skipped rather than failing the whole set: it could not be
    // selected by any token anyway.
    if (!k.is_object())
      continue;
    const auto* kid = k.as_object().if_contains("kid");
    if (kid == nullptr || !kid->is_string() || kid->as_string().empty())
      continue;
    jwks.emplace(std::string(kid->as_string()), k.as_object());  // first one wins
  }
  jwks_ = std::move(jwks);
  keys_.clear();
  have_set_ = true;
}

void JwksCache::fetch_locked() {
  std::string body;
  try {
    body = fetcher_.fetch();
  } catch (const std::exception& e) {
    throw JwksError(TokenError::kJwksUnavailable, std::string("JWKS fetch failed: ") + e.what());
  }
  store_locked(body);
}

PublicKey JwksCache::key_for(const std::string& kid) {
  const std::lock_guard lock(mutex_);
  if (!have_set_ || !jwks_.contains(kid)) {
    const core::TimePoint now = clock_.now();
    if (have_set_ && wait_until_ && now < *wait_until_)
      throw JwksError(TokenError::kKidNotFound,
                      "kid not in the JWKS (a refetch for an unknown kid was "
                      "made less than the wait period ago)");
    try {
      fetch_locked();
    } catch (const JwksError&) {
      // A failed attempt counts too (when there is a set to fall back on), so an outage plus a
      // stream of unknown kids does not become a stream of fetches.
      if (have_set_)
        wait_until_ = now + refetch_wait_;
      throw;
    }
    if (jwks_.contains(kid))
      wait_until_.reset();
    else
      wait_until_ = now + refetch_wait_;
  }
  const auto it = jwks_.find(kid);
  if (it == jwks_.end())
    throw JwksError(TokenError::kKidNotFound, "kid not in the JWKS");
  if (const auto cached = keys_.find(kid); cached != keys_.end())
    return cached->second;
  PublicKey key = key_from_jwk(it->second);
  keys_.emplace(kid, key);
  return key;
}

bool JwksCache::prefetch() noexcept {
  try {
    const std::lock_guard lock(mutex_);
    if (!have_set_)
      fetch_locked();
    for (const auto& [kid, jwk] : jwks_) {
      if (!keys_.contains(kid))
        keys_.emplace(kid, key_from_jwk(jwk));
    }
    return true;
  } catch (...) {
    return false;  // an unusable key is refused, with its reason, when a token names it
  }
}

void JwksCache::set_jwks(std::string_view json_text) {
  const std::lock_guard lock(mutex_);
  store_locked(json_text);
}

}  // namespace agm::oauth
