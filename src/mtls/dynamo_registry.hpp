#pragma once
// The registry's DynamoDB repository: the record's item form (docs/contract.md section 4) and the
// reads and writes the functions and mtlsctl make.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "aws/dynamodb.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "mtls/registry.hpp"

namespace agm::mtls {

// DynamoDB wire format. `scopes` is written as SS only when present and non-empty (DynamoDB
// refuses an empty set); an empty list therefore reads back as absent.
aws::Item to_item(const RegistryRecord& record);
// Throws RegistryError(kRecordMalformed) on a missing or badly typed required attribute, an
// unknown status or an unparsable time.
RegistryRecord record_from_item(const aws::Item& item);

// What an update left in the table. The update has happened either way; `record` is the item read
// back as a record, or, when the item does not read as one (an attribute missing or badly typed),
// empty with `malformed` saying why. `item` is the item as DynamoDB returned it.
struct UpdatedRecord {
  aws::Item item;
  std::optional<RegistryRecord> record;
  std::string malformed;
};

class DynamoRegistry final : public RegistryReader, public RegistryLister {
 public:
  // Every call gets its own deadline of now + call_budget (retries included).
  DynamoRegistry(aws::DynamoDb& db, std::string table,
                 std::chrono::milliseconds call_budget = std::chrono::milliseconds(1500));

  // Wraps AWS/transport errors as RegistryError(kUnavailable); a malformed item is
  // RegistryError(kRecordMalformed).
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
  Listing list(const std::optional<std::string>& client_id) override;
  // CreateTable request: key thumbprint (S), GSI client_id-index on client_id (ALL projection),
  // PAY_PER_REQUEST. For the local stack and tests.
  static boost::json::object create_table_request(const std::string& table);

 private:
  aws::DynamoDb& db_;
  std::string table_;
  std::chrono::milliseconds call_budget_;
};

}  // namespace agm::mtls
