#include "core/time.hpp"

#include <array>
#include <string>

#include "core/error.hpp"

namespace agm::core {
namespace {

// Days from civil, after Howard Hinnant's public-domain algorithm: no timegm/locale involvement,
// and exact for every year in int64 arithmetic.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size())
    return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

struct Civil {
  int year, month, day, hour, minute, second;
};

[[noreturn]] void out_of_range(TimePoint t) {
  throw Error("time_out_of_range", std::to_string(to_epoch_seconds(t)) +
                                       " seconds since the epoch is outside the years 0000-9999");
}

Civil to_civil(TimePoint t) {
  if (!representable(t))
    out_of_range(t);
  const std::int64_t secs = to_epoch_seconds(t);
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  return Civil{static_cast<int>(ymd.year()),
               static_cast<int>(static_cast<unsigned>(ymd.month())),
               static_cast<int>(static_cast<unsigned>(ymd.day())),
               static_cast<int>(rem / 3600),
               static_cast<int>(rem % 3600 / 60),
               static_cast<int>(rem % 60)};
}

// Fixed-width decimal digits of a value known to fit (to_civil's fields): the logger stamps every
// line (one per decision), and snprintf's format parsing was a measurable part of it.
void put_digits(std::string& out, std::size_t at, int value, std::size_t width) {
  for (std::size_t i = width; i-- > 0;) {
    out[at + i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// `pattern` with the year (4 digits) and month, day, hour, minute, second (2 each) written at
// `at`; to_civil keeps every field within its width (years 0000-9999).
std::string civil_text(const Civil& c, std::string pattern, const std::array<std::size_t, 6>& at) {
  const std::array<int, 6> fields{c.year, c.month, c.day, c.hour, c.minute, c.second};
  for (std::size_t i = 0; i < fields.size(); ++i)
    put_digits(pattern, at[i], fields[i], i == 0 ? 4 : 2);
  return pattern;
}

}  // namespace

bool representable(TimePoint t) {
  return representable(to_epoch_seconds(t));
}

std::int64_t to_epoch_seconds(TimePoint t) {
  return t.time_since_epoch().count();
}

TimePoint from_epoch_seconds(std::int64_t seconds) {
  const TimePoint t{std::chrono::seconds{seconds}};
  if (!representable(seconds))
    out_of_range(t);
  return t;
}

std::optional<TimePoint> from_civil(std::int64_t year, int month, int day, int hour, int minute,
                                    int second) {
  if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(year)},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok())
    return std::nullopt;
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  // A leap second (:60) is read as :59: the registry and the checks work in POSIX time.
  const std::int64_t secs = days * 86400 + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 +
                            (second == 60 ? 59 : second);
  if (!representable(secs))
    return std::nullopt;
  return TimePoint{std::chrono::seconds{secs}};
}

// Where RFC 3339's fields start, the same with or without a fraction after the seconds.
constexpr std::array<std::size_t, 6> kRfc3339Fields{0, 5, 8, 11, 14, 17};

std::string format_rfc3339(TimePoint t) {
  return civil_text(to_civil(t), "0000-00-00T00:00:00Z", kRfc3339Fields);
}

std::string format_rfc3339_millis(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(t - seconds).count();  // 0..999
  std::string out = civil_text(to_civil(TimePoint(seconds.time_since_epoch())),
                               "0000-00-00T00:00:00.000Z", kRfc3339Fields);
  put_digits(out, 20, static_cast<int>(millis), 3);
  return out;
}

std::string format_amz_date(TimePoint t) {
  return civil_text(to_civil(t), "00000000T000000Z", {0, 4, 6, 9, 11, 13});
}

std::optional<TimePoint> parse_rfc3339(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se)) {
    return std::nullopt;
  }
  const auto local = from_civil(y, mo, d, h, mi, se);
  if (!local)
    return std::nullopt;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
      ++pos;
    if (pos == start)
      return std::nullopt;
  }
  if (pos >= s.size())
    return std::nullopt;
  std::int64_t offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (std::int64_t{oh} * 3600 + std::int64_t{om} * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size())
    return std::nullopt;
  const std::int64_t secs = to_epoch_seconds(*local) - offset;
  if (!representable(secs))
    return std::nullopt;
  return TimePoint{std::chrono::seconds{secs}};
}

}  // namespace agm::core
