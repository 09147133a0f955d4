#include "core/json.hpp"

#include <utility>

namespace agm::core {

const json::value* find(const json::value& v, std::string_view key) {
  const auto* obj = v.if_object();
  if (obj == nullptr)
    return nullptr;
  return obj->if_contains(key);
}

const json::value* find_path(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* cur = &v;
  for (const auto key : path) {
    cur = find(*cur, key);
    if (cur == nullptr)
      return nullptr;
  }
  return cur;
}

std::optional<std::string_view> get_string(const json::value& v, std::string_view key) {
  const auto* m = find(v, key);
  if (m == nullptr || !m->is_string())
    return std::nullopt;
  return std::string_view(m->get_string());
}

std::optional<std::string_view> get_string_path(const json::value& v,
                                                std::initializer_list<std::string_view> path) {
  const auto* m = find_path(v, path);
  if (m == nullptr || !m->is_string())
    return std::nullopt;
  return std::string_view(m->get_string());
}

std::optional<std::int64_t> get_int(const json::value& v, std::string_view key) {
  const auto* m = find(v, key);
  if (m == nullptr)
    return std::nullopt;
  if (m->is_int64())
    return m->get_int64();
  if (m->is_uint64() && m->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(m->get_uint64());
  }
  if (m->is_double()) {
    const double d = m->get_double();
    if (d >= -9.0e15 && d <= 9.0e15 && static_cast<double>(static_cast<std::int64_t>(d)) == d) {
      return static_cast<std::int64_t>(d);
    }
  }
  return std::nullopt;
}

std::optional<bool> get_bool(const json::value& v, std::string_view key) {
  const auto* m = find(v, key);
  if (m == nullptr || !m->is_bool())
    return std::nullopt;
  return m->get_bool();
}

std::optional<json::value> parse_json(std::string_view text, std::size_t max_depth,
                                      json::storage_ptr storage) {
  json::parse_options opts;
  opts.max_depth = max_depth;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, std::move(storage), opts);
  if (ec)
    return std::nullopt;
  return v;
}

}  // namespace agm::core
