#pragma once
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "mtls/registry.hpp"

namespace agm::mtls {

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
