#pragma once
// Time: an injectable clock (handlers never read the system clock directly, so tests set time),
// and RFC 3339 UTC text as the registry stores it (`2026-01-31T00:00:00Z`).
//
// A time is whole seconds since the Unix epoch in 64 bits (std::chrono::sys_seconds). Nanoseconds
// in 64 bits (system_clock::time_point) wrap outside 1677-2262, and certificates live beyond that:
// RFC 5280 gives `99991231235959Z` to a certificate without a well-defined expiration. The range a
// time may take is the one X.509 and RFC 3339 can write, years 0000 to 9999; anything outside is
// refused where it enters (a certificate, a registry item, a JWT claim), never wrapped or clamped.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agm::core {

using TimePoint = std::chrono::sys_seconds;

// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z as seconds since the epoch.
inline constexpr std::int64_t kMinEpochSeconds = -62167219200;
inline constexpr std::int64_t kMaxEpochSeconds = 253402300799;
[[nodiscard]] constexpr bool representable(std::int64_t epoch_seconds) {
  return epoch_seconds >= kMinEpochSeconds && epoch_seconds <= kMaxEpochSeconds;
}
[[nodiscard]] bool representable(TimePoint t);

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;
};

// The system clock, truncated to the second.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
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
// Throws core::Error("time_out_of_range") outside [kMinEpochSeconds, kMaxEpochSeconds].
TimePoint from_epoch_seconds(std::int64_t seconds);
// A civil UTC date and time (as `struct tm` holds it, but with the full year): nullopt when a
// field is out of its range or the result is not representable.
std::optional<TimePoint> from_civil(std::int64_t year, int month, int day, int hour, int minute,
                                    int second);

// `YYYY-MM-DDTHH:MM:SSZ`, seconds precision, always UTC. Throws core::Error("time_out_of_range")
// for a time that is not representable.
std::string format_rfc3339(TimePoint t);
// `YYYY-MM-DDTHH:MM:SS.mmmZ`, milliseconds truncated, as the log lines carry it. Throws as above.
std::string format_rfc3339_millis(std::chrono::system_clock::time_point t);
// Accepts `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` (also lowercase t/z); nullopt
// otherwise, and when the offset moves it outside the representable range.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// `YYYYMMDDTHHMMSSZ` as SigV4's X-Amz-Date.
std::string format_amz_date(TimePoint t);

}  // namespace agm::core
