#include "core/time.hpp"

#include <gtest/gtest.h>

namespace agm::core {
namespace {

TEST(Rfc3339, FormatsUtcSeconds) {
  EXPECT_EQ(format_rfc3339(from_epoch_seconds(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(from_epoch_seconds(1769817600)), "2026-01-31T00:00:00Z");
  EXPECT_EQ(format_amz_date(from_epoch_seconds(1440938160)), "20150830T123600Z");
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

TEST(ManualClock, Advances) {
  ManualClock clock(from_epoch_seconds(100));
  clock.advance(std::chrono::seconds(5));
  EXPECT_EQ(to_epoch_seconds(clock.now()), 105);
}

}  // namespace
}  // namespace agm::core
