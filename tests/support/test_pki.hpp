#pragma once
// Test-only certificates made with OpenSSL 3 APIs in memory (nothing committed, nothing on disk
// unless a test writes it): a key and a certificate with the subject, serial and validity a test
// asks for, self-signed or signed by another test certificate.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace agm::test {

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
  std::string der;
};

struct TestCertSpec {
  // RDNs in order of the DN as encoded (most significant first), e.g. {{"O","Example"},{"CN","a"}}.
  std::vector<std::pair<std::string, std::string>> subject = {{"O", "Example Org"},
                                                              {"CN", "client-1"}};
  std::string serial_hex = "01";         // big-endian hex of the serial's magnitude
  std::int64_t not_before = 1767225600;  // 2026-01-01T00:00:00Z
  std::int64_t not_after = 1798761600;   // 2027-01-01T00:00:00Z
  bool rsa = false;                      // RSA-2048 instead of EC P-256
};

inline std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

// `issuer` null: self-signed.
inline TestCert make_test_cert(const TestCertSpec& spec, const TestCert* issuer = nullptr) {
  auto check = [](bool ok, const char* what) {
    if (!ok)
      throw std::runtime_error(std::string("test_pki: ") + what);
  };
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      spec.rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
               : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
      EVP_PKEY_free);
  check(key != nullptr, "keygen");
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  check(x != nullptr, "X509_new");
  check(X509_set_version(x.get(), 2) == 1, "version");
  BIGNUM* bn = nullptr;
  check(BN_hex2bn(&bn, spec.serial_hex.c_str()) > 0, "serial hex");
  ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
  BN_free(bn);
  check(serial != nullptr && X509_set_serialNumber(x.get(), serial) == 1, "serial");
  ASN1_INTEGER_free(serial);
  check(
      ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(spec.not_before)) != nullptr,
      "notBefore");
  check(ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(spec.not_after)) != nullptr,
        "notAfter");
  X509_NAME* name = X509_get_subject_name(x.get());
  for (const auto& [field, value] : spec.subject) {
    check(X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                     0) == 1,
          "subject entry");
  }
  check(X509_set_pubkey(x.get(), key.get()) == 1, "pubkey");

  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> signer(nullptr, EVP_PKEY_free);
  if (issuer != nullptr) {
    std::unique_ptr<BIO, decltype(&BIO_free)> kb(
        BIO_new_mem_buf(issuer->key_pem.data(), static_cast<int>(issuer->key_pem.size())),
        BIO_free);
    signer.reset(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
    check(signer != nullptr, "issuer key");
    std::unique_ptr<BIO, decltype(&BIO_free)> cb(
        BIO_new_mem_buf(issuer->cert_pem.data(), static_cast<int>(issuer->cert_pem.size())),
        BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> ic(
        PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr), X509_free);
    check(ic != nullptr, "issuer cert");
    check(X509_set_issuer_name(x.get(), X509_get_subject_name(ic.get())) == 1, "issuer name");
  } else {
    check(X509_set_issuer_name(x.get(), name) == 1, "issuer name");
  }
  check(X509_sign(x.get(), issuer != nullptr ? signer.get() : key.get(), EVP_sha256()) > 0, "sign");

  TestCert out;
  std::unique_ptr<BIO, decltype(&BIO_free)> cbio(BIO_new(BIO_s_mem()), BIO_free);
  check(PEM_write_bio_X509(cbio.get(), x.get()) == 1, "write cert");
  out.cert_pem = bio_to_string(cbio.get());
  std::unique_ptr<BIO, decltype(&BIO_free)> kbio(BIO_new(BIO_s_mem()), BIO_free);
  check(PEM_write_bio_PrivateKey(kbio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "write key");
  out.key_pem = bio_to_string(kbio.get());
  unsigned char* der = nullptr;
  const int len = i2d_X509(x.get(), &der);
  check(len > 0, "i2d");
  out.der.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace agm::test
