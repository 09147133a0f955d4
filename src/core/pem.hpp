#pragma once
// PEM text (RFC 7468) as the certificate readers and the PKI see it, before any parsing: the one
// splitter of a bundle (a truststore, a chain). Here, not in pki, because the watcher function
// reads the truststore and functions do not link the PKI.
#include <string>
#include <string_view>
#include <vector>

namespace agm::core {

inline constexpr std::string_view kPemBeginCertificate = "-----BEGIN CERTIFICATE-----";
inline constexpr std::string_view kPemEndCertificate = "-----END CERTIFICATE-----";

// Every "-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----" block in `pem`, each
// returned with its BEGIN/END lines and a trailing newline. Other blocks (keys) are skipped. A
// BEGIN without its END throws core::Error("pki_bad_input"): a truncated bundle never loses a
// certificate silently.
std::vector<std::string> split_pem_bundle(std::string_view pem);

}  // namespace agm::core
