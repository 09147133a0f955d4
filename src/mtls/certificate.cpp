#include "mtls/certificate.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <ctime>
#include <memory>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/openssl.hpp"
#include "core/pem.hpp"

namespace agm::mtls {
namespace {

constexpr std::string_view kBeginCert = core::kPemBeginCertificate;
constexpr std::string_view kEndCert = core::kPemEndCertificate;
constexpr std::string_view kBegin = "-----BEGIN ";

using core::openssl::BioPtr;
using core::openssl::X509Ptr;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool all_space(std::string_view s) {
  for (const char c : s) {
    if (!is_space(c))
      return false;
  }
  return true;
}

std::size_t count_of(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t pos = haystack.find(needle); pos != std::string_view::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

// The label of every "-----BEGIN <label>-----" line.
bool has_private_key_block(std::string_view pem) {
  for (std::size_t pos = pem.find(kBegin); pos != std::string_view::npos;
       pos = pem.find(kBegin, pos + kBegin.size())) {
    const std::size_t label_start = pos + kBegin.size();
    const std::size_t label_end = pem.find("-----", label_start);
    if (label_end == std::string_view::npos)
      continue;
    const std::string_view label = pem.substr(label_start, label_end - label_start);
    if (label.find("PRIVATE KEY") != std::string_view::npos)
      return true;
  }
  return false;
}

// When DER does not parse, tell a cut-off certificate (the outer SEQUENCE announces more bytes than
// there are) from other damage, so the log says what happened.
bool der_looks_truncated(std::string_view der) {
  if (der.size() < 2 || static_cast<unsigned char>(der[0]) != 0x30)
    return false;
  const auto first = static_cast<unsigned char>(der[1]);
  std::size_t header = 2;
  std::size_t length = 0;
  if (first < 0x80) {
    length = first;
  } else {
    const std::size_t n = first & 0x7FU;
    if (n == 0 || n > 4 || der.size() < 2 + n)
      return der.size() < 2 + n && n > 0 && n <= 4;
    for (std::size_t i = 0; i < n; ++i) {
      length = (length << 8U) | static_cast<unsigned char>(der[2 + i]);
    }
    header += n;
  }
  return header + length > der.size();
}

// ASN1_TIME_to_tm reads UTCTime and GeneralizedTime alike (years 0000-9999); the civil time is
// then turned into seconds without passing through time_t or a nanosecond clock.
core::TimePoint to_time_point(const ASN1_TIME* t, const char* which) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    throw CertificateError("cert_invalid_der",
                           std::string("certificate has an unreadable ") + which + " time");
  }
  const auto time = core::from_civil(std::int64_t{tm.tm_year} + 1900, tm.tm_mon + 1, tm.tm_mday,
                                     tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (!time) {
    throw CertificateError("cert_invalid_der",
                           std::string("certificate has an unrepresentable ") + which + " time");
  }
  return *time;
}

std::string name_rfc4514(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio)
    throw CertificateError("cert_invalid_der", "out of memory formatting a name");
  // RFC 2253/4514 order and escaping; UTF-8 characters kept as they are, not \XX-escaped.
  const unsigned long flags = XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB);
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0)
    throw CertificateError("cert_invalid_der", "certificate name cannot be formatted");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string serial_hex(const ASN1_INTEGER* serial) {
  if (serial == nullptr)
    throw CertificateError("cert_invalid_der", "certificate has no serial number");
  // As i2a_ASN1_INTEGER (`openssl x509 -serial`): two digits per magnitude byte, "00" for zero.
  const unsigned char* data = ASN1_STRING_get0_data(serial);
  const int len = ASN1_STRING_length(serial);
  std::string hex = len > 0 ? core::hex_encode(std::string_view(reinterpret_cast<const char*>(data),
                                                                static_cast<std::size_t>(len)))
                            : std::string("00");
  if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER)
    hex.insert(0, "-");
  return hex;
}

std::string der_to_pem(std::string_view der) {
  const std::string b64 = core::base64_encode(der);
  std::string pem(kBeginCert);
  pem += '\n';
  for (std::size_t i = 0; i < b64.size(); i += 64) {
    pem += b64.substr(i, 64);
    pem += '\n';
  }
  pem += kEndCert;
  pem += '\n';
  return pem;
}

}  // namespace

