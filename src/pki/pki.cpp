#include "pki/pki.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>

#include "core/error.hpp"
#include "core/openssl.hpp"
#include "pki/detail.hpp"

namespace agm::pki {
namespace detail {

using ExtPtr = core::openssl::X509ExtensionPtr;

// The OpenSSL error queue as text, so a failure says what OpenSSL refused (and the queue is left
// empty for the next call).
std::string openssl_errors() {
  std::string text;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    if (!text.empty()) {
      text += "; ";
    }
    text += buf.data();
  }
  return text;
}

[[noreturn]] void fail(const std::string& what) {
  const std::string detail = openssl_errors();
  throw core::Error("pki_error", detail.empty() ? what : what + ": " + detail);
}

void check(int rc, const char* what) {
  if (rc <= 0) {
    fail(what);
  }
}

BioPtr memory_bio(std::string_view text) {
  if (text.size() > static_cast<std::size_t>(INT32_MAX)) {
    throw core::Error("pki_bad_input", "PEM input too large");
  }
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) {
    fail("BIO_new_mem_buf");
  }
  return bio;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) {
    return {};
  }
  return {data, static_cast<std::size_t>(len)};
}

PkeyPtr generate_key(KeyType type, std::optional<int> rsa_bits) {
  EVP_PKEY* key = nullptr;
  if (type == KeyType::kEcP256 && !rsa_bits) {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  } else {
    std::size_t bits = type == KeyType::kRsa3072 ? 3072 : 2048;
    if (rsa_bits) {
      bits = static_cast<std::size_t>(*rsa_bits);
    }
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits);
  }
  if (key == nullptr) {
    fail("key generation failed");
  }
  return PkeyPtr(key);
}

PkeyPtr read_key(const std::string& pem) {
  BioPtr bio = memory_bio(pem);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    openssl_errors();
    throw core::Error("pki_bad_input", "issuer private key is not a PEM private key");
  }
  return key;
}

X509Ptr read_cert(std::string_view pem) {
  BioPtr bio = memory_bio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    openssl_errors();
    throw core::Error("pki_bad_input", "not a PEM certificate");
  }
  return cert;
}

std::string key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) {
    fail("BIO_new");
  }
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  return bio_text(bio.get());
}

std::string cert_to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) {
    fail("BIO_new");
  }
  check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  return bio_text(bio.get());
}

// 128 random bits with the top bit cleared: positive as a DER INTEGER and never above the
// 20 octets RFC 5280 allows. Zero is refused (RFC 5280 wants a positive serial).
void set_random_serial(X509* cert) {
  std::array<unsigned char, 16> bytes{};
  do {
    check(RAND_bytes(bytes.data(), static_cast<int>(bytes.size())), "RAND_bytes");
    bytes[0] &= 0x7f;
  } while (std::all_of(bytes.begin(), bytes.end(), [](unsigned char b) { return b == 0; }));
  BnPtr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!bn) {
    fail("BN_bin2bn");
  }
  if (BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    fail("BN_to_ASN1_INTEGER");
  }
}

void set_time(ASN1_TIME* field, core::TimePoint t) {
  // Seconds straight to time_t (64-bit): never through a nanosecond clock, which wraps past 2262.
  if (!core::representable(t)) {
    throw core::Error("pki_bad_input", "validity outside the years 0000-9999");
  }
  const auto seconds = static_cast<std::time_t>(core::to_epoch_seconds(t));
  if (ASN1_TIME_set(field, seconds) == nullptr) {
    fail("ASN1_TIME_set");
  }
}

void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext) {
    fail("extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
  }
  check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

std::string name_rfc4514(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) {
    fail("BIO_new");
  }
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    fail("X509_NAME_print_ex");
  }
  return bio_text(bio.get());
}

// basicConstraints CA:TRUE is what makes a certificate a CA (RFC 5280 4.2.1.9); a v1
// self-signed certificate that X509_check_ca would tolerate is not one here.
bool has_ca_flag(X509* cert) {
  return (X509_get_extension_flags(cert) & EXFLAG_CA) != 0;
}

bool is_weak_digest(int md_nid) {
  return md_nid == NID_sha1 || md_nid == NID_md5 || md_nid == NID_md5_sha1 || md_nid == NID_md4 ||
         md_nid == NID_md2;
}

}  // namespace detail

using namespace detail;  // this file defines them

std::optional<KeyType> parse_key_type(std::string_view text) {
  if (text == "ec-p256") {
    return KeyType::kEcP256;
  }
  if (text == "rsa-2048") {
    return KeyType::kRsa2048;
  }
  if (text == "rsa-3072") {
    return KeyType::kRsa3072;
  }
  return std::nullopt;
}

