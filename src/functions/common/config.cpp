#include "functions/common/config.hpp"

#include <sys/stat.h>

#include <charconv>
#include <cstdlib>

#include "core/encoding.hpp"
#include "core/error.hpp"

namespace agm::functions {

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const std::string key(name);
    const char* v = std::getenv(key.c_str());  // read at init only
    if (v == nullptr)
      return std::nullopt;
    return std::string(v);
  };
}

EnvLookup map_env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto it = values.find(std::string(name));
    if (it == values.end())
      return std::nullopt;
    return it->second;
  };
}

std::optional<std::string> optional_env(const EnvLookup& env, std::string_view name) {
  auto v = env(name);
  if (!v || v->empty())
    return std::nullopt;
  return v;
}

std::string require_env(const EnvLookup& env, std::string_view name) {
  auto v = optional_env(env, name);
  if (!v)
    throw core::ConfigError(std::string(name), "is required");
  return *v;
}

bool env_bool(const EnvLookup& env, std::string_view name, bool fallback) {
  const auto v = optional_env(env, name);
  if (!v)
    return fallback;
  const std::string l = core::to_lower(core::trim(*v));
  if (l == "true" || l == "1")
    return true;
  if (l == "false" || l == "0")
    return false;
  throw core::ConfigError(std::string(name), "must be true or false, got '" + *v + "'");
}

long long env_whole_number(const EnvLookup& env, std::string_view name, long long fallback,
                           long long min, long long max, std::string_view unit) {
  const auto v = optional_env(env, name);
  if (!v)
    return fallback;
  const std::string_view t = core::trim(*v);
  long long n = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec != std::errc() || ptr != t.data() + t.size() || t.empty() || n < min || n > max) {
    throw core::ConfigError(std::string(name), "must be a whole number of " + std::string(unit) +
                                                   " between " + std::to_string(min) + " and " +
                                                   std::to_string(max) + ", got '" + *v + "'");
  }
  return n;
}

std::chrono::seconds env_seconds(const EnvLookup& env, std::string_view name,
                                 std::chrono::seconds fallback, std::chrono::seconds min,
                                 std::chrono::seconds max) {
  return std::chrono::seconds(
      env_whole_number(env, name, fallback.count(), min.count(), max.count(), "seconds"));
}

core::LogLevel log_level(const EnvLookup& env) {
  const auto v = optional_env(env, "LOG_LEVEL");
  if (!v)
    return core::LogLevel::kInfo;
  const auto l = core::parse_log_level(*v);
  if (!l)
    throw core::ConfigError("LOG_LEVEL",
                            "must be debug, info, warn, error or off, got '" + *v + "'");
  return *l;
}

std::string discover_ca_file(const EnvLookup& env,
                             const std::function<bool(const std::string&)>& exists) {
  const auto file_exists = [&](const std::string& path) {
    if (exists)
      return exists(path);
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  };
  if (const auto v = optional_env(env, "SSL_CERT_FILE")) {
    // An explicit setting that points nowhere is a mistake; do not silently trust another bundle.
    if (!file_exists(*v))
      throw core::ConfigError("SSL_CERT_FILE", "file not found: " + *v);
    return *v;
  }
  for (const char* candidate :
       {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"}) {
    if (file_exists(candidate))
      return candidate;
  }
  return {};
}

std::string require_url(const EnvLookup& env, std::string_view name) {
  std::string v = require_env(env, name);
  const std::string l = core::to_lower(v);
  std::size_t scheme_len = 0;
  if (l.rfind("https://", 0) == 0)
    scheme_len = 8;
  else if (l.rfind("http://", 0) == 0)
    scheme_len = 7;
  if (scheme_len == 0 || v.size() == scheme_len || v[scheme_len] == '/' ||
      v.find_first_of(" \t\r\n") != std::string::npos)
    throw core::ConfigError(std::string(name), "must be an http(s) URL, got '" + v + "'");
  return v;
}

}  // namespace agm::functions
