#include "mtls/registry.hpp"

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
  throw RegistryError("record_malformed", "registry record malformed: " + what);
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

// 64 lowercase hex digits: the only shape a thumbprint (hex SHA-256) can have.
bool is_thumbprint(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
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
    throw RegistryError("registry_unavailable",
                        std::string(what) + ": " + e.code() + ": " + e.what());
  } catch (const net::TransportError& e) {
    throw RegistryError("registry_unavailable",
                        std::string(what) + ": " + e.code() + ": " + e.what());
  } catch (const std::exception& e) {
    throw RegistryError("registry_unavailable", std::string(what) + ": " + e.what());
  }
}

}  // namespace

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

aws::Item RegistryRecord::to_item() const {
  aws::Item item;
  item["thumbprint"] = attr_s(thumbprint);
  item["client_id"] = attr_s(client_id);
  item["status"] = attr_s(to_string(status));
  item["serial_number"] = attr_s(serial_number);
  item["subject_dn"] = attr_s(subject_dn);
  item["issuer_dn"] = attr_s(issuer_dn);
  item["not_before"] = attr_s(core::format_rfc3339(not_before));
  item["not_after"] = attr_s(core::format_rfc3339(not_after));
  if (scopes && !scopes->empty()) {
    // A string set holds each value once; DynamoDB refuses duplicates.
    const std::set<std::string> unique(scopes->begin(), scopes->end());
    json::array ss;
    for (const auto& s : unique) {
      ss.emplace_back(s);
    }
    json::object a;
    a["SS"] = std::move(ss);
    item["scopes"] = std::move(a);
  }
  item["created_at"] = attr_s(core::format_rfc3339(created_at));
  item["updated_at"] = attr_s(core::format_rfc3339(updated_at));
  if (revoked_at)
    item["revoked_at"] = attr_s(core::format_rfc3339(*revoked_at));
  if (revocation_reason && !revocation_reason->empty())
    item["revocation_reason"] = attr_s(*revocation_reason);
  return item;
}

RegistryRecord RegistryRecord::from_item(const aws::Item& item) {
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

bool RegistryRecord::active_at(core::TimePoint t) const {
  return status == CertStatus::kActive && not_before <= t && t <= not_after;
}

bool RegistryRecord::allows_scope(std::string_view scope) const {
  if (!scopes)
    return true;
  return std::find(scopes->begin(), scopes->end(), scope) != scopes->end();
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
  RegistryRecord record = RegistryRecord::from_item(*item);
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
    db_.put_item(table_, record.to_item(), deadline, condition);
  } catch (const aws::AwsError& e) {
    if (e.code() == "ConditionalCheckFailedException") {
      throw RegistryError("already_registered",
                          "certificate " + record.thumbprint + " is already registered");
    }
    throw RegistryError("registry_unavailable", "PutItem: " + e.code() + ": " + e.what());
  } catch (const std::exception& e) {
    throw RegistryError("registry_unavailable", std::string("PutItem: ") + e.what());
  }
}

namespace {

// UpdateItem that must hit an existing item; ConditionalCheckFailed -> "not_found".
UpdatedRecord update_existing(aws::DynamoDb& db, const std::string& table,
                              const std::string& thumbprint, const aws::Expression& update,
                              std::chrono::milliseconds budget) {
  if (!is_thumbprint(thumbprint))
    throw RegistryError("not_found", "no certificate " + thumbprint + " in the registry");
  const auto deadline = std::chrono::steady_clock::now() + budget;
  aws::Item item;
  try {
    item = db.update_item(table, key_of(thumbprint), update, deadline,
                          std::string("attribute_exists(#t)"));
  } catch (const aws::AwsError& e) {
    if (e.code() == "ConditionalCheckFailedException")
      throw RegistryError("not_found", "no certificate " + thumbprint + " in the registry");
    throw RegistryError("registry_unavailable", "UpdateItem: " + e.code() + ": " + e.what());
  } catch (const std::exception& e) {
    throw RegistryError("registry_unavailable", std::string("UpdateItem: ") + e.what());
  }
  UpdatedRecord updated;
  try {
    updated.record = RegistryRecord::from_item(item);
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
      listing.records.push_back(RegistryRecord::from_item(item));
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

CachedRegistry::CachedRegistry(RegistryReader& inner, const core::Clock& clock,
                               std::chrono::seconds ttl, std::chrono::seconds negative_ttl,
                               std::size_t max_entries)
    : inner_(inner),
      clock_(clock),
      ttl_(ttl),
      negative_ttl_(negative_ttl),
      max_entries_(max_entries == 0 ? 1 : max_entries) {}

std::optional<RegistryRecord> CachedRegistry::find(const std::string& thumbprint) {
  const std::lock_guard lock(mutex_);
  if (ttl_.count() <= 0)
    return inner_.find(thumbprint);
  const core::TimePoint now = clock_.now();
  if (const auto it = entries_.find(thumbprint); it != entries_.end()) {
    if (now < it->second.expires)
      return it->second.record;
    entries_.erase(it);
  }
  // Errors propagate from here and leave nothing behind: the next call asks again.
  std::optional<RegistryRecord> record = inner_.find(thumbprint);
  const std::chrono::seconds life = record ? ttl_ : negative_ttl_;
  if (life.count() > 0) {
    if (entries_.size() >= max_entries_) {
      std::erase_if(entries_, [now](const auto& kv) { return !(now < kv.second.expires); });
    }
    if (entries_.size() >= max_entries_) {
      const auto oldest = std::min_element(
          entries_.begin(), entries_.end(),
          [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
      entries_.erase(oldest);
    }
    entries_[thumbprint] = Entry{record, now + life};
  }
  return record;
}

void CachedRegistry::clear() {
  const std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace agm::mtls