std::string_view to_string(KeyType type) {
  switch (type) {
    case KeyType::kEcP256:
      return "ec-p256";
    case KeyType::kRsa2048:
      return "rsa-2048";
    case KeyType::kRsa3072:
      return "rsa-3072";
  }
  return "unknown";
}

Validity days_from(core::TimePoint now, int days) {
  return Validity{now - std::chrono::minutes(5), now + std::chrono::hours(24) * days};
}

namespace detail {

namespace {

// The extensions of the profile: basicConstraints and keyUsage by kind, EKU, SAN, SKI and AKI.
void add_profile_extensions(X509* cert, X509* issuer_cert, bool rsa, const IssueOptions& options,
                            const std::vector<std::string>& extended_key_usages) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert != nullptr ? issuer_cert : cert, cert, nullptr, nullptr, 0);
  if (options.is_ca) {
    std::string bc = "critical,CA:TRUE";
    if (options.path_length) {
      bc += ",pathlen:" + std::to_string(*options.path_length);
    }
    add_ext(cert, &ctx, NID_basic_constraints, bc);
    add_ext(cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    // keyEncipherment only means something for RSA key transport; ECDSA keys sign only.
    add_ext(cert, &ctx, NID_key_usage,
            rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature");
  }
  if (!extended_key_usages.empty()) {
    std::string eku;
    for (const auto& usage : extended_key_usages) {
      eku += (eku.empty() ? "" : ",") + usage;
    }
    add_ext(cert, &ctx, NID_ext_key_usage, eku);
  }
  std::string san;
  for (const auto& dns : options.dns_names) {
    if (dns.empty() || dns.find_first_of(",:\n") != std::string::npos) {
      throw core::Error("pki_bad_input", "invalid DNS name: " + dns);
    }
    san += (san.empty() ? "DNS:" : ",DNS:") + dns;
  }
  for (const auto& ip : options.ip_addresses) {
    if (ip.empty() || ip.find_first_of(",\n") != std::string::npos) {
      throw core::Error("pki_bad_input", "invalid IP address: " + ip);
    }
    san += (san.empty() ? "IP:" : ",IP:") + ip;
  }
  if (!san.empty()) {
    add_ext(cert, &ctx, NID_subject_alt_name, san);
  }
  add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
  if (issuer_cert != nullptr) {
    add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always");
  }
}

}  // namespace

std::string sign_certificate(const KeyAndCert* issuer, const std::string& subject_cn,
                             EVP_PKEY* subject_key, Validity validity, const IssueOptions& options,
                             const std::vector<std::string>& extended_key_usages) {
  if (subject_cn.empty() || subject_cn.size() > 64) {
    // X.520 ub-common-name: a CN longer than 64 characters is not a valid certificate.
    throw core::Error("pki_bad_input", "common name must be 1 to 64 characters");
  }
  if (validity.not_after <= validity.not_before) {
    throw core::Error("pki_bad_input", "validity ends before it starts");
  }
  const EVP_MD* md = EVP_get_digestbyname(options.digest.c_str());
  if (md == nullptr) {
    throw core::Error("pki_bad_input", "unknown digest: " + options.digest);
  }
  X509Ptr issuer_cert;
  PkeyPtr issuer_key;
  if (issuer != nullptr) {
    issuer_cert = read_cert(issuer->cert_pem);
    issuer_key = read_key(issuer->key_pem);
    if (X509_check_private_key(issuer_cert.get(), issuer_key.get()) != 1) {
      openssl_errors();
      throw core::Error("pki_bad_input", "issuer key does not match the issuer certificate");
    }
  }
  X509Ptr cert(X509_new());
  if (!cert) {
    fail("X509_new");
  }
  check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");
  set_random_serial(cert.get());
  set_time(X509_getm_notBefore(cert.get()), validity.not_before);
  set_time(X509_getm_notAfter(cert.get()), validity.not_after);
  check(X509_set_pubkey(cert.get(), subject_key), "X509_set_pubkey");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(subject_cn.c_str()), -1,
                                   -1, 0),
        "subject CN");
  check(X509_set_issuer_name(cert.get(),
                             issuer_cert ? X509_get_subject_name(issuer_cert.get()) : subject),
        "X509_set_issuer_name");
  const bool rsa = EVP_PKEY_get_base_id(subject_key) == EVP_PKEY_RSA;
  add_profile_extensions(cert.get(), issuer_cert.get(), rsa, options, extended_key_usages);
  if (X509_sign(cert.get(), issuer_key ? issuer_key.get() : subject_key, md) <= 0) {
    fail("signing with " + options.digest + " failed");
  }
  return cert_to_pem(cert.get());
}

}  // namespace detail

