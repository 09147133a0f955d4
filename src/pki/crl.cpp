// Certificate revocation lists (RFC 5280 section 5): export signed by the intermediate, import
// with the signature checked. API Gateway reads none; they are for the systems around it.
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <array>
#include <utility>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "pki/detail.hpp"
#include "pki/pki.hpp"

namespace agm::pki {

using namespace detail;  // the room's own helpers

namespace {

using CrlPtr = core::openssl::Ptr<X509_CRL, X509_CRL_free>;
using RevokedPtr = core::openssl::Ptr<X509_REVOKED, X509_REVOKED_free>;
using IntPtr = core::openssl::Ptr<ASN1_INTEGER, ASN1_INTEGER_free>;
using EnumPtr = core::openssl::Ptr<ASN1_ENUMERATED, ASN1_ENUMERATED_free>;
using TimePtr = core::openssl::Ptr<ASN1_TIME, ASN1_TIME_free>;

// RFC 5280 5.3.1 CRLReason; 7 is unused and removeFromCRL (8) belongs to delta CRLs only.
constexpr std::array<std::pair<std::string_view, int>, 9> kReasons{{{"unspecified", 0},
                                                                    {"key-compromise", 1},
                                                                    {"ca-compromise", 2},
                                                                    {"affiliation-changed", 3},
                                                                    {"superseded", 4},
                                                                    {"cessation-of-operation", 5},
                                                                    {"certificate-hold", 6},
                                                                    {"privilege-withdrawn", 9},
                                                                    {"aa-compromise", 10}}};

TimePtr asn1_time(core::TimePoint t) {
  TimePtr out(ASN1_TIME_new());
  if (!out) {
    fail("ASN1_TIME_new");
  }
  set_time(out.get(), t);
  return out;
}

IntPtr serial_from_hex(const std::string& hex) {
  const auto bytes = core::hex_decode(hex);
  if (!bytes || bytes->empty()) {
    throw core::Error("pki_bad_input", "serial number is not hex: " + hex);
  }
  BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()),
                     static_cast<int>(bytes->size()), nullptr));
  if (!bn) {
    fail("BN_bin2bn");
  }
  IntPtr out(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!out) {
    fail("BN_to_ASN1_INTEGER");
  }
  return out;
}

void add_entry(X509_CRL* crl, const CrlEntry& entry) {
  const auto code = crl_reason_code(entry.reason);
  if (!code) {
    throw core::Error("pki_bad_input", "not an RFC 5280 reason: " + entry.reason);
  }
  RevokedPtr revoked(X509_REVOKED_new());
  if (!revoked) {
    fail("X509_REVOKED_new");
  }
  check(X509_REVOKED_set_serialNumber(revoked.get(), serial_from_hex(entry.serial_number).get()),
        "X509_REVOKED_set_serialNumber");
  check(X509_REVOKED_set_revocationDate(revoked.get(), asn1_time(entry.revoked_at).get()),
        "X509_REVOKED_set_revocationDate");
  EnumPtr reason(ASN1_ENUMERATED_new());
  check(reason ? ASN1_ENUMERATED_set(reason.get(), *code) : 0, "ASN1_ENUMERATED_set");
  check(X509_REVOKED_add1_ext_i2d(revoked.get(), NID_crl_reason, reason.get(), 0, 0), "CRL reason");
  check(X509_CRL_add0_revoked(crl, revoked.release()), "X509_CRL_add0_revoked");
}

CrlPtr parse_crl(std::string_view text) {
  CrlPtr crl;
  if (text.find("-----BEGIN X509 CRL-----") != std::string_view::npos) {
    BioPtr bio = memory_bio(text);
    crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    crl.reset(d2i_X509_CRL(nullptr, &p, static_cast<long>(text.size())));
  }
  if (!crl) {
    openssl_errors();
    throw core::Error("pki_bad_crl", "not a CRL (PEM X509 CRL or DER)");
  }
  return crl;
}

