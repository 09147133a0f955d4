#include "mtls/registry.hpp"

namespace agm::mtls {
namespace {
[[noreturn]] void todo() {
  throw RegistryError("registry_unavailable", "not implemented yet");
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
  todo();
}
RegistryRecord RegistryRecord::from_item(const aws::Item& /*item*/) {
  todo();
}
RegistryRecord RegistryRecord::from_certificate(const ClientCertificate& /*cert*/,
                                                std::string /*client_id*/,
                                                std::optional<std::vector<std::string>> /*scopes*/,
                                                core::TimePoint /*now*/) {
  todo();
}
bool RegistryRecord::active_at(core::TimePoint /*t*/) const {
  return false;
}
bool RegistryRecord::allows_scope(std::string_view /*scope*/) const {
  return false;
}

DynamoRegistry::DynamoRegistry(aws::DynamoDb& db, std::string table,
                               std::chrono::milliseconds call_budget)
    : db_(db), table_(std::move(table)), call_budget_(call_budget) {}
std::optional<RegistryRecord> DynamoRegistry::find(const std::string& /*thumbprint*/) {
  todo();
}
void DynamoRegistry::register_new(const RegistryRecord& /*record*/) {
  todo();
}
RegistryRecord DynamoRegistry::revoke(const std::string& /*thumbprint*/,
                                      const std::string& /*reason*/, core::TimePoint /*now*/) {
  todo();
}
RegistryRecord DynamoRegistry::set_status(const std::string& /*thumbprint*/, CertStatus /*status*/,
                                          core::TimePoint /*now*/) {
  todo();
}
std::vector<RegistryRecord> DynamoRegistry::list(const std::optional<std::string>& /*client_id*/) {
  todo();
}
boost::json::object DynamoRegistry::create_table_request(const std::string& /*table*/) {
  todo();
}

CachedRegistry::CachedRegistry(RegistryReader& inner, const core::Clock& clock,
                               std::chrono::seconds ttl, std::chrono::seconds negative_ttl,
                               std::size_t max_entries)
    : inner_(inner),
      clock_(clock),
      ttl_(ttl),
      negative_ttl_(negative_ttl),
      max_entries_(max_entries) {}
std::optional<RegistryRecord> CachedRegistry::find(const std::string& thumbprint) {
  return inner_.find(thumbprint);
}
void CachedRegistry::clear() {}

}  // namespace agm::mtls
