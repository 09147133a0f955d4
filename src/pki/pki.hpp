#pragma once
// A small private PKI for mutual TLS: a root CA, an intermediate CA (path length 0), client and
// server certificates, and the truststore checks API Gateway applies to the bundle it is given.
//
// Keys come from OpenSSL 3 EVP (EVP_PKEY_Q_keygen); serials are 128 random bits, positive.
// Everything is PEM text in and out, so callers (mtlsctl, tests, the local stack) decide where it
// is stored. Every function throws core::Error (code "pki_error", or "pki_bad_input" for input that
// cannot be parsed) and never returns a half-made certificate.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace agm::pki {

enum class KeyType { kEcP256, kRsa2048, kRsa3072 };

// "ec-p256", "rsa-2048", "rsa-3072"; nullopt otherwise.
std::optional<KeyType> parse_key_type(std::string_view text);
std::string_view to_string(KeyType type);

struct KeyAndCert {
  std::string key_pem;   // PKCS#8 private key
  std::string cert_pem;  // one CERTIFICATE block
};

struct Validity {
  core::TimePoint not_before;
  core::TimePoint not_after;
};

// not_before = now - 5 minutes (so a peer whose clock is slightly behind accepts it at once),
// not_after = now + days.
Validity days_from(core::TimePoint now, int days);

// Self-signed: CA:TRUE (critical), keyUsage keyCertSign + cRLSign (critical), SKI.
KeyAndCert create_root_ca(const std::string& common_name, KeyType type, Validity validity);
// Signed by `issuer`: CA:TRUE pathlen:0 (critical), keyCertSign + cRLSign, SKI and AKI.
KeyAndCert create_intermediate_ca(const KeyAndCert& issuer, const std::string& common_name,
                                  KeyType type, Validity validity);
// CN=client_id, CA:FALSE, keyUsage digitalSignature (+ keyEncipherment for RSA), EKU clientAuth.
KeyAndCert issue_client_certificate(const KeyAndCert& issuer, const std::string& client_id,
                                    KeyType type, Validity validity);
// CN = first DNS name (or first IP), SAN with every DNS name and IP address, EKU serverAuth.
KeyAndCert issue_server_certificate(const KeyAndCert& issuer,
                                    const std::vector<std::string>& dns_names,
                                    const std::vector<std::string>& ip_addresses, KeyType type,
                                    Validity validity);

// The general form, also used by tests to make bad certificates: a weak signature digest
// ("sha1", "md5"), a self-signed non-CA, a validity in the past.
struct IssueOptions {
  std::string digest = "sha256";          // "sha256", "sha384", "sha512", "sha1", "md5"
  bool is_ca = false;                     // CA:TRUE + keyCertSign/cRLSign, else CA:FALSE
  std::optional<int> path_length;         // CA only
  std::vector<std::string> dns_names;     // subjectAltName DNS entries
  std::vector<std::string> ip_addresses;  // subjectAltName IP entries
  std::optional<int> rsa_bits;            // overrides the key type's size (tests: RSA-1024)
};
// `issuer` nullptr: self-signed. `extended_key_usages`: "clientAuth", "serverAuth" (none: no EKU).
KeyAndCert issue_certificate(const KeyAndCert* issuer, const std::string& subject_cn, KeyType type,
                             Validity validity, const IssueOptions& options,
                             const std::vector<std::string>& extended_key_usages);

// What API Gateway warns about for a truststore certificate: not a CA, expired (or not yet
// valid), signed with SHA-1 or MD5, an RSA key below 2048 bits. One clear line per problem.
struct TruststoreProblem {
  std::string subject;  // RFC 4514 subject of the certificate ("(unparseable)" if it is not one)
  std::string problem;  // e.g. "not a CA certificate (basicConstraints CA:FALSE or absent)"
};
std::vector<TruststoreProblem> check_truststore_certificate(std::string_view cert_pem,
                                                            core::TimePoint now);

// True when `cert_pem` (one certificate) has basicConstraints CA:TRUE, the mark of a CA
// (RFC 5280 4.2.1.9). Throws core::Error("pki_bad_input") when it is not a PEM certificate.
bool is_ca_certificate(std::string_view cert_pem);

// Every "-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----" block in `pem`, each
// returned with its BEGIN/END lines and a trailing newline. Other blocks (keys) are skipped. A
// BEGIN without its END throws core::Error("pki_bad_input"): a truncated bundle never loses a
// certificate silently.
std::vector<std::string> split_pem_bundle(std::string_view pem);

}  // namespace agm::pki
