#include "core/time.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "core/error.hpp"

namespace agm::core {
namespace {

TEST(Rfc3339, FormatsUtcSeconds) {
  EXPECT_EQ(format_rfc3339(from_epoch_seconds(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(from_epoch_seconds(1769817600)), "2026-01-31T00:00:00Z");
  EXPECT_EQ(format_amz_date(from_epoch_seconds(1440938160)), "20150830T123600Z");
  EXPECT_EQ(format_rfc3339(from_epoch_seconds(1772323199)), "2026-02-28T23:59:59Z");
}

TEST(Rfc3339, FormatsMillisecondsTruncated) {
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  const system_clock::time_point t{std::chrono::seconds(1769817600)};
  EXPECT_EQ(format_rfc3339_millis(t), "2026-01-31T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_millis(t + milliseconds(7)), "2026-01-31T00:00:00.007Z");
  EXPECT_EQ(format_rfc3339_millis(t + milliseconds(999) + std::chrono::microseconds(999)),
            "2026-01-31T00:00:00.999Z");
  EXPECT_EQ(format_rfc3339_millis(t - milliseconds(1)), "2026-01-30T23:59:59.999Z");
}

TEST(Rfc3339, ParsesZuluOffsetsAndFractions) {
  EXPECT_EQ(to_epoch_seconds(parse_rfc3339("2026-01-31T00:00:00Z").value()), 1769817600);
  EXPECT_EQ(to_epoch_seconds(parse_rfc3339("2026-01-31T01:00:00+01:00").value()), 1769817600);
  EXPECT_EQ(to_epoch_seconds(parse_rfc3339("2026-01-30T23:00:00.123-01:00").value()), 1769817600);
  EXPECT_EQ(to_epoch_seconds(parse_rfc3339("1969-12-31T23:59:59Z").value()), -1);
}

TEST(Rfc3339, RejectsMalformed) {
  for (const char* bad :
       {"", "2026-01-31", "2026-01-31T00:00:00", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-01-31T24:00:00Z", "2026-01-31T00:00:00ZZ", "2026-01-31 00:00:00Z",
        "2026-01-31T00:00:00.Z", "20x6-01-31T00:00:00Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
}

// The whole X.509 range, to the second, in both directions (a nanosecond clock wraps outside
// 1677-2262).
TEST(Rfc3339, CoversTheYears0000To9999Exactly) {
  EXPECT_EQ(format_rfc3339(from_epoch_seconds(kMaxEpochSeconds)), "9999-12-31T23:59:59Z");
  EXPECT_EQ(format_rfc3339(from_epoch_seconds(kMinEpochSeconds)), "0000-01-01T00:00:00Z");
  EXPECT_EQ(to_epoch_seconds(parse_rfc3339("9999-12-31T23:59:59Z").value()), kMaxEpochSeconds);
  EXPECT_EQ(to_epoch_seconds(parse_rfc3339("0000-01-01T00:00:00Z").value()), kMinEpochSeconds);
  EXPECT_EQ(format_rfc3339(parse_rfc3339("2600-01-01T00:00:00Z").value()), "2600-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(parse_rfc3339("1950-01-01T00:00:00Z").value()), "1950-01-01T00:00:00Z");
  EXPECT_EQ(to_epoch_seconds(from_civil(2600, 1, 1, 0, 0, 0).value()), 19'880'899'200);
  EXPECT_LT(parse_rfc3339("1950-01-01T00:00:00Z").value(), from_epoch_seconds(0));
  EXPECT_GT(parse_rfc3339("2600-01-01T00:00:00Z").value(),
            parse_rfc3339("2262-04-11T23:47:16Z").value());
}

TEST(Rfc3339, RefusesWhatIsNotRepresentable) {
  // An offset that moves the time outside the years 0000-9999.
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59-00:01").has_value());
  EXPECT_FALSE(parse_rfc3339("0000-01-01T00:00:00+00:01").has_value());
  EXPECT_FALSE(from_civil(10000, 1, 1, 0, 0, 0).has_value());
  EXPECT_FALSE(from_civil(-1, 12, 31, 23, 59, 59).has_value());
  EXPECT_THROW((void)from_epoch_seconds(kMaxEpochSeconds + 1), Error);
  EXPECT_THROW((void)from_epoch_seconds(kMinEpochSeconds - 1), Error);
  EXPECT_THROW((void)format_rfc3339(TimePoint{std::chrono::seconds{kMaxEpochSeconds + 1}}), Error);
  EXPECT_FALSE(representable(TimePoint{std::chrono::seconds{INT64_MAX}}));
}

TEST(ManualClock, Advances) {
  ManualClock clock(from_epoch_seconds(100));
  clock.advance(std::chrono::seconds(5));
  EXPECT_EQ(to_epoch_seconds(clock.now()), 105);
}

}  // namespace
}  // namespace agm::core
