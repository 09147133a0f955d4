#include "core/log.hpp"

#include <chrono>
#include <iostream>

#include "core/encoding.hpp"
#include "core/json_arena.hpp"
#include "core/time.hpp"

namespace agm::core {

std::optional<LogLevel> parse_log_level(std::string_view text) {
  const std::string l = to_lower(text);
  if (l == "debug" || l == "trace")
    return LogLevel::kDebug;
  if (l == "info")
    return LogLevel::kInfo;
  if (l == "warn" || l == "warning")
    return LogLevel::kWarn;
  if (l == "error")
    return LogLevel::kError;
  if (l == "off" || l == "none")
    return LogLevel::kOff;
  return std::nullopt;
}

Logger::Logger(LogLevel level, std::ostream* out, json::object base)
    : level_(level), out_(out != nullptr ? out : &std::cerr), base_(std::move(base)) {}

void Logger::log(LogLevel l, std::string_view msg, const json::object& fields) const {
  if (!enabled(l))
    return;
  static constexpr std::string_view kNames[] = {"debug", "info", "warn", "error", "off"};
  const std::string ts = format_rfc3339_millis(std::chrono::system_clock::now());

  JsonArena<2048> arena;  // the line is built, serialized and dropped
  json::object line(arena.storage());
  line.reserve(3 + base_.size() + fields.size());
  line["time"] = ts;
  line["level"] = kNames[static_cast<int>(l)];
  line["msg"] = msg;
  for (const auto& kv : base_)
    line[kv.key()] = kv.value();
  for (const auto& kv : fields)
    line[kv.key()] = kv.value();
  const std::string text = json::serialize(line);
  const std::lock_guard<std::mutex> lock(mutex_);
  *out_ << text << '\n' << std::flush;
}

}  // namespace agm::core
