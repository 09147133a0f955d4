#pragma once
// The CA in a store: which names hold what (docs/operations.md section 1), keys opened with their
// passphrase, and the summary of a certificate that commands print.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pki/pki.hpp"
#include "store.hpp"

namespace agm::mtlsctl {

namespace ca_names {
inline constexpr const char* kRootCert = "root-ca.pem";
inline constexpr const char* kRootKey = "root-ca.key";
inline constexpr const char* kIntermediateCert = "intermediate-ca.pem";
inline constexpr const char* kIntermediateKey = "intermediate-ca.key";
inline constexpr const char* kPreviousCert = "previous-intermediate-ca.pem";
inline constexpr const char* kPreviousKey = "previous-intermediate-ca.key";
inline constexpr const char* kTruststore = "truststore.pem";  // dir: stores only
}  // namespace ca_names

// The passphrase of a dir: store's keys, and of an offline root key.
inline constexpr const char* kCaPassphraseEnv = "MTLSCTL_CA_PASSPHRASE";
inline constexpr const char* kRootPassphraseEnv = "MTLSCTL_ROOT_KEY_PASSPHRASE";

// A key as stored: an encrypted PKCS#8 key is opened with the passphrase in `passphrase_env`
// (UsageError when it is unset, CliError when it is wrong), a plain one returned as it is.
std::string open_key(const std::string& pem, const char* passphrase_env, const std::string& what);
// What goes into the store for `key_pem`: on a dir: store, encrypted with MTLSCTL_CA_PASSPHRASE
// when it is set; plain otherwise (SSM: KMS protects it).
std::string seal_key(const Store& store, const std::string& key_pem);

// The signing intermediate (or, with `previous`, the one being replaced), key opened.
pki::KeyAndCert load_intermediate(Store& store, bool previous = false);
// A stored certificate, or CliError "no CA at <store>" naming what is missing.
std::string require_cert(Store& store, const char* name);

// {"subject", "serial_number", "not_after"} of a PEM certificate.
boost::json::object cert_summary(const std::string& cert_pem);
// The truststore for API Gateway: root, current intermediate, then the previous one if any.
std::string truststore_bundle(Store& store);

}  // namespace agm::mtlsctl
