#include "mtls/route_scopes.hpp"

#include <algorithm>
#include <utility>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "oauth/protocol.hpp"

namespace agm::mtls {
namespace {

bool valid_route_key(std::string_view key) {
  if (key == "$default")
    return true;
  const auto space = key.find(' ');
  if (space == std::string_view::npos || space == 0 || space + 1 >= key.size() ||
      key[space + 1] != '/')
    return false;
  for (std::size_t i = 0; i < space; ++i) {
    const char c = key[i];
    if (!((c >= 'A' && c <= 'Z') || c == '*' || c == '_'))  // "ANY" and methods are upper case
      return false;
  }
  return key.find(' ', space + 1) == std::string_view::npos;
}

}  // namespace

RouteScopes parse_route_scopes(std::string_view text) {
  RouteScopes out;
  const auto fail = [](const std::string& why) { throw core::ConfigError("ROUTE_SCOPES", why); };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = std::min(text.find(';', pos), text.size());
    const std::string_view entry = core::trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (entry.empty())
      continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos)
      fail("entry '" + std::string(entry) + "' is not <routeKey>=<scopes>");
    const std::string_view key = core::trim(entry.substr(0, eq));
    if (!valid_route_key(key))
      fail("route key '" + std::string(key) + "' is not 'METHOD /path' or '$default'");
    auto scopes = oauth::split_scopes(core::trim(entry.substr(eq + 1)));
    if (scopes.empty())
      fail("route '" + std::string(key) + "' names no scope");
    if (!out.emplace(std::string(key), std::move(scopes)).second)
      fail("route '" + std::string(key) + "' is listed twice");
  }
  if (out.empty())
    fail("names no route");
  return out;
}

}  // namespace agm::mtls
