#pragma once
// A small private PKI for mutual TLS: a root CA, an intermediate CA (path length 0), client and
// server certificates, and the truststore checks API Gateway applies to the bundle it is given.
//
// Keys come from OpenSSL 3 EVP (EVP_PKEY_Q_keygen); serials are 128 random bits, positive.
// Everything is PEM text in and out, so callers (mtlsctl, tests, the local stack) decide where it
// is stored. Every function throws core::Error (code "pki_error", or "pki_bad_input" for input that
// cannot be parsed) and never returns a half-made certificate.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/pem.hpp"
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
// `key_pem` (unencrypted) is the private key of `cert_pem`.
bool key_matches_certificate(const std::string& key_pem, std::string_view cert_pem);
// `cert_pem`'s signature verifies with `issuer_pem`'s public key and names it as issuer.
bool is_signed_by(std::string_view cert_pem, std::string_view issuer_pem);

// A bundle's certificate blocks: the one splitter is core/pem.hpp's (the watcher function reads
// the truststore with it, and functions do not link the PKI).
using core::split_pem_bundle;

// --- private keys under a passphrase (keys.cpp) ---
// PKCS#8 "ENCRYPTED PRIVATE KEY", AES-256-CBC with a PBKDF2 key (OpenSSL 3's defaults, which
// `openssl pkey -passin` reads). Throws core::Error("pki_bad_input") for a key that does not parse
// or an empty passphrase.
std::string encrypt_private_key(const std::string& key_pem, const std::string& passphrase);
// The plain PKCS#8 key; throws core::Error("pki_bad_passphrase") when the passphrase is wrong.
std::string decrypt_private_key(const std::string& encrypted_pem, const std::string& passphrase);
bool is_encrypted_private_key(std::string_view pem);

// --- certificate signing requests (csr.cpp) ---
// Why a CSR is refused: each its own reason, never recognised by its message.
enum class CsrProblem { kNotACsr, kBadSignature, kWeakKey, kUnsupportedKey };
class CsrError : public core::Error {
 public:
  CsrError(CsrProblem problem, const std::string& message)
      : core::Error("pki_bad_csr", message), problem_(problem) {}
  [[nodiscard]] CsrProblem problem() const { return problem_; }

 private:
  CsrProblem problem_;
};
// What a CSR asks for, once checked: its key (RSA of 2048 bits or more, or EC P-256 / P-384) and
// its self-signature. Throws CsrError.
struct CsrInfo {
  std::string subject;          // RFC 4514, as the CSR has it (the certificate gets CN=client id)
  std::string key_description;  // "rsa-3072", "ec-P-256"
};
CsrInfo check_csr(std::string_view csr_pem);
// The client certificate of issue_client_certificate's profile for the CSR's key (key_pem empty:
// the client keeps its key). Throws CsrError for a CSR check_csr refuses.
KeyAndCert sign_client_csr(const KeyAndCert& issuer, std::string_view csr_pem,
                           const std::string& client_id, Validity validity);
// A CSR (and its key) for tests and for clients: subject CN=common_name, signed with SHA-256.
KeyAndCert create_csr(const std::string& common_name, KeyType type,
                      std::optional<int> rsa_bits = std::nullopt);  // cert_pem holds the CSR

// --- certificate revocation lists (crl.cpp) ---
// RFC 5280 5.3.1 reason codes by their mtlsctl names ("key-compromise" ...; "certificate-hold"
// for a suspension); nullopt for another name.
std::optional<int> crl_reason_code(std::string_view name);
std::string crl_reason_name(int code);  // "unspecified" for a code without a name
// The mtlsctl name of a reason given either way ("key-compromise" or RFC 5280's "keyCompromise").
std::optional<std::string> canonical_reason(std::string_view name);
struct CrlEntry {
  std::string serial_number;  // as mtls::ClientCertificate prints it
  core::TimePoint revoked_at;
  std::string reason;  // a crl_reason_code name
};
// A v2 CRL signed by `issuer` (SHA-256), with a CRL number, AKI and a reason per entry; PEM.
std::string create_crl(const KeyAndCert& issuer, const std::vector<CrlEntry>& entries,
                       std::int64_t crl_number, core::TimePoint this_update,
                       core::TimePoint next_update);
struct Crl {
  std::string issuer;  // RFC 4514
  std::vector<CrlEntry> entries;
};
// Parses a CRL (PEM or DER) and checks its signature against the first of `issuer_certs` whose
// subject is its issuer. Throws core::Error("pki_bad_crl") when none verifies it.
Crl read_crl(std::string_view crl, const std::vector<std::string>& issuer_certs);

}  // namespace agm::pki
