#include "mtls/dynamo_registry.hpp"

#include <algorithm>
#include <exception>
#include <set>
#include <tuple>
#include <utility>

#include "aws/client.hpp"
#include "net/http.hpp"

namespace agm::mtls {
namespace {

namespace json = boost::json;

constexpr std::string_view kClientIdIndex = "client_id-index";

json::object attr_s(std::string_view value) {
  json::object a;
  a["S"] = value;
  return a;
}

json::object key_of(const std::string& thumbprint) {
  json::object key;
  key["thumbprint"] = attr_s(thumbprint);
  return key;
}

[[noreturn]] void malformed(const std::string& what) {
  throw RegistryError(RegistryErrc::kRecordMalformed, "registry record malformed: " + what);
}

std::string required_s(const aws::Item& item, std::string_view name) {
  const auto* attr = item.if_contains(name);
  if (attr == nullptr || !attr->is_object())
    malformed("missing attribute " + std::string(name));
  const auto* s = attr->as_object().if_contains("S");
  if (s == nullptr || !s->is_string() || attr->as_object().size() != 1)
    malformed("attribute " + std::string(name) + " is not of type S");
  return std::string(s->as_string());
}

std::optional<std::string> optional_s(const aws::Item& item, std::string_view name) {
  if (!item.contains(name))
    return std::nullopt;
  return required_s(item, name);
}

core::TimePoint required_time(const aws::Item& item, std::string_view name) {
  const std::string text = required_s(item, name);
  const auto t = core::parse_rfc3339(text);
  if (!t)
    malformed("attribute " + std::string(name) + " is not an RFC 3339 time");
  return *t;
}


// Every AWS or transport failure becomes "registry_unavailable" (callers deny); the AWS code stays
// in the message for the logs.
template <typename F>
auto call_registry(std::string_view what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const RegistryError&) {
    throw;
  } catch (const aws::AwsError& e) {
    throw RegistryError(RegistryErrc::kUnavailable,
                        std::string(what) + ": " + e.code() + ": " + e.what());
  } catch (const net::TransportError& e) {
    throw RegistryError(RegistryErrc::kUnavailable,
                        std::string(what) + ": " + e.code() + ": " + e.what());
  } catch (const std::exception& e) {
    throw RegistryError(RegistryErrc::kUnavailable, std::string(what) + ": " + e.what());
  }
}

}  // namespace

aws::Item to_item(const RegistryRecord& record) {
  aws::Item item;
  item["thumbprint"] = attr_s(record.thumbprint);
  item["client_id"] = attr_s(record.client_id);
  item["status"] = attr_s(to_string(record.status));
  item["serial_number"] = attr_s(record.serial_number);
  item["subject_dn"] = attr_s(record.subject_dn);
  item["issuer_dn"] = attr_s(record.issuer_dn);
  item["not_before"] = attr_s(core::format_rfc3339(record.not_before));
  item["not_after"] = attr_s(core::format_rfc3339(record.not_after));
  if (record.scopes && !record.scopes->empty()) {
    // A string set holds each value once; DynamoDB refuses duplicates.
    const std::set<std::string> unique(record.scopes->begin(), record.scopes->end());
    json::array ss;
    for (const auto& s : unique) {
      ss.emplace_back(s);
    }
    json::object a;
    a["SS"] = std::move(ss);
    item["scopes"] = std::move(a);
  }
  item["created_at"] = attr_s(core::format_rfc3339(record.created_at));
  item["updated_at"] = attr_s(core::format_rfc3339(record.updated_at));
  if (record.revoked_at)
    item["revoked_at"] = attr_s(core::format_rfc3339(*record.revoked_at));
  if (record.revocation_reason && !record.revocation_reason->empty())
    item["revocation_reason"] = attr_s(*record.revocation_reason);
  return item;
}

