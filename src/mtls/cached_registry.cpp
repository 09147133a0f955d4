#include "mtls/cached_registry.hpp"

#include <algorithm>

namespace agm::mtls {

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
