#pragma once
// Time: an injectable clock (handlers never read the system clock directly, so tests set time),
// and RFC 3339 UTC text as the registry stores it (`2026-01-31T00:00:00Z`).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agm::core {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock the test moves by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint t) : now_(t) {}
  [[nodiscard]] TimePoint now() const override { return now_; }
  void set(TimePoint t) { now_ = t; }
  void advance(std::chrono::seconds d) { now_ += d; }

 private:
  TimePoint now_;
};

std::int64_t to_epoch_seconds(TimePoint t);
TimePoint from_epoch_seconds(std::int64_t seconds);

// `YYYY-MM-DDTHH:MM:SSZ`, seconds precision, always UTC.
std::string format_rfc3339(TimePoint t);
// Accepts `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` (also lowercase t/z); nullopt
// otherwise.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// `YYYYMMDDTHHMMSSZ` as SigV4's X-Amz-Date.
std::string format_amz_date(TimePoint t);

}  // namespace agm::core