KeyAndCert issue_certificate(const KeyAndCert* issuer, const std::string& subject_cn, KeyType type,
                             Validity validity, const IssueOptions& options,
                             const std::vector<std::string>& extended_key_usages) {
  PkeyPtr key = generate_key(type, options.rsa_bits);
  std::string cert =
      sign_certificate(issuer, subject_cn, key.get(), validity, options, extended_key_usages);
  return KeyAndCert{key_to_pem(key.get()), std::move(cert)};
}

KeyAndCert create_root_ca(const std::string& common_name, KeyType type, Validity validity) {
  IssueOptions options;
  options.is_ca = true;
  return issue_certificate(nullptr, common_name, type, validity, options, {});
}

KeyAndCert create_intermediate_ca(const KeyAndCert& issuer, const std::string& common_name,
                                  KeyType type, Validity validity) {
  IssueOptions options;
  options.is_ca = true;
  options.path_length = 0;
  return issue_certificate(&issuer, common_name, type, validity, options, {});
}

KeyAndCert issue_client_certificate(const KeyAndCert& issuer, const std::string& client_id,
                                    KeyType type, Validity validity) {
  return issue_certificate(&issuer, client_id, type, validity, IssueOptions{}, {"clientAuth"});
}

KeyAndCert issue_server_certificate(const KeyAndCert& issuer,
                                    const std::vector<std::string>& dns_names,
                                    const std::vector<std::string>& ip_addresses, KeyType type,
                                    Validity validity) {
  if (dns_names.empty() && ip_addresses.empty()) {
    throw core::Error("pki_bad_input", "a server certificate needs a DNS name or an IP address");
  }
  IssueOptions options;
  options.dns_names = dns_names;
  options.ip_addresses = ip_addresses;
  const std::string& cn = dns_names.empty() ? ip_addresses.front() : dns_names.front();
  return issue_certificate(&issuer, cn, type, validity, options, {"serverAuth"});
}

std::vector<TruststoreProblem> check_truststore_certificate(std::string_view cert_pem,
                                                            core::TimePoint now) {
  std::vector<TruststoreProblem> problems;
  X509Ptr cert;
  try {
    cert = read_cert(cert_pem);
  } catch (const core::Error&) {
    problems.push_back({"(unparseable)", "not a PEM certificate"});
    return problems;
  }
  const std::string subject = name_rfc4514(X509_get_subject_name(cert.get()));
  auto add = [&](std::string problem) { problems.push_back({subject, std::move(problem)}); };

  const std::uint32_t flags = X509_get_extension_flags(cert.get());
  if ((flags & EXFLAG_INVALID) != 0) {
    add("invalid or duplicated extensions");
  }
  if (!has_ca_flag(cert.get())) {
    add("not a CA certificate (basicConstraints CA:TRUE absent)");
  } else if ((flags & EXFLAG_KUSAGE) != 0 &&
             (X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN) == 0) {
    add("CA certificate without keyCertSign in keyUsage");
  }

  auto t = static_cast<std::time_t>(core::to_epoch_seconds(now));
  if (X509_cmp_time(X509_get0_notAfter(cert.get()), &t) <= 0) {
    add("expired (notAfter is in the past)");
  }
  if (X509_cmp_time(X509_get0_notBefore(cert.get()), &t) >= 0) {
    add("not yet valid (notBefore is in the future)");
  }

  int md_nid = NID_undef;
  int pk_nid = NID_undef;
  const int sig_nid = X509_get_signature_nid(cert.get());
  if (OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid) == 0) {
    add("unknown signature algorithm");
  } else if (is_weak_digest(md_nid)) {
    add(std::string("weak signature algorithm (") + OBJ_nid2sn(sig_nid) + ")");
  }

  const EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr) {
    add("public key cannot be read");
  } else if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) < 2048) {
    add("RSA key of " + std::to_string(EVP_PKEY_get_bits(key)) + " bits (at least 2048 needed)");
  }
  openssl_errors();
  return problems;
}

bool is_ca_certificate(std::string_view cert_pem) {
  return has_ca_flag(read_cert(cert_pem).get());
}

bool key_matches_certificate(const std::string& key_pem, std::string_view cert_pem) {
  const X509Ptr cert = read_cert(cert_pem);
  const PkeyPtr key = read_key(key_pem);
  const bool matches = X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  return matches;
}

bool is_signed_by(std::string_view cert_pem, std::string_view issuer_pem) {
  const X509Ptr cert = read_cert(cert_pem);
  const X509Ptr issuer = read_cert(issuer_pem);
  const bool named =
      X509_NAME_cmp(X509_get_issuer_name(cert.get()), X509_get_subject_name(issuer.get())) == 0;
  const bool verifies = named && X509_verify(cert.get(), X509_get0_pubkey(issuer.get())) == 1;
  ERR_clear_error();
  return verifies;
}

}  // namespace agm::pki
