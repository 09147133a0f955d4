#include "mtls/admission.hpp"

#include <utility>

namespace agm::mtls {
namespace {

Admission refused(Reason reason, std::string detail = {}) {
  Admission a;
  a.reason = reason;
  a.detail = std::move(detail);
  return a;
}

// The record's own state and validity, then the certificate's.
Reason record_state(const RegistryRecord& record, const Presented& presented,
                    core::TimePoint now) {
  switch (record.status) {
    case CertStatus::kActive:
      break;
    case CertStatus::kRevoked:
      return Reason::kCertRevoked;
    case CertStatus::kSuspended:
      return Reason::kCertSuspended;
  }
  if (presented.not_before && now < *presented.not_before)
    return Reason::kCertNotYetValid;
  if (presented.not_after && now > *presented.not_after)
    return Reason::kCertExpired;
  if (now < record.not_before)
    return Reason::kRecordNotYetValid;
  if (now > record.not_after)
    return Reason::kRecordExpired;
  return Reason::kAllowed;
}

}  // namespace

Presented Presented::certificate(const ClientCertificate& cert) {
  return Presented{cert.thumbprint, cert.not_before, cert.not_after};
}

Presented Presented::thumbprint_only(std::string thumbprint) {
  return Presented{std::move(thumbprint), std::nullopt, std::nullopt};
}

Admission admit_certificate(RegistryReader& registry, const Presented& presented,
                            core::TimePoint now) {
  Admission a;
  try {
    a.record = registry.find(presented.thumbprint);
  } catch (const RegistryError& e) {
    return refused(e.errc() == RegistryErrc::kRecordMalformed ? Reason::kRecordMalformed
                                                              : Reason::kRegistryUnavailable,
                   e.what());
  }
  if (!a.record)
    a.reason = Reason::kCertNotRegistered;
  else if (a.record->thumbprint != presented.thumbprint)
    a.reason = Reason::kRegistryMismatch;
  else
    a.reason = record_state(*a.record, presented, now);
  return a;
}

void admit_client(Admission& admission, std::string_view client_id,
                  const std::vector<std::string>& scopes) {
  if (!admission.admitted() || !admission.record)
    return;
  const RegistryRecord& record = *admission.record;
  if (record.client_id != client_id) {
    admission.reason = Reason::kClientMismatch;
    admission.detail = "registered to " + record.client_id + ", not " + std::string(client_id);
    return;
  }
  for (const auto& scope : scopes) {
    if (!record.allows_scope(scope)) {
      admission.reason = Reason::kScopeNotAllowed;
      admission.detail = scope;
      return;
    }
  }
}

Admission admit(RegistryReader& registry, const Presented& presented, std::string_view client_id,
                const std::vector<std::string>& scopes, core::TimePoint now) {
  Admission a = admit_certificate(registry, presented, now);
  admit_client(a, client_id, scopes);
  return a;
}

}  // namespace agm::mtls