RegistryRecord record_from_item(const aws::Item& item) {
  RegistryRecord r;
  r.thumbprint = required_s(item, "thumbprint");
  if (!is_thumbprint(r.thumbprint))
    malformed("thumbprint is not 64 lowercase hex digits");
  r.client_id = required_s(item, "client_id");
  if (r.client_id.empty())
    malformed("client_id is empty");
  const std::string status = required_s(item, "status");
  const auto parsed = parse_status(status);
  if (!parsed)
    malformed("unknown status '" + status + "'");
  r.status = *parsed;
  r.serial_number = required_s(item, "serial_number");
  r.subject_dn = required_s(item, "subject_dn");
  r.issuer_dn = required_s(item, "issuer_dn");
  r.not_before = required_time(item, "not_before");
  r.not_after = required_time(item, "not_after");
  if (const auto* scopes = item.if_contains("scopes")) {
    const auto* obj = scopes->if_object();
    const auto* ss = obj != nullptr ? obj->if_contains("SS") : nullptr;
    if (ss == nullptr || !ss->is_array() || obj->size() != 1)
      malformed("attribute scopes is not of type SS");
    std::vector<std::string> list;
    for (const auto& v : ss->as_array()) {
      if (!v.is_string())
        malformed("attribute scopes holds a non-string");
      list.emplace_back(v.as_string());
    }
    r.scopes = std::move(list);
  }
  r.created_at = required_time(item, "created_at");
  r.updated_at = required_time(item, "updated_at");
  if (item.contains("revoked_at"))
    r.revoked_at = required_time(item, "revoked_at");
  r.revocation_reason = optional_s(item, "revocation_reason");
  return r;
}

DynamoRegistry::DynamoRegistry(aws::DynamoDb& db, std::string table,
                               std::chrono::milliseconds call_budget)
    : db_(db), table_(std::move(table)), call_budget_(call_budget) {}

std::optional<RegistryRecord> DynamoRegistry::find(const std::string& thumbprint) {
  // Anything but a hex SHA-256 cannot be registered; asking DynamoDB would only risk a
  // ValidationException (an empty key) that would read as an outage.
  if (!is_thumbprint(thumbprint))
    return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + call_budget_;
  // Strongly consistent: a revocation is seen by the next read, not after replication.
  const auto item = call_registry("GetItem", [&] {
    return db_.get_item(table_, key_of(thumbprint), deadline, /*consistent_read=*/true);
  });
  if (!item)
    return std::nullopt;
  RegistryRecord record = record_from_item(*item);
  if (record.thumbprint != thumbprint)
    malformed("item key differs from the thumbprint asked for");
  return record;
}

void DynamoRegistry::register_new(const RegistryRecord& record) {
  if (!is_thumbprint(record.thumbprint))
    malformed("thumbprint is not 64 lowercase hex digits");
  if (record.client_id.empty())
    malformed("client_id is empty");
  const auto deadline = std::chrono::steady_clock::now() + call_budget_;
  aws::Expression condition;
  condition.text = "attribute_not_exists(#t)";
  condition.names["#t"] = "thumbprint";
  try {
    db_.put_item(table_, to_item(record), deadline, condition);
  } catch (const aws::AwsError& e) {
    if (e.code() == "ConditionalCheckFailedException") {
      throw RegistryError(RegistryErrc::kAlreadyRegistered,
                          "certificate " + record.thumbprint + " is already registered");
    }
    throw RegistryError(RegistryErrc::kUnavailable, "PutItem: " + e.code() + ": " + e.what());
  } catch (const std::exception& e) {
    throw RegistryError(RegistryErrc::kUnavailable, std::string("PutItem: ") + e.what());
  }
}

namespace {

// UpdateItem that must hit an existing item; ConditionalCheckFailed -> "not_found".
UpdatedRecord update_existing(aws::DynamoDb& db, const std::string& table,
                              const std::string& thumbprint, const aws::Expression& update,
                              std::chrono::milliseconds budget) {
  if (!is_thumbprint(thumbprint))
    throw RegistryError(RegistryErrc::kNotFound, "no certificate " + thumbprint + " in the registry");
  const auto deadline = std::chrono::steady_clock::now() + budget;
  aws::Item item;
  try {
    item = db.update_item(table, key_of(thumbprint), update, deadline,
                          std::string("attribute_exists(#t)"));
  } catch (const aws::AwsError& e) {
    if (e.code() == "ConditionalCheckFailedException")
      throw RegistryError(RegistryErrc::kNotFound, "no certificate " + thumbprint + " in the registry");
    throw RegistryError(RegistryErrc::kUnavailable, "UpdateItem: " + e.code() + ": " + e.what());
  } catch (const std::exception& e) {
    throw RegistryError(RegistryErrc::kUnavailable, std::string("UpdateItem: ") + e.what());
  }
  UpdatedRecord updated;
  try {
    updated.record = record_from_item(item);
  } catch (const RegistryError& e) {
    updated.malformed = e.what();
  }
  updated.item = std::move(item);
  return updated;
}

}  // namespace

