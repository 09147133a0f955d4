#pragma once
// OpenSSL helpers shared by the files of src/pki (not part of its interface: callers use pki.hpp).
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/openssl.hpp"
#include "pki/pki.hpp"

namespace agm::pki::detail {

using core::openssl::BioPtr;
using core::openssl::BnPtr;
using core::openssl::PkeyPtr;
using core::openssl::X509Ptr;

// The OpenSSL error queue as text (and the queue emptied).
std::string openssl_errors();
// Throws core::Error("pki_error") with `what` and OpenSSL's errors.
[[noreturn]] void fail(const std::string& what);
void check(int rc, const char* what);  // fail(what) when rc <= 0
BioPtr memory_bio(std::string_view text);
std::string bio_text(BIO* bio);
PkeyPtr generate_key(KeyType type, std::optional<int> rsa_bits);
PkeyPtr read_key(const std::string& pem);  // an unencrypted private key
X509Ptr read_cert(std::string_view pem);
std::string key_to_pem(EVP_PKEY* key);
std::string cert_to_pem(X509* cert);
void set_random_serial(X509* cert);
void set_time(ASN1_TIME* field, core::TimePoint t);
void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value);
std::string name_rfc4514(const X509_NAME* name);
bool has_ca_flag(X509* cert);
bool is_weak_digest(int md_nid);
// The certificate of the profile (issue_certificate's) for `subject_key` (a public key is enough),
// signed by `issuer` (nullptr: by `subject_key`, which must then hold the private key).
std::string sign_certificate(const KeyAndCert* issuer, const std::string& subject_cn,
                             EVP_PKEY* subject_key, Validity validity, const IssueOptions& options,
                             const std::vector<std::string>& extended_key_usages);

}  // namespace agm::pki::detail
