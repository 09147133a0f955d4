#pragma once
// Test-only JWT minting: RSA-2048 keys generated in the test, their JWK, RS256 and HS256 signing,
// and Cognito-shaped access-token claims. Nothing is committed or read from disk.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace agm::test {

class TestRsaKey {
 public:
  explicit TestRsaKey(std::string kid, int bits = 2048)
      : kid_(std::move(kid)),
        key_(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)), EVP_PKEY_free) {
    if (!key_)
      throw std::runtime_error("test_jwt: RSA keygen failed");
  }

  [[nodiscard]] const std::string& kid() const { return kid_; }
  [[nodiscard]] EVP_PKEY* get() const { return key_.get(); }

  // {"kty":"RSA","kid":..,"use":"sig","alg":"RS256","n":..,"e":..}, as Cognito publishes it.
  [[nodiscard]] boost::json::object jwk() const {
    boost::json::object o;
    o["alg"] = "RS256";
    o["e"] = core::base64url_encode(bn_param(OSSL_PKEY_PARAM_RSA_E));
    o["kid"] = kid_;
    o["kty"] = "RSA";
    o["n"] = core::base64url_encode(bn_param(OSSL_PKEY_PARAM_RSA_N));
    o["use"] = "sig";
    return o;
  }

  [[nodiscard]] std::string public_pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), key_.get());
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
  }

  [[nodiscard]] std::string sign_rs256(std::string_view input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t len = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
      throw std::runtime_error("test_jwt: sign init failed");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
      throw std::runtime_error("test_jwt: sign failed");
    sig.resize(len);
    return sig;
  }

 private:
  [[nodiscard]] std::string bn_param(const char* name) const {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key_.get(), name, &bn) != 1)
      throw std::runtime_error("test_jwt: no RSA parameter");
    std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return out;
  }

  std::string kid_;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_;
};

inline std::string jwks_of(std::initializer_list<const TestRsaKey*> keys) {
  boost::json::array arr;
  for (const auto* k : keys) {
    arr.emplace_back(k->jwk());
  }
  boost::json::object o;
  o["keys"] = std::move(arr);
  return boost::json::serialize(o);
}

inline std::string b64(std::string_view s) {
  return core::base64url_encode(s);
}

// header.payload.signature with the given (already serialized) header and payload text.
inline std::string sign_jwt(const TestRsaKey& key, std::string_view header_json,
                            std::string_view payload_json) {
  const std::string input = b64(header_json) + "." + b64(payload_json);
  return input + "." + b64(key.sign_rs256(input));
}

inline std::string rs256_header(const std::string& kid) {
  return R"({"kid":")" + kid + R"(","alg":"RS256"})";
}

inline std::string sign_jwt(const TestRsaKey& key, const boost::json::object& payload) {
  return sign_jwt(key, rs256_header(key.kid()), boost::json::serialize(payload));
}

inline std::string hs256_jwt(std::string_view secret, std::string_view header_json,
                             std::string_view payload_json) {
  const std::string input = b64(header_json) + "." + b64(payload_json);
  return input + "." + b64(core::hmac_sha256(secret, input));
}

// A Cognito client_credentials access token's claims.
inline boost::json::object cognito_access_claims(const std::string& issuer, std::int64_t now) {
  boost::json::object o;
  o["sub"] = "7example5client";
  o["token_use"] = "access";
  o["scope"] = "mtls-api/health.read mtls-api/other";
  o["auth_time"] = now - 10;
  o["iss"] = issuer;
  o["exp"] = now + 3600;
  o["iat"] = now - 10;
  o["version"] = 2;
  o["jti"] = "0d5a1bd4-1a2b-4c3d-8e9f-001122334455";
  o["client_id"] = "7example5client";
  return o;
}

}  // namespace agm::test
