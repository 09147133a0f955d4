#pragma once
// JSON-lines logging: one object per line, {"time","level","msg",...fields}. Lambda ships each
// line to CloudWatch as one event. Never pass secrets, tokens or keys as fields.
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "core/json.hpp"

namespace agm::core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// "debug", "info", "warn"/"warning", "error", "off" (any case); nullopt otherwise.
std::optional<LogLevel> parse_log_level(std::string_view text);

class Logger {
 public:
  // Writes to `out` (std::cerr by default). `base` fields are added to every line.
  explicit Logger(LogLevel level = LogLevel::kInfo, std::ostream* out = nullptr,
                  json::object base = {});

  [[nodiscard]] LogLevel level() const { return level_; }
  [[nodiscard]] bool enabled(LogLevel l) const { return l >= level_ && level_ != LogLevel::kOff; }

  void log(LogLevel l, std::string_view msg, const json::object& fields = {}) const;
  void debug(std::string_view msg, const json::object& fields = {}) const {
    log(LogLevel::kDebug, msg, fields);
  }
  void info(std::string_view msg, const json::object& fields = {}) const {
    log(LogLevel::kInfo, msg, fields);
  }
  void warn(std::string_view msg, const json::object& fields = {}) const {
    log(LogLevel::kWarn, msg, fields);
  }
  void error(std::string_view msg, const json::object& fields = {}) const {
    log(LogLevel::kError, msg, fields);
  }

 private:
  LogLevel level_;
  std::ostream* out_;
  json::object base_;
  mutable std::mutex mutex_;
};

}  // namespace agm::core
