#pragma once
// An RSA public key prepared once for RS256 (RSASSA-PKCS1-v1_5 with SHA-256) verification.
//
// Why prepared: in OpenSSL 3.0 every EVP_DigestVerifyInit fetches the signature and digest
// implementations from the provider store (name-map lookups under a lock) and builds a new
// EVP_PKEY_CTX from the key; for a 2048-bit key that setup is a fifth to a quarter of one
// verification (docs/benchmarks.md, "the decision"). The key keeps one context on which
// EVP_PKEY_verify_init, the padding and the signature digest were set when it was built; each
// verification duplicates it (EVP_PKEY_CTX_dup copies the provider's context without a fetch),
// so concurrent verifications never share mutable OpenSSL state.
#include <openssl/evp.h>

#include <string_view>

#include "core/openssl.hpp"

namespace agm::oauth {

class Rs256Key {
 public:
  // Takes the key; throws std::runtime_error when OpenSSL cannot prepare it for RS256
  // verification (not an RSA key, or no SHA-256 in the default provider).
  explicit Rs256Key(core::openssl::PkeyPtr key);

  // True only when `signature` is a valid RS256 signature of `signing_input` under this key.
  // Any OpenSSL failure is false (fail closed); never throws.
  [[nodiscard]] bool verify(std::string_view signing_input,
                            std::string_view signature) const noexcept;

  [[nodiscard]] const EVP_PKEY* pkey() const noexcept { return key_.get(); }

 private:
  core::openssl::PkeyPtr key_;
  core::openssl::PkeyCtxPtr prepared_;  // verify-initialised, PKCS#1 v1.5, SHA-256
  std::size_t signature_size_ = 0;      // the modulus size in bytes
};

}  // namespace agm::oauth
