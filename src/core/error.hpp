#pragma once
// Error types shared by every room. Each carries a stable machine-readable code (used in logs and
// tests) besides its human message.
#include <stdexcept>
#include <string>
#include <utility>

namespace agm::core {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  [[nodiscard]] const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

// Configuration that is missing or invalid: `variable` names the environment variable.
class ConfigError : public Error {
 public:
  ConfigError(std::string variable, const std::string& message)
      : Error("ConfigError", variable + ": " + message), variable_(std::move(variable)) {}
  [[nodiscard]] const std::string& variable() const noexcept { return variable_; }

 private:
  std::string variable_;
};

}  // namespace agm::core
