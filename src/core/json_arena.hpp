#pragma once
// Memory for JSON that is built or parsed, read, and dropped within one scope: the Lambda event
// copied into its typed request, a token header, a log line. The first N bytes come from the
// arena itself (on the caller's stack), anything beyond from the heap, and nothing is freed
// member by member: boost::json::monotonic_resource over a buffer. Why: a heap allocation per
// member, and the walk that frees them, were a measurable part of an authorizer decision
// (docs/benchmarks.md, "the decision"). Values using it must not outlive it.
#include <array>
#include <boost/json.hpp>
#include <cstddef>

namespace agm::core {

template <std::size_t N>
class JsonArena {
 public:
  JsonArena() = default;
  JsonArena(const JsonArena&) = delete;
  JsonArena& operator=(const JsonArena&) = delete;
  JsonArena(JsonArena&&) = delete;
  JsonArena& operator=(JsonArena&&) = delete;
  ~JsonArena() = default;

  // A non-owning pointer: pass it to json::parse, json::object and the like.
  [[nodiscard]] boost::json::storage_ptr storage() noexcept { return &resource_; }

 private:
  // Left uninitialised on purpose: the resource hands it out before anything reads it.
  std::array<unsigned char, N> buffer_;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  boost::json::monotonic_resource resource_{buffer_.data(), buffer_.size()};
};

}  // namespace agm::core
