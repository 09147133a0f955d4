#include "local/gateway/route_definition.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <set>

#include "core/error.hpp"
#include "core/json.hpp"
#include "local/gateway/config_json.hpp"
#include "net/url.hpp"

namespace agm::local {

namespace json = boost::json;
namespace fs = std::filesystem;
using cfg::optional_int;
using cfg::optional_string;
using cfg::require_object;

namespace {

// The methods a route key may name (docs/contract.md section 9, as the Terraform validation).
constexpr std::array<std::string_view, 8> kMethods = {"ANY",   "GET",    "POST", "PUT",
                                                      "PATCH", "DELETE", "HEAD", "OPTIONS"};

struct FileScopes {
  std::set<std::string> defined;
};

std::string route_field(const std::string& key) {
  return "routes[\"" + key + "\"]";
}

// A route path: segments of literal text or {name}; a greedy {name+} only last; no trailing slash.
bool valid_route_path(std::string_view path) {
  if (path.empty() || path.front() != '/')
    return false;
  if (path == "/")
    return true;
  if (path.back() == '/')
    return false;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    auto seg = path.substr(start, end == std::string_view::npos ? end : end - start);
    if (seg.empty())
      return false;
    const bool greedy = seg.size() > 3 && seg.front() == '{' && seg.ends_with("+}");
    if (greedy && end != std::string_view::npos)
      return false;
    if (end == std::string_view::npos)
      break;
    start = end + 1;
  }
  return true;
}

RouteConfig route_from_key(const std::string& key, const GatewayConfig& config) {
  RouteConfig route;
  route.route_key = key;
  const std::string field = route_field(key);
  if (!split_route_key(route) || (key != "$default" && (std::find(kMethods.begin(), kMethods.end(),
                                                                  route.method) == kMethods.end() ||
                                                        !valid_route_path(route.path)))) {
    throw core::ConfigError(field,
                            "the route key must be \"METHOD /path\" (ANY, GET, POST, PUT, "
                            "PATCH, DELETE, HEAD, OPTIONS; no trailing slash; a greedy "
                            "{name+} only last) or \"$default\"");
  }
  for (const auto& r : config.routes) {
    if (r.route_key == key)
      throw core::ConfigError(field, "is built in and cannot be redefined");
  }
  return route;
}

// A function backend: one function per binary (two routes naming one binary share its processes,
// as two routes naming one Lambda function do).
std::string add_function_backend(const std::string& binary, const std::string& field,
                                 GatewayConfig& config) {
  const fs::path base = fs::path(config.route_definition.file).parent_path();
  const std::string path = cfg::resolve(binary, base);
  if (::access(path.c_str(), X_OK) != 0 || fs::is_directory(path)) {
    throw core::ConfigError(field + ".integration.binary", "no executable program at " + path +
                                                               " (a path relative to " +
                                                               base.string() + ", or absolute)");
  }
  for (const auto& [name, fc] : config.functions) {
    if (fc.command.size() == 1 && fc.command.front() == path)
      return name;
  }
  std::string name = fs::path(path).filename().string();
  for (int n = 2; config.functions.contains(name); ++n)
    name = fs::path(path).filename().string() + "-" + std::to_string(n);
  FunctionConfig fc = config.route_definition.function_defaults;
  fc.name = name;
  fc.command = {path};
  fc.region = config.api.region;
  fc.account_id = config.api.account_id;
  config.functions[name] = std::move(fc);
  return name;
}

void parse_integration(const json::object& r, const std::string& field, RouteConfig& route,
                       GatewayConfig& config) {
  auto it = r.find("integration");
  if (it == r.end())
    throw core::ConfigError(field + ".integration", "missing");
  const auto& in = require_object(it->value(), field + ".integration");
  const std::string type = optional_string(in, "type", field + ".integration.type").value_or("");
  if (type == "http") {
    const std::string url = cfg::require_string(in, "url", field + ".integration.url");
    route.http = parse_http_url(url);
    if (!route.http) {
      throw core::ConfigError(
          field + ".integration.url",
          "must be an http:// URL (the local stack proxies plain HTTP): " + url);
    }
  } else if (type == "function") {
    route.function = add_function_backend(
        cfg::require_string(in, "binary", field + ".integration.binary"), field, config);
  } else if (type == "lambda" || type == "vpc_link") {
    throw core::ConfigError(field + ".integration.type",
                            "the local stack has no \"" + type +
                                "\" integration: use \"http\" (url) or \"function\" (binary) "
                                "here, and " +
                                type + " in Terraform");
  } else {
    throw core::ConfigError(
        field + ".integration.type",
        "unknown integration type \"" + type + "\" (locally \"http\" or \"function\")");
  }
  if (auto ms = optional_int(in, "timeout_ms", field + ".integration.timeout_ms", 50, 30000)) {
    route.timeout = std::chrono::milliseconds(*ms);
  }
}

void parse_authorization(const json::object& r, const std::string& field, const FileScopes& scopes,
                         RouteConfig& route, const GatewayConfig& config) {
  const std::string authorization =
      optional_string(r, "authorization", field + ".authorization").value_or("mtls");
  if (authorization != "mtls" && authorization != "none")
    throw core::ConfigError(field + ".authorization", "must be \"mtls\" or \"none\"");
  std::size_t count = 0;
  if (auto it = r.find("scopes"); it != r.end()) {
    if (!it->value().is_array())
      throw core::ConfigError(field + ".scopes", "must be an array of scope names");
    for (const auto& s : it->value().as_array()) {
      if (!s.is_string())
        throw core::ConfigError(field + ".scopes", "must be an array of scope names");
      const std::string name(s.as_string());
      if (!scopes.defined.contains(name)) {
        throw core::ConfigError(field + ".scopes",
                                "names scope \"" + name + "\", which \"scopes\" does not define");
      }
      ++count;
    }
  }
  if (authorization == "none") {
    if (count > 0)
      throw core::ConfigError(field + ".scopes", "a route with authorization \"none\" names none");
    return;
  }
  if (count == 0)
    throw core::ConfigError(field + ".scopes", "an \"mtls\" route names at least one scope");
  if (!config.authorizers.contains(config.route_definition.authorizer)) {
    throw core::ConfigError("route_definition.authorizer",
                            "names unknown authorizer " + config.route_definition.authorizer);
  }
  route.authorizer = config.route_definition.authorizer;
}

FileScopes file_scopes(const json::object& root, const GatewayConfig& config) {
  FileScopes out;
  out.defined.insert(config.route_definition.builtin_scopes.begin(),
                     config.route_definition.builtin_scopes.end());
  if (auto it = root.find("scopes"); it != root.end()) {
    for (const auto& [name, description] : require_object(it->value(), "scopes")) {
      if (!description.is_string())
        throw core::ConfigError("scopes." + std::string(name), "must be a description string");
      out.defined.insert(std::string(name));
    }
  }
  return out;
}

}  // namespace

