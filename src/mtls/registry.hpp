#pragma once
// The cert registry (docs/contract.md section 4): the record, its DynamoDB item form, the
// repository and an in-process TTL cache in front of it.
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/dynamodb.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "mtls/certificate.hpp"

namespace agm::mtls {

enum class CertStatus { kActive, kSuspended, kRevoked };
std::string_view to_string(CertStatus status);                  // "ACTIVE", "SUSPENDED", "REVOKED"
std::optional<CertStatus> parse_status(std::string_view text);  // exact, upper case

// code(): "registry_unavailable", "record_malformed", "already_registered", "not_found".
class RegistryError : public core::Error {
 public:
  using core::Error::Error;
};

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

  // DynamoDB wire format. `scopes` is written as SS only when present and non-empty (DynamoDB
  // refuses an empty set); an empty list therefore reads back as absent.
  [[nodiscard]] aws::Item to_item() const;
  // Throws RegistryError("record_malformed") on a missing or badly typed required attribute, an
  // unknown status or an unparsable time.
  static RegistryRecord from_item(const aws::Item& item);
  // ACTIVE, created_at = updated_at = now; names, serial, validity copied from the certificate.
  static RegistryRecord from_certificate(const ClientCertificate& cert, std::string client_id,
                                         std::optional<std::vector<std::string>> scopes,
                                         core::TimePoint now);

  // status ACTIVE and t within [not_before, not_after] (the record's own validity).
  [[nodiscard]] bool active_at(core::TimePoint t) const;
  // True when `scopes` is absent or contains `scope`.
  [[nodiscard]] bool allows_scope(std::string_view scope) const;
};

// What an update left in the table. The update has happened either way; `record` is the item read
// back as a record, or, when the item does not read as one (an attribute missing or badly typed),
// empty with `malformed` saying why. `item` is the item as DynamoDB returned it.
struct UpdatedRecord {
  aws::Item item;
  std::optional<RegistryRecord> record;
  std::string malformed;
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

class RegistryReader {
 public:
  virtual ~RegistryReader() = default;
  // nullopt: not registered. Throws RegistryError when the registry cannot answer (callers deny).
  virtual std::optional<RegistryRecord> find(const std::string& thumbprint) = 0;
};

class DynamoRegistry final : public RegistryReader {
 public:
  // Every call gets its own deadline of now + call_budget (retries included).
  DynamoRegistry(aws::DynamoDb& db, std::string table,
                 std::chrono::milliseconds call_budget = std::chrono::milliseconds(1500));

  // Wraps AWS/transport errors as RegistryError("registry_unavailable"); a malformed item is
  // RegistryError("record_malformed").
  std::optional<RegistryRecord> find(const std::string& thumbprint) override;
  // Condition attribute_not_exists(thumbprint): an existing record -> "already_registered".
  void register_new(const RegistryRecord& record);
  // Must exist, else "not_found"; sets REVOKED, revoked_at, revocation_reason, updated_at, also on
  // an item that is otherwise malformed (it is then REVOKED, and UpdatedRecord says what is wrong).
  UpdatedRecord revoke(const std::string& thumbprint, const std::string& reason,
                       core::TimePoint now);
  // Must exist, else "not_found"; sets status and updated_at.
  UpdatedRecord set_status(const std::string& thumbprint, CertStatus status, core::TimePoint now);
  // With a client_id: Query on client_id-index; otherwise a Scan of the table. A malformed item
  // does not fail the listing: it is named in Listing::malformed.
  Listing list(const std::optional<std::string>& client_id);
  // CreateTable request: key thumbprint (S), GSI client_id-index on client_id (ALL projection),
  // PAY_PER_REQUEST. For the local stack and tests.
  static boost::json::object create_table_request(const std::string& table);

 private:
  aws::DynamoDb& db_;
  std::string table_;
  std::chrono::milliseconds call_budget_;
};

// In-process TTL cache in front of another reader. Found records live `ttl`, misses
// `negative_ttl` (keep it shorter, so a newly registered certificate works soon). Errors are never
// cached. ttl 0 disables the cache (every call goes to `inner`). Thread-safe: one lock, held
// across the call to `inner` too, so `inner` need not be thread-safe (a Lambda instance serves one
// request at a time, so this costs nothing there).
//
// SECURITY: a revoked or suspended certificate can keep passing for at most `ttl` after the
// change, per warm function instance. Bounded to `max_entries` (oldest expiry evicted first).
class CachedRegistry final : public RegistryReader {
 public:
  CachedRegistry(RegistryReader& inner, const core::Clock& clock, std::chrono::seconds ttl,
                 std::chrono::seconds negative_ttl, std::size_t max_entries = 1024);
  std::optional<RegistryRecord> find(const std::string& thumbprint) override;
  void clear();

 private:
  struct Entry {
    std::optional<RegistryRecord> record;
    core::TimePoint expires;
  };
  RegistryReader& inner_;
  const core::Clock& clock_;
  std::chrono::seconds ttl_;
  std::chrono::seconds negative_ttl_;
  std::size_t max_entries_;
  std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace agm::mtls