ClientCertificate ClientCertificate::parse_der(std::string_view der) {
  if (der.empty())
    throw CertificateError("cert_empty", "certificate is empty");
  if (der.size() > kMaxCertificatePemBytes)
    throw CertificateError(
        "cert_too_large",
        "certificate is larger than " + std::to_string(kMaxCertificatePemBytes) + " bytes");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x509) {
    if (der_looks_truncated(der))
      throw CertificateError("cert_truncated", "certificate DER is cut off");
    throw CertificateError("cert_invalid_der", "not a DER X.509 certificate");
  }
  const auto consumed =
      static_cast<std::size_t>(p - reinterpret_cast<const unsigned char*>(der.data()));
  if (consumed != der.size())
    throw CertificateError("cert_invalid_der", "bytes follow the certificate DER");

  return from_parsed(x509.get(), std::string(der));
}

ClientCertificate ClientCertificate::from_der(std::string_view der) {
  ClientCertificate cert = parse_der(der);
  cert.pem = der_to_pem(cert.der);
  return cert;
}

ClientCertificate ClientCertificate::from_x509(const X509* x509) {
  if (x509 == nullptr)
    throw CertificateError("cert_empty", "no certificate");
  unsigned char* out = nullptr;
  const int len = i2d_X509(x509, &out);
  if (len <= 0 || out == nullptr)
    throw CertificateError("cert_invalid_der", "certificate cannot be DER-encoded");
  std::string der(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));
  OPENSSL_free(out);
  if (der.size() > kMaxCertificatePemBytes)
    throw CertificateError(
        "cert_too_large",
        "certificate is larger than " + std::to_string(kMaxCertificatePemBytes) + " bytes");
  ClientCertificate cert = from_parsed(x509, std::move(der));
  cert.pem = der_to_pem(cert.der);
  return cert;
}

ClientCertificate ClientCertificate::from_parsed(const X509* x509, std::string der) {
  ClientCertificate cert;
  cert.der = std::move(der);
  const std::string digest = core::sha256(cert.der);
  cert.thumbprint = core::hex_encode(digest);
  cert.x5t_s256 = core::base64url_encode(digest);
  cert.subject_dn = name_rfc4514(X509_get_subject_name(x509));
  cert.issuer_dn = name_rfc4514(X509_get_issuer_name(x509));
  cert.serial_number = serial_hex(X509_get0_serialNumber(x509));
  cert.not_before = to_time_point(X509_get0_notBefore(x509), "notBefore");
  cert.not_after = to_time_point(X509_get0_notAfter(x509), "notAfter");
  return cert;
}

ClientCertificate ClientCertificate::from_pem(std::string_view pem) {
  // Size first: nothing else is looked at in an oversized input.
  if (pem.size() > kMaxCertificatePemBytes)
    throw CertificateError(
        "cert_too_large",
        "certificate PEM is larger than " + std::to_string(kMaxCertificatePemBytes) + " bytes");
  if (all_space(pem))
    throw CertificateError("cert_empty", "certificate is empty");
  // A private key is refused by name even next to a certificate: it should never travel here.
  if (has_private_key_block(pem))
    throw CertificateError("cert_is_private_key", "a private key was given, not a certificate");
  const std::size_t begins = count_of(pem, kBeginCert);
  if (begins == 0)
    throw CertificateError("cert_not_pem", "no -----BEGIN CERTIFICATE----- block");
  if (begins > 1)
    throw CertificateError("cert_multiple", "more than one certificate given");
  const std::size_t begin = pem.find(kBeginCert);
  const std::size_t body_start = begin + kBeginCert.size();
  const std::size_t end = pem.find(kEndCert, body_start);
  if (end == std::string_view::npos)
    throw CertificateError("cert_truncated", "certificate PEM has no END line");
  if (!all_space(pem.substr(0, begin)) || !all_space(pem.substr(end + kEndCert.size())))
    throw CertificateError("cert_trailing_data", "text around the certificate block");

  std::string b64;
  b64.reserve(end - body_start);
  for (const char c : pem.substr(body_start, end - body_start)) {
    if (!is_space(c))
      b64 += c;
  }
  if (b64.empty())
    throw CertificateError("cert_truncated", "certificate PEM block is empty");
  const auto der = core::base64_decode(b64);
  if (!der) {
    throw CertificateError(b64.size() % 4 != 0 ? "cert_truncated" : "cert_invalid_pem",
                           "certificate PEM body is not valid base64");
  }
  ClientCertificate cert = parse_der(*der);
  cert.pem = std::string(pem);
  return cert;
}

bool ClientCertificate::valid_at(core::TimePoint t, std::chrono::seconds skew) const {
  return not_before - skew <= t && t <= not_after + skew;
}

}  // namespace agm::mtls
