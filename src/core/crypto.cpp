#include "core/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/encoding.hpp"
#include "core/error.hpp"

namespace agm::core {

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 EVP_sha256(), nullptr) != 1 ||
      len != 32) {
    throw Error("CryptoError", "SHA-256 failed");
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  return hex_encode(sha256(data));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr ||
      len != 32) {
    throw Error("CryptoError", "HMAC-SHA256 failed");
  }
  return out;
}

std::string random_bytes(std::size_t count) {
  std::string out(count, '\0');
  if (count > 0 &&
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
    throw Error("CryptoError", "RAND_bytes failed");
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void warm_up_crypto() noexcept {
  // Each fetch constructs, once per process, the method store it reads from (and the first one
  // the name map of every algorithm, the largest part).
  EVP_MD_free(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  EVP_MAC_free(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  EVP_SIGNATURE_free(EVP_SIGNATURE_fetch(nullptr, "RSA", nullptr));
  // The stores d2i_X509 searches for a certificate's public key, every key type at once. (The
  // search itself is repeated on each parse: OpenSSL 3.0 keeps no decoder cache.)
  EVP_KEYMGMT_do_all_provided(
      nullptr, [](EVP_KEYMGMT*, void*) {}, nullptr);
  OSSL_DECODER_do_all_provided(
      nullptr, [](OSSL_DECODER*, void*) {}, nullptr);
}

}  // namespace agm::core
