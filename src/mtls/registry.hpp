#pragma once
// The cert registry (docs/contract.md section 4) as the rules see it: a record, its status, the
// registry's named errors and the one question a reader answers. Nothing here talks to a network:
// the DynamoDB repository is mtls/dynamo_registry.hpp, the TTL cache mtls/cached_registry.hpp.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "mtls/certificate.hpp"

namespace agm::mtls {

enum class CertStatus { kActive, kSuspended, kRevoked };
std::string_view to_string(CertStatus status);                  // "ACTIVE", "SUSPENDED", "REVOKED"
std::optional<CertStatus> parse_status(std::string_view text);  // exact, upper case

// One named reason per way the registry fails; code() is to_string(errc()).
enum class RegistryErrc {
  kUnavailable,        // "registry_unavailable": DynamoDB or the network did not answer
  kRecordMalformed,    // "record_malformed": an item that does not read as a record
  kAlreadyRegistered,  // "already_registered"
  kNotFound,           // "not_found"
};
std::string_view to_string(RegistryErrc code);

class RegistryError : public core::Error {
 public:
  RegistryError(RegistryErrc code, const std::string& message);
  [[nodiscard]] RegistryErrc errc() const noexcept { return errc_; }

 private:
  RegistryErrc errc_;
};

// 64 lowercase hex digits: the only shape a registry key (hex SHA-256 of the DER) can have.
bool is_thumbprint(std::string_view text);

struct RegistryRecord {
  std::string thumbprint;
  std::string client_id;
  CertStatus status = CertStatus::kActive;
  std::string serial_number;
  std::string subject_dn;
  std::string issuer_dn;
  core::TimePoint not_before;
  core::TimePoint not_after;
  std::optional<std::vector<std::string>> scopes;  // absent: any scope of the client
  core::TimePoint created_at;
  core::TimePoint updated_at;
  std::optional<core::TimePoint> revoked_at;
  std::optional<std::string> revocation_reason;

  // ACTIVE, created_at = updated_at = now; names, serial, validity copied from the certificate.
  static RegistryRecord from_certificate(const ClientCertificate& cert, std::string client_id,
                                         std::optional<std::vector<std::string>> scopes,
                                         core::TimePoint now);

  // True when `scopes` is absent or contains `scope`.
  [[nodiscard]] bool allows_scope(std::string_view scope) const;
};

// An item that does not read as a record: its thumbprint (when it has a string one) and why.
struct MalformedRecord {
  std::string thumbprint;
  std::string reason;
};

// Every item of a listing: the readable ones as records (sorted by client, creation, thumbprint),
// the others named.
struct Listing {
  std::vector<RegistryRecord> records;
  std::vector<MalformedRecord> malformed;
};

// The whole registry, or one client's part of it (the watcher, mtlsctl).
class RegistryLister {
 public:
  virtual ~RegistryLister() = default;
  // Throws RegistryError(kUnavailable) when the registry cannot answer.
  virtual Listing list(const std::optional<std::string>& client_id) = 0;
};

class RegistryReader {
 public:
  virtual ~RegistryReader() = default;
  // nullopt: not registered. Throws RegistryError when the registry cannot answer (callers deny).
  virtual std::optional<RegistryRecord> find(const std::string& thumbprint) = 0;
};

}  // namespace agm::mtls
