#pragma once
// The client certificate as API Gateway forwards it (requestContext.authentication.clientCert.
// clientCertPem): parsed strictly, so that garbage, truncated input, several certificates or a
// private key each fail with a named error instead of being half-accepted.
#include <openssl/types.h>

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/time.hpp"

namespace agm::mtls {

// code(): "cert_empty", "cert_not_pem", "cert_truncated", "cert_multiple", "cert_is_private_key",
// "cert_invalid_der", "cert_too_large", "cert_invalid_pem" (bad base64 inside the block),
// "cert_trailing_data" (non-whitespace text around the block).
class CertificateError : public core::Error {
 public:
  using core::Error::Error;
};

// Upper bound on the PEM text (and DER) accepted: far above any real client certificate, low enough
// that a hostile request cannot make us parse megabytes.
inline constexpr std::size_t kMaxCertificatePemBytes = 65536;  // 64 KiB

struct ClientCertificate {
  std::string pem;         // the input, as given
  std::string der;         // raw DER bytes
  std::string thumbprint;  // lowercase hex SHA-256 of DER (the registry key)
  std::string x5t_s256;    // base64url(SHA-256(DER)), no padding (RFC 8705 cnf["x5t#S256"])
  std::string subject_dn;  // RFC 4514 (OpenSSL XN_FLAG_RFC2253, UTF-8 kept unescaped)
  std::string issuer_dn;
  // Lowercase hex of the serial's bytes, two digits per byte, as `openssl x509 -serial` prints it
  // (lowercased); "-" prefix for a (non-conforming) negative serial.
  std::string serial_number;
  core::TimePoint not_before;
  core::TimePoint not_after;

  // Exactly one "-----BEGIN CERTIFICATE-----" block, optionally surrounded by whitespace.
  // Throws CertificateError.
  static ClientCertificate from_pem(std::string_view pem);
  // Exactly one DER X.509 certificate, no trailing bytes. Throws CertificateError. `pem` is set to
  // the PEM encoding of `der`.
  static ClientCertificate from_der(std::string_view der);
  // A certificate OpenSSL has already parsed (a TLS peer's): the same fields without decoding it
  // again, which with OpenSSL 3.0 costs more than the rest of a handshake's certificate work.
  // Throws CertificateError when it cannot be encoded or its fields cannot be read.
  static ClientCertificate from_x509(const X509* x509);

  // not_before - skew <= t <= not_after + skew.
  [[nodiscard]] bool valid_at(core::TimePoint t,
                              std::chrono::seconds skew = std::chrono::seconds(0)) const;

 private:
  // Every field but `pem`, which each public constructor sets its own way.
  static ClientCertificate parse_der(std::string_view der);
  static ClientCertificate from_parsed(const X509* x509, std::string der);
};

}  // namespace agm::mtls
