#include "oauth/rs256.hpp"

#include <openssl/rsa.h>

#include <array>
#include <stdexcept>
#include <utility>

namespace agm::oauth {
namespace {

// SHA-256 fetched once for the process (an explicit fetch, so no verification pays for the
// implicit one EVP_sha256() implies in OpenSSL 3). nullptr when the provider has none: every
// key then fails to build and every token is refused.
const EVP_MD* sha256() noexcept {
  static const core::openssl::Ptr<EVP_MD, EVP_MD_free> md(
      EVP_MD_fetch(nullptr, "SHA2-256", nullptr));
  return md.get();
}

}  // namespace

Rs256Key::Rs256Key(core::openssl::PkeyPtr key) : key_(std::move(key)) {
  if (!key_ || EVP_PKEY_is_a(key_.get(), "RSA") != 1 || sha256() == nullptr)
    throw std::runtime_error("not an RSA key, or no SHA-256");
  prepared_.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  // The signature digest makes EVP_PKEY_verify check the DigestInfo (the SHA-256 OID) and not
  // only the padded digest, as EVP_DigestVerify does.
  if (!prepared_ || EVP_PKEY_verify_init(prepared_.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(prepared_.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_CTX_set_signature_md(prepared_.get(), sha256()) != 1) {
    throw std::runtime_error("OpenSSL cannot prepare the key for RS256");
  }
  const int size = EVP_PKEY_get_size(key_.get());
  if (size <= 0)
    throw std::runtime_error("OpenSSL reports no signature size for the key");
  signature_size_ = static_cast<std::size_t>(size);
}

bool Rs256Key::verify(std::string_view signing_input, std::string_view signature) const noexcept {
  // RSASSA-PKCS1-v1_5: the signature is exactly as long as the modulus.
  if (signature.size() != signature_size_)
    return false;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  if (EVP_Digest(signing_input.data(), signing_input.size(), digest.data(), &digest_size, sha256(),
                 nullptr) != 1) {
    return false;
  }
  const core::openssl::PkeyCtxPtr ctx(EVP_PKEY_CTX_dup(prepared_.get()));
  return ctx && EVP_PKEY_verify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                                signature.size(), digest.data(), digest_size) == 1;
}

}  // namespace agm::oauth
