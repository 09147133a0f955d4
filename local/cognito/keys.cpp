#include "local/cognito/keys.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "core/file.hpp"
#include "core/openssl.hpp"

namespace agm::local::cognito {

namespace json = boost::json;

namespace {

using core::openssl::BioPtr;
using core::openssl::BnPtr;
using core::openssl::MdCtxPtr;
using core::openssl::PkeyPtr;

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string bn_bytes(const EVP_PKEY* pkey, const char* param) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, param, &raw) != 1)
    throw core::Error("key_error", std::string("cannot read RSA parameter ") + param);
  const BnPtr bn(raw);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace

struct SigningKeys::Key {
  std::string kid;
  std::string private_pem;
  PkeyPtr pkey;
  std::string n, e;  // base64url

  static std::shared_ptr<Key> from_pem(const std::string& pem) {
    const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    PkeyPtr pkey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!pkey || EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA)
      throw core::Error("key_error", "signing key file holds no RSA private key");
    return make(std::move(pkey), pem);
  }

  static std::shared_ptr<Key> generate() {
    PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)));
    if (!pkey)
      throw core::Error("key_error", "RSA key generation failed");
    const BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
      throw core::Error("key_error", "cannot encode the RSA key");
    const std::string pem = bio_string(bio.get());
    return make(std::move(pkey), pem);
  }

  static std::shared_ptr<Key> make(PkeyPtr pkey, std::string pem) {
    auto key = std::make_shared<Key>();
    key->n = core::base64url_encode(bn_bytes(pkey.get(), OSSL_PKEY_PARAM_RSA_N));
    key->e = core::base64url_encode(bn_bytes(pkey.get(), OSSL_PKEY_PARAM_RSA_E));
    // Cognito's kids are standard base64 of a SHA-256 (with '+', '/' and '='): keeping that shape
    // exercises verifiers with the characters a real pool produces.
    key->kid = core::base64_encode(core::sha256(key->n + "." + key->e));
    key->private_pem = std::move(pem);
    key->pkey = std::move(pkey);
    return key;
  }

  [[nodiscard]] std::string sign(std::string_view data) const {
    const MdCtxPtr ctx(EVP_MD_CTX_new());
    // RSA keys default to PKCS#1 v1.5 padding: with SHA-256 that is JWS "RS256" (RFC 7518 3.3).
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1)
      throw core::Error("sign_error", "EVP_DigestSignInit failed");
    std::size_t len = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(data.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1)
      throw core::Error("sign_error", "EVP_DigestSign (size) failed");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                       data.size()) != 1)
      throw core::Error("sign_error", "EVP_DigestSign failed");
    sig.resize(len);
    return sig;
  }
};

SigningKeys::SigningKeys(std::string state_dir)
    : path_(std::move(state_dir) + "/signing-keys.json") {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    const auto doc = core::parse_json(core::read_file(path_));
    const auto* list = doc ? core::find(*doc, "keys") : nullptr;
    if (list == nullptr || !list->is_array() || list->as_array().empty())
      throw core::Error("state_error", path_ + ": no keys");
    for (const auto& entry : list->as_array()) {
      const auto pem = core::get_string(entry, "private_key_pem");
      if (!pem)
        throw core::Error("state_error", path_ + ": a key has no private_key_pem");
      keys_.push_back(Key::from_pem(std::string(*pem)));
    }
    return;
  }
  keys_.push_back(Key::generate());
  save();
}

SigningKeys::~SigningKeys() = default;

void SigningKeys::save() const {
  json::array list;
  for (const auto& k : keys_)
    list.push_back(json::object{{"kid", k->kid}, {"private_key_pem", k->private_pem}});
  core::write_file_atomic(path_, json::serialize(json::object{{"keys", std::move(list)}}), 0600);
}

json::object SigningKeys::jwks() const {
  const std::lock_guard lock(mutex_);
  json::array list;
  for (const auto& k : keys_)
    list.push_back(json::object{{"alg", "RS256"},
                                {"e", k->e},
                                {"kid", k->kid},
                                {"kty", "RSA"},
                                {"n", k->n},
                                {"use", "sig"}});
  return json::object{{"keys", std::move(list)}};
}

std::string SigningKeys::active_kid() const {
  const std::lock_guard lock(mutex_);
  return keys_.front()->kid;
}

std::string SigningKeys::sign_jwt(const json::object& claims) const {
  std::shared_ptr<Key> key;
  {
    const std::lock_guard lock(mutex_);
    key = keys_.front();
  }
  // Header members in Cognito's order: {"kid":...,"alg":"RS256"}.
  const std::string header = json::serialize(json::object{{"kid", key->kid}, {"alg", "RS256"}});
  const std::string signing_input =
      core::base64url_encode(header) + "." + core::base64url_encode(json::serialize(claims));
  return signing_input + "." + core::base64url_encode(key->sign(signing_input));
}

std::string SigningKeys::rotate() {
  auto fresh = Key::generate();
  const std::lock_guard lock(mutex_);
  keys_.insert(keys_.begin(), fresh);
  if (keys_.size() > 2)
    keys_.resize(2);
  save();
  return fresh->kid;
}

}  // namespace agm::local::cognito
