// Certificate signing requests (PKCS#10, RFC 2986): the client keeps its key and sends a CSR;
// what is signed is the CSR's public key, in the profile of issue_client_certificate. The CSR's
// subject and extensions are not copied: the certificate says what the platform decides.
#include <openssl/ec.h>
#include <openssl/pem.h>

#include <array>

#include "core/error.hpp"
#include "pki/detail.hpp"
#include "pki/pki.hpp"

namespace agm::pki {

using namespace detail;  // the room's own helpers

namespace {

using ReqPtr = core::openssl::Ptr<X509_REQ, X509_REQ_free>;

ReqPtr read_csr(std::string_view pem) {
  BioPtr bio = memory_bio(pem);
  ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) {
    openssl_errors();
    throw CsrError(CsrProblem::kNotACsr, "not a PEM certificate request (CERTIFICATE REQUEST)");
  }
  return req;
}

// RSA of 2048 bits or more, EC on P-256 or P-384: what API Gateway and the profile accept.
std::string check_key(EVP_PKEY* key) {
  const int bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      if (bits < 2048) {
        throw CsrError(CsrProblem::kWeakKey,
                       "the CSR's RSA key has " + std::to_string(bits) + " bits (at least 2048)");
      }
      return "rsa-" + std::to_string(bits);
    case EVP_PKEY_EC: {
      std::array<char, 64> curve{};
      std::size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(key, "group", curve.data(), curve.size(), &len) != 1) {
        openssl_errors();
        throw CsrError(CsrProblem::kUnsupportedKey, "the CSR's EC key names no curve");
      }
      const std::string name(curve.data(), len);
      if (name != "prime256v1" && name != "secp384r1" && name != "P-256" && name != "P-384") {
        throw CsrError(CsrProblem::kWeakKey,
                       "the CSR's EC key is on " + name + " (P-256 or P-384 only)");
      }
      return "ec-" + name;
    }
    default:
      throw CsrError(CsrProblem::kUnsupportedKey, "the CSR's key is neither RSA nor EC");
  }
}

}  // namespace

CsrInfo check_csr(std::string_view csr_pem) {
  ReqPtr req = read_csr(csr_pem);
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  if (key == nullptr) {
    openssl_errors();
    throw CsrError(CsrProblem::kUnsupportedKey, "the CSR's public key cannot be read");
  }
  CsrInfo info;
  info.key_description = check_key(key);
  if (X509_REQ_verify(req.get(), key) != 1) {
    openssl_errors();
    throw CsrError(CsrProblem::kBadSignature,
                   "the CSR's signature does not verify with its own key");
  }
  info.subject = name_rfc4514(X509_REQ_get_subject_name(req.get()));
  return info;
}

KeyAndCert sign_client_csr(const KeyAndCert& issuer, std::string_view csr_pem,
                           const std::string& client_id, Validity validity) {
  check_csr(csr_pem);
  ReqPtr req = read_csr(csr_pem);
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  return KeyAndCert{
      {}, sign_certificate(&issuer, client_id, key, validity, IssueOptions{}, {"clientAuth"})};
}

KeyAndCert create_csr(const std::string& common_name, KeyType type, std::optional<int> rsa_bits) {
  PkeyPtr key = generate_key(type, rsa_bits);
  ReqPtr req(X509_REQ_new());
  if (!req) {
    fail("X509_REQ_new");
  }
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0),
        "subject CN");
  check(X509_REQ_set_pubkey(req.get(), key.get()), "X509_REQ_set_pubkey");
  check(X509_REQ_sign(req.get(), key.get(), EVP_sha256()), "X509_REQ_sign");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) {
    fail("BIO_new");
  }
  check(PEM_write_bio_X509_REQ(bio.get(), req.get()), "PEM_write_bio_X509_REQ");
  return KeyAndCert{key_to_pem(key.get()), bio_text(bio.get())};
}

}  // namespace agm::pki
