#pragma once
// Boost.JSON plus the small lookups every handler needs. Lookups never throw: a missing key or a
// value of the wrong type is nullptr / nullopt, so callers decide (and fail closed).
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace agm::core {

namespace json = boost::json;

// Member `key` of `v` when `v` is an object and the member exists; nullptr otherwise.
const json::value* find(const json::value& v, std::string_view key);
// Follows a path of object keys: find_path(event, {"requestContext", "http", "method"}).
const json::value* find_path(const json::value& v, std::initializer_list<std::string_view> path);
// The string at `key`, when present and a string.
std::optional<std::string_view> get_string(const json::value& v, std::string_view key);
std::optional<std::string_view> get_string_path(const json::value& v,
                                                std::initializer_list<std::string_view> path);
// Integers, accepting int64/uint64 and doubles that hold an exact integer.
std::optional<std::int64_t> get_int(const json::value& v, std::string_view key);
std::optional<bool> get_bool(const json::value& v, std::string_view key);

// Parses text; nullopt (never an exception) on invalid JSON. `max_depth` bounds nesting. The
// value's memory comes from `storage` (the default heap unless given; a caller that only reads
// the value and drops it may pass a monotonic_resource).
constexpr std::size_t kJsonMaxDepth = 64;
std::optional<json::value> parse_json(std::string_view text, std::size_t max_depth = kJsonMaxDepth,
                                      json::storage_ptr storage = {});

}  // namespace agm::core
