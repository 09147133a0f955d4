#pragma once
// Field readers shared by the gateway's config and route definition parsers: each throws
// core::ConfigError naming the field it could not read.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace agm::local::cfg {

std::string read_file(const std::string& path, const std::string& what);
const boost::json::object& require_object(const boost::json::value& v, const std::string& field);
std::string require_string(const boost::json::object& o, std::string_view key,
                           const std::string& field);
std::optional<std::string> optional_string(const boost::json::object& o, std::string_view key,
                                           const std::string& field);
std::optional<std::int64_t> optional_int(const boost::json::object& o, std::string_view key,
                                         const std::string& field, std::int64_t min,
                                         std::int64_t max);
// `path` made absolute against `base` ("" and "-" kept as they are).
std::string resolve(const std::string& path, const std::filesystem::path& base);

}  // namespace agm::local::cfg
