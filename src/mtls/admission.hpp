#pragma once
// The admission rule, written once: may this certificate act for this client, with these scopes,
// now (docs/contract.md section 6, rules 2, 5 and 6). The authorizer, the token function and the
// pre-token trigger all ask it, in the same order:
//   1. admit_certificate: the registry answers; the certificate is registered under its own
//      thumbprint; the record is ACTIVE; now is inside the certificate's validity (when the caller
//      holds the certificate) and inside the record's;
//   2. admit_client: the record belongs to the client asking, and allows every scope asked for.
// The authorizer learns the client from the bearer token, which it verifies between the two steps
// (mtls/authorization.hpp); the others call admit(), both steps at once.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "mtls/certificate.hpp"
#include "mtls/reason.hpp"
#include "mtls/registry.hpp"

namespace agm::mtls {

// The certificate as the rule sees it: its registry key and, when the caller holds the certificate
// itself, its own validity (the pre-token trigger holds only the thumbprint Cognito passed on).
struct Presented {
  std::string thumbprint;
  std::optional<core::TimePoint> not_before;
  std::optional<core::TimePoint> not_after;

  static Presented certificate(const ClientCertificate& cert);
  static Presented thumbprint_only(std::string thumbprint);
};

struct Admission {
  Reason reason = Reason::kInternalError;  // kAllowed, or the first rule that failed
  std::string detail;                      // for the log line only (never a secret)
  std::optional<RegistryRecord> record;    // the record read, whenever there is one
  [[nodiscard]] bool admitted() const { return reason == Reason::kAllowed; }
};

// Step 1. Asks `registry` once; a RegistryError is kRegistryUnavailable or kRecordMalformed.
// Never throws a RegistryError.
Admission admit_certificate(RegistryReader& registry, const Presented& presented,
                            core::TimePoint now);
// Step 2, on the record step 1 admitted: kClientMismatch, kScopeNotAllowed (detail: the scope) or
// kAllowed. `admission` is updated in place.
void admit_client(Admission& admission, std::string_view client_id,
                  const std::vector<std::string>& scopes);
// Both steps.
Admission admit(RegistryReader& registry, const Presented& presented, std::string_view client_id,
                const std::vector<std::string>& scopes, core::TimePoint now);

}  // namespace agm::mtls