UpdatedRecord DynamoRegistry::revoke(const std::string& thumbprint, const std::string& reason,
                                     core::TimePoint now) {
  aws::Expression update;
  update.names["#t"] = "thumbprint";
  update.names["#s"] = "status";
  update.names["#ra"] = "revoked_at";
  update.names["#ua"] = "updated_at";
  update.values[":s"] = attr_s(to_string(CertStatus::kRevoked));
  update.values[":now"] = attr_s(core::format_rfc3339(now));
  update.text = "SET #s = :s, #ra = :now, #ua = :now";
  update.names["#rr"] = "revocation_reason";
  if (reason.empty()) {
    // No empty strings in the table: an empty reason removes an older one.
    update.text += " REMOVE #rr";
  } else {
    update.values[":rr"] = attr_s(reason);
    update.text += ", #rr = :rr";
  }
  return update_existing(db_, table_, thumbprint, update, call_budget_);
}

UpdatedRecord DynamoRegistry::set_status(const std::string& thumbprint, CertStatus status,
                                         core::TimePoint now) {
  aws::Expression update;
  update.names["#t"] = "thumbprint";
  update.names["#s"] = "status";
  update.names["#ua"] = "updated_at";
  update.values[":s"] = attr_s(to_string(status));
  update.values[":now"] = attr_s(core::format_rfc3339(now));
  update.text = "SET #s = :s, #ua = :now";
  if (status == CertStatus::kRevoked) {
    update.names["#ra"] = "revoked_at";
    update.text += ", #ra = :now";
  }
  return update_existing(db_, table_, thumbprint, update, call_budget_);
}

Listing DynamoRegistry::list(const std::optional<std::string>& client_id) {
  const auto deadline = std::chrono::steady_clock::now() + call_budget_;
  std::vector<aws::Item> items;
  if (client_id) {
    aws::Expression key_condition;
    key_condition.text = "#c = :c";
    key_condition.names["#c"] = "client_id";
    key_condition.values[":c"] = attr_s(*client_id);
    items = call_registry("Query", [&] {
      return db_.query(table_, std::string(kClientIdIndex), key_condition, deadline);
    });
  } else {
    items = call_registry("Scan", [&] { return db_.scan(table_, deadline); });
  }
  Listing listing;
  listing.records.reserve(items.size());
  for (const auto& item : items) {
    try {
      listing.records.push_back(record_from_item(item));
    } catch (const RegistryError& e) {
      const auto* key = item.if_contains("thumbprint");
      const auto* s =
          key != nullptr && key->is_object() ? key->as_object().if_contains("S") : nullptr;
      listing.malformed.push_back(
          {s != nullptr && s->is_string() ? std::string(s->as_string()) : std::string(), e.what()});
    }
  }
  std::sort(listing.records.begin(), listing.records.end(),
            [](const RegistryRecord& a, const RegistryRecord& b) {
              return std::tie(a.client_id, a.created_at, a.thumbprint) <
                     std::tie(b.client_id, b.created_at, b.thumbprint);
            });
  return listing;
}

boost::json::object DynamoRegistry::create_table_request(const std::string& table) {
  json::object request = json::parse(R"({
    "AttributeDefinitions": [
      {"AttributeName": "thumbprint", "AttributeType": "S"},
      {"AttributeName": "client_id", "AttributeType": "S"}
    ],
    "KeySchema": [{"AttributeName": "thumbprint", "KeyType": "HASH"}],
    "GlobalSecondaryIndexes": [{
      "IndexName": "client_id-index",
      "KeySchema": [{"AttributeName": "client_id", "KeyType": "HASH"}],
      "Projection": {"ProjectionType": "ALL"}
    }],
    "BillingMode": "PAY_PER_REQUEST"
  })")
                             .as_object();
  request["TableName"] = table;
  return request;
}

}  // namespace agm::mtls
