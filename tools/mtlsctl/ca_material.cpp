#include "ca_material.hpp"

#include "core/time.hpp"
#include "mtls/certificate.hpp"

namespace agm::mtlsctl {

std::string open_key(const std::string& pem, const char* passphrase_env, const std::string& what) {
  if (!pki::is_encrypted_private_key(pem)) {
    return pem;
  }
  const std::string passphrase = env_value(passphrase_env);
  if (passphrase.empty()) {
    throw UsageError(what + " is encrypted: set " + passphrase_env);
  }
  try {
    return pki::decrypt_private_key(pem, passphrase);
  } catch (const core::Error&) {
    throw CliError(what + " does not open with " + passphrase_env);
  }
}

std::string seal_key(const Store& store, const std::string& key_pem) {
  const std::string passphrase = env_value(kCaPassphraseEnv);
  if (store.is_ssm() || passphrase.empty()) {
    return key_pem;
  }
  return pki::encrypt_private_key(key_pem, passphrase);
}

std::string require_cert(Store& store, const char* name) {
  auto pem = store.get(name);
  if (!pem) {
    throw CliError("no CA at " + store.spec() + " (" + store.where(name) +
                   " is missing): run mtlsctl ca init");
  }
  return *pem;
}

pki::KeyAndCert load_intermediate(Store& store, bool previous) {
  const char* cert_name = previous ? ca_names::kPreviousCert : ca_names::kIntermediateCert;
  const char* key_name = previous ? ca_names::kPreviousKey : ca_names::kIntermediateKey;
  std::string cert = require_cert(store, cert_name);
  auto key = store.get(key_name);
  if (!key) {
    throw CliError(store.where(key_name) + " is missing: the CA at " + store.spec() +
                   " cannot sign");
  }
  return {open_key(*key, kCaPassphraseEnv, store.where(key_name)), std::move(cert)};
}

boost::json::object cert_summary(const std::string& cert_pem) {
  const auto cert = mtls::ClientCertificate::from_pem(cert_pem);
  return {{"subject", cert.subject_dn},
          {"serial_number", cert.serial_number},
          {"not_after", core::format_rfc3339(cert.not_after)}};
}

std::string truststore_bundle(Store& store) {
  std::string bundle = require_cert(store, ca_names::kRootCert);
  bundle += require_cert(store, ca_names::kIntermediateCert);
  if (auto previous = store.get(ca_names::kPreviousCert)) {
    bundle += *previous;
  }
  return bundle;
}

}  // namespace agm::mtlsctl
