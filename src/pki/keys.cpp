// Private keys under a passphrase: PKCS#8 EncryptedPrivateKeyInfo (RFC 5958), as `openssl pkey
// -aes256` writes it, so the operator's own tools can open what mtlsctl wrote.
#include <openssl/pem.h>

#include "core/error.hpp"
#include "pki/detail.hpp"
#include "pki/pki.hpp"

namespace agm::pki {

using namespace detail;  // the room's own helpers

namespace {
constexpr std::string_view kEncryptedBegin = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
}  // namespace

bool is_encrypted_private_key(std::string_view pem) {
  return pem.find(kEncryptedBegin) != std::string_view::npos;
}

std::string encrypt_private_key(const std::string& key_pem, const std::string& passphrase) {
  if (passphrase.empty()) {
    throw core::Error("pki_bad_input", "an empty passphrase protects nothing");
  }
  PkeyPtr key = read_key(key_pem);
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) {
    fail("BIO_new");
  }
  // const_cast: OpenSSL's API takes a non-const buffer
  auto* pass = const_cast<char*>(passphrase.data());
  check(PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(), pass,
                                      static_cast<int>(passphrase.size()), nullptr, nullptr),
        "PEM_write_bio_PKCS8PrivateKey");
  return bio_text(bio.get());
}

std::string decrypt_private_key(const std::string& encrypted_pem, const std::string& passphrase) {
  BioPtr bio = memory_bio(encrypted_pem);
  // const_cast: OpenSSL's API takes a non-const buffer
  auto* pass = const_cast<char*>(passphrase.c_str());
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, pass));
  if (!key) {
    openssl_errors();
    throw core::Error("pki_bad_passphrase",
                      "the private key does not open with this passphrase (or is not a key)");
  }
  return key_to_pem(key.get());
}

}  // namespace agm::pki