CrlEntry entry_of(X509_REVOKED* revoked) {
  const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(revoked);
  CrlEntry entry;
  entry.serial_number = core::hex_encode(
      std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(serial)),
                       static_cast<std::size_t>(ASN1_STRING_length(serial))));
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_REVOKED_get0_revocationDate(revoked), &tm) == 1) {
    entry.revoked_at = core::from_epoch_seconds(timegm(&tm));
  }
  int critical = 0;
  EnumPtr reason(static_cast<ASN1_ENUMERATED*>(
      X509_REVOKED_get_ext_d2i(revoked, NID_crl_reason, &critical, nullptr)));
  entry.reason = crl_reason_name(reason ? static_cast<int>(ASN1_ENUMERATED_get(reason.get())) : 0);
  return entry;
}

}  // namespace

std::optional<int> crl_reason_code(std::string_view name) {
  for (const auto& [n, code] : kReasons) {
    if (n == name) {
      return code;
    }
  }
  return std::nullopt;
}

std::optional<std::string> canonical_reason(std::string_view name) {
  // RFC 5280's ASN.1 names: keyCompromise, cACompromise, ... (the CRLReason enumeration).
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kAsn1{{
      {"unspecified", "unspecified"},
      {"keyCompromise", "key-compromise"},
      {"cACompromise", "ca-compromise"},
      {"affiliationChanged", "affiliation-changed"},
      {"superseded", "superseded"},
      {"cessationOfOperation", "cessation-of-operation"},
      {"certificateHold", "certificate-hold"},
      {"privilegeWithdrawn", "privilege-withdrawn"},
      {"aACompromise", "aa-compromise"},
  }};
  if (crl_reason_code(name)) {
    return std::string(name);
  }
  for (const auto& [asn1, ours] : kAsn1) {
    if (asn1 == name) {
      return std::string(ours);
    }
  }
  return std::nullopt;
}

std::string crl_reason_name(int code) {
  for (const auto& [n, c] : kReasons) {
    if (c == code) {
      return std::string(n);
    }
  }
  return "unspecified";
}

std::string create_crl(const KeyAndCert& issuer, const std::vector<CrlEntry>& entries,
                       std::int64_t crl_number, core::TimePoint this_update,
                       core::TimePoint next_update) {
  X509Ptr cert = read_cert(issuer.cert_pem);
  PkeyPtr key = read_key(issuer.key_pem);
  CrlPtr crl(X509_CRL_new());
  if (!crl) {
    fail("X509_CRL_new");
  }
  check(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2), "X509_CRL_set_version");
  check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(cert.get())), "CRL issuer");
  check(X509_CRL_set1_lastUpdate(crl.get(), asn1_time(this_update).get()), "CRL thisUpdate");
  check(X509_CRL_set1_nextUpdate(crl.get(), asn1_time(next_update).get()), "CRL nextUpdate");
  for (const auto& entry : entries) {
    add_entry(crl.get(), entry);
  }
  IntPtr number(ASN1_INTEGER_new());
  check(number ? ASN1_INTEGER_set_int64(number.get(), crl_number) : 0, "CRL number");
  check(X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0), "CRL number");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), nullptr, nullptr, crl.get(), 0);
  core::openssl::X509ExtensionPtr aki(
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  check(aki ? X509_CRL_add_ext(crl.get(), aki.get(), -1) : 0, "CRL authorityKeyIdentifier");
  check(X509_CRL_sort(crl.get()), "X509_CRL_sort");
  check(X509_CRL_sign(crl.get(), key.get(), EVP_sha256()), "X509_CRL_sign");
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(bio ? PEM_write_bio_X509_CRL(bio.get(), crl.get()) : 0, "PEM_write_bio_X509_CRL");
  return bio_text(bio.get());
}

Crl read_crl(std::string_view text, const std::vector<std::string>& issuer_certs) {
  CrlPtr crl = parse_crl(text);
  Crl out;
  out.issuer = name_rfc4514(X509_CRL_get_issuer(crl.get()));
  bool verified = false;
  for (const auto& pem : issuer_certs) {
    X509Ptr cert = read_cert(pem);
    if (X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_CRL_get_issuer(crl.get())) == 0 &&
        X509_CRL_verify(crl.get(), X509_get0_pubkey(cert.get())) == 1) {
      verified = true;
      break;
    }
  }
  openssl_errors();
  if (!verified) {
    throw core::Error("pki_bad_crl", "the CRL of " + out.issuer +
                                         " is not signed by any of the given CA certificates");
  }
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    out.entries.push_back(entry_of(sk_X509_REVOKED_value(revoked, i)));
  }
  return out;
}

}  // namespace agm::pki
