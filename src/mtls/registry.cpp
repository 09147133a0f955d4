#include "mtls/registry.hpp"

#include <algorithm>

namespace agm::mtls {

std::string_view to_string(RegistryErrc code) {
  switch (code) {
    case RegistryErrc::kUnavailable:
      return "registry_unavailable";
    case RegistryErrc::kRecordMalformed:
      return "record_malformed";
    case RegistryErrc::kAlreadyRegistered:
      return "already_registered";
    case RegistryErrc::kNotFound:
      return "not_found";
  }
  return "registry_unavailable";
}

RegistryError::RegistryError(RegistryErrc code, const std::string& message)
    : core::Error(std::string(to_string(code)), message), errc_(code) {}

// 64 lowercase hex digits: the only shape a thumbprint (hex SHA-256) can have.
bool is_thumbprint(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string_view to_string(CertStatus status) {
  switch (status) {
    case CertStatus::kActive:
      return "ACTIVE";
    case CertStatus::kSuspended:
      return "SUSPENDED";
    case CertStatus::kRevoked:
      return "REVOKED";
  }
  return "REVOKED";
}

std::optional<CertStatus> parse_status(std::string_view text) {
  if (text == "ACTIVE")
    return CertStatus::kActive;
  if (text == "SUSPENDED")
    return CertStatus::kSuspended;
  if (text == "REVOKED")
    return CertStatus::kRevoked;
  return std::nullopt;
}

RegistryRecord RegistryRecord::from_certificate(const ClientCertificate& cert,
                                                std::string client_id,
                                                std::optional<std::vector<std::string>> scopes,
                                                core::TimePoint now) {
  RegistryRecord r;
  r.thumbprint = cert.thumbprint;
  r.client_id = std::move(client_id);
  r.status = CertStatus::kActive;
  r.serial_number = cert.serial_number;
  r.subject_dn = cert.subject_dn;
  r.issuer_dn = cert.issuer_dn;
  r.not_before = cert.not_before;
  r.not_after = cert.not_after;
  r.scopes = std::move(scopes);
  r.created_at = now;
  r.updated_at = now;
  return r;
}

bool RegistryRecord::allows_scope(std::string_view scope) const {
  if (!scopes)
    return true;
  return std::find(scopes->begin(), scopes->end(), scope) != scopes->end();
}

}  // namespace agm::mtls
