#include "local/gateway/config_json.hpp"

#include "core/error.hpp"
#include "core/file.hpp"
#include "core/json.hpp"

namespace agm::local::cfg {

namespace json = boost::json;
namespace fs = std::filesystem;

std::string read_file(const std::string& path, const std::string& what) {
  try {
    return core::read_file(path);
  } catch (const core::FileError&) {
    throw core::ConfigError(what, "cannot read " + path);
  }
}

const json::object& require_object(const json::value& v, const std::string& field) {
  if (!v.is_object())
    throw core::ConfigError(field, "must be a JSON object");
  return v.as_object();
}

std::string require_string(const json::object& o, std::string_view key, const std::string& field) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string() || it->value().as_string().empty()) {
    throw core::ConfigError(field, "must be a non-empty string");
  }
  return std::string(it->value().as_string());
}

std::optional<std::string> optional_string(const json::object& o, std::string_view key,
                                           const std::string& field) {
  auto it = o.find(key);
  if (it == o.end())
    return std::nullopt;
  if (!it->value().is_string())
    throw core::ConfigError(field, "must be a string");
  return std::string(it->value().as_string());
}

std::optional<std::int64_t> optional_int(const json::object& o, std::string_view key,
                                         const std::string& field, std::int64_t min,
                                         std::int64_t max) {
  if (!o.contains(key))
    return std::nullopt;
  auto v = core::get_int(json::value(o), key);
  if (!v || *v < min || *v > max) {
    throw core::ConfigError(
        field, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return v;
}

std::string resolve(const std::string& path, const fs::path& base) {
  if (path.empty() || path == "-")
    return path;
  fs::path p(path);
  return p.is_absolute() ? p.string() : (base / p).lexically_normal().string();
}

}  // namespace agm::local::cfg