std::optional<HttpBackend> parse_http_url(std::string_view url) {
  const auto parts = net::parse_url(url);
  if (!parts || parts->scheme != "http" || parts->has_userinfo || parts->hostname.empty())
    return std::nullopt;
  const std::string& port = parts->port;
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(port) == 0 || std::stoi(port) > 65535) {
    return std::nullopt;
  }
  return HttpBackend{std::string(url), parts->hostname, port,
                     parts->host,      parts->path,     parts->query};
}

void parse_route_definition_settings(const json::object& o, const fs::path& base,
                                     GatewayConfig& config) {
  auto& rd = config.route_definition;
  rd.file = cfg::resolve(optional_string(o, "file", "route_definition.file").value_or(""), base);
  rd.authorizer =
      optional_string(o, "authorizer", "route_definition.authorizer").value_or(rd.authorizer);
  if (auto it = o.find("builtin_scopes"); it != o.end()) {
    rd.builtin_scopes.clear();
    if (!it->value().is_array())
      throw core::ConfigError("route_definition.builtin_scopes", "must be an array of strings");
    for (const auto& s : it->value().as_array()) {
      if (!s.is_string())
        throw core::ConfigError("route_definition.builtin_scopes", "must be an array of strings");
      rd.builtin_scopes.emplace_back(s.as_string());
    }
  }
  if (auto it = o.find("functions"); it != o.end()) {
    parse_function_settings(require_object(it->value(), "route_definition.functions"),
                            "route_definition.functions", rd.function_defaults);
  }
}

void add_route_definition(const std::string& text, GatewayConfig& config) {
  const std::string& file = config.route_definition.file;
  auto doc = core::parse_json(text);
  if (!doc)
    throw core::ConfigError("route_definition", file + " is not valid JSON");
  const auto& root = require_object(*doc, "route_definition (" + file + ")");
  for (const auto& [key, value] : root) {
    if (key != "scopes" && key != "routes") {
      throw core::ConfigError(std::string(key),
                              "is not part of the route definition (only "
                              "\"scopes\" and \"routes\"), in " +
                                  file);
    }
  }
  const FileScopes scopes = file_scopes(root, config);
  auto it = root.find("routes");
  if (it == root.end())
    return;
  for (const auto& [key, value] : require_object(it->value(), "routes")) {
    RouteConfig route = route_from_key(std::string(key), config);
    const std::string field = route_field(route.route_key);
    const auto& r = require_object(value, field);
    parse_integration(r, field, route, config);
    parse_authorization(r, field, scopes, route, config);
    config.routes.push_back(std::move(route));
  }
}

}  // namespace agm::local
