#include "local/gateway/config.hpp"

#include <filesystem>

#include "core/error.hpp"
#include "core/json.hpp"
#include "local/gateway/config_json.hpp"
#include "local/gateway/route_definition.hpp"

namespace agm::local {

namespace json = boost::json;
namespace fs = std::filesystem;
using cfg::optional_int;
using cfg::optional_string;
using cfg::require_object;
using cfg::require_string;
using cfg::resolve;

namespace {

std::vector<std::string> identity_sources(const json::object& a, const std::string& field) {
  std::vector<std::string> out;
  auto s = a.find("identity_sources");
  if (s == a.end())
    return out;
  if (!s->value().is_array())
    throw core::ConfigError(field, "identity_sources: array");
  for (const auto& src : s->value().as_array()) {
    if (!src.is_string())
      throw core::ConfigError(field, "identity_sources: strings");
    std::string source(src.as_string());
    if (!source.starts_with("$request.header.") && !source.starts_with("$request.querystring.")) {
      throw core::ConfigError(field, "unsupported identity source " + source);
    }
    out.push_back(source);
  }
  return out;
}

AuthorizerConfig parse_authorizer(std::string_view name, const json::value& value,
                                  const GatewayConfig& config) {
  const std::string field = "authorizers." + std::string(name);
  const auto& a = require_object(value, field);
  AuthorizerConfig auth;
  auth.name = std::string(name);
  auth.function = require_string(a, "function", field + ".function");
  auth.identity_sources = identity_sources(a, field);
  auth.result_ttl = std::chrono::seconds(
      optional_int(a, "result_ttl_seconds", field + ".result_ttl_seconds", 0, 3600).value_or(0));
  if (auto it = a.find("enable_simple_responses"); it != a.end()) {
    if (!it->value().is_bool())
      throw core::ConfigError(field, "enable_simple_responses");
    auth.enable_simple_responses = it->value().as_bool();
  }
  auth.payload_format_version = optional_string(a, "payload_format_version", field).value_or("2.0");
  // Only what the project uses is emulated; anything else would silently behave differently.
  if (!auth.enable_simple_responses || auth.payload_format_version != "2.0") {
    throw core::ConfigError(field, "only payload format 2.0 with simple responses is emulated");
  }
  if (!config.functions.contains(auth.function)) {
    throw core::ConfigError(field, "names unknown function " + auth.function);
  }
  return auth;
}

RouteConfig parse_function_route(const json::value& value, const GatewayConfig& config) {
  const auto& r = require_object(value, "routes[]");
  RouteConfig route;
  route.route_key = require_string(r, "route_key", "routes[].route_key");
  const std::string field = "routes[" + route.route_key + "]";
  route.function = require_string(r, "function", field + ".function");
  route.authorizer = optional_string(r, "authorizer", field + ".authorizer");
  if (!split_route_key(route)) {
    throw core::ConfigError(field, "route_key must be \"METHOD /path\" or \"$default\"");
  }
  if (!config.functions.contains(route.function)) {
    throw core::ConfigError(field, "names unknown function " + route.function);
  }
  if (route.authorizer && !config.authorizers.contains(*route.authorizer)) {
    throw core::ConfigError(field, "names unknown authorizer " + *route.authorizer);
  }
  return route;
}

FunctionConfig parse_function(std::string_view name, const json::value& value,
                              const fs::path& base) {
  const std::string field = "functions." + std::string(name);
  const auto& f = require_object(value, field);
  FunctionConfig fc;
  fc.name = std::string(name);
  auto cmd = f.find("command");
  if (cmd == f.end() || !cmd->value().is_array() || cmd->value().as_array().empty()) {
    throw core::ConfigError(field + ".command", "must be a non-empty array of strings");
  }
  for (const auto& a : cmd->value().as_array()) {
    if (!a.is_string())
      throw core::ConfigError(field + ".command", "must hold strings");
    fc.command.emplace_back(a.as_string());
  }
  fc.command.front() = resolve(fc.command.front(), base);
  parse_function_settings(f, field, fc);
  return fc;
}

void parse_api(const json::object& root, ApiInfo& api) {
  auto it = root.find("api");
  if (it == root.end())
    return;
  const auto& a = require_object(it->value(), "api");
  api.api_id = optional_string(a, "api_id", "api.api_id").value_or(api.api_id);
  api.account_id = optional_string(a, "account_id", "api.account_id").value_or(api.account_id);
  api.region = optional_string(a, "region", "api.region").value_or(api.region);
  api.stage = optional_string(a, "stage", "api.stage").value_or(api.stage);
  api.domain_name = optional_string(a, "domain_name", "api.domain_name").value_or(api.domain_name);
}

void parse_listen_and_tls(const json::object& root, const fs::path& base, GatewayConfig& c) {
  if (auto it = root.find("listen"); it != root.end()) {
    const auto& l = require_object(it->value(), "listen");
    c.host = optional_string(l, "host", "listen.host").value_or(c.host);
    c.port = static_cast<std::uint16_t>(
        optional_int(l, "port", "listen.port", 0, 65535).value_or(c.port));
  }
  auto tls_it = root.find("tls");
  if (tls_it == root.end())
    throw core::ConfigError("tls", "missing");
  const auto& tls = require_object(tls_it->value(), "tls");
  c.tls_cert = resolve(require_string(tls, "cert", "tls.cert"), base);
  c.tls_key = resolve(require_string(tls, "key", "tls.key"), base);
  c.tls_truststore = resolve(require_string(tls, "truststore", "tls.truststore"), base);
}

void parse_limits_and_timeouts(const json::object& root, GatewayConfig& c) {
  if (auto it = root.find("limits"); it != root.end()) {
    const auto& l = require_object(it->value(), "limits");
    c.limits.max_body_bytes = static_cast<std::size_t>(
        optional_int(l, "max_body_bytes", "limits.max_body_bytes", 0, 1LL << 30)
            .value_or(static_cast<std::int64_t>(c.limits.max_body_bytes)));
    c.limits.max_header_bytes = static_cast<std::size_t>(
        optional_int(l, "max_header_bytes", "limits.max_header_bytes", 256, 1 << 20)
            .value_or(static_cast<std::int64_t>(c.limits.max_header_bytes)));
  }
  if (auto it = root.find("timeouts"); it != root.end()) {
    const auto& t = require_object(it->value(), "timeouts");
    auto ms = [&](std::string_view key, std::chrono::milliseconds def) {
      auto v = optional_int(t, key, "timeouts." + std::string(key), 1, 3600000);
      return v ? std::chrono::milliseconds(*v) : def;
    };
    c.timeouts.handshake = ms("handshake_ms", c.timeouts.handshake);
    c.timeouts.header = ms("header_ms", c.timeouts.header);
    c.timeouts.body = ms("body_ms", c.timeouts.body);
  }
}

void parse_functions(const json::object& root, const fs::path& base, GatewayConfig& c) {
  auto fn_it = root.find("functions");
  if (fn_it == root.end())
    throw core::ConfigError("functions", "missing");
  for (const auto& [name, value] : require_object(fn_it->value(), "functions")) {
    FunctionConfig fc = parse_function(name, value, base);
    fc.region = c.api.region;
    fc.account_id = c.api.account_id;
    c.functions[fc.name] = std::move(fc);
  }
}

}  // namespace

bool split_route_key(RouteConfig& route) {
  if (route.route_key == "$default") {
    route.method.clear();
    route.path.clear();
    return true;
  }
  auto sp = route.route_key.find(' ');
  if (sp == std::string::npos || sp == 0 || route.route_key.size() <= sp + 1 ||
      route.route_key[sp + 1] != '/') {
    return false;
  }
  route.method = route.route_key.substr(0, sp);
  route.path = route.route_key.substr(sp + 1);
  return true;
}

void parse_function_settings(const json::object& f, const std::string& field, FunctionConfig& fc) {
  if (auto env = f.find("env"); env != f.end()) {
    for (const auto& [k, v] : require_object(env->value(), field + ".env")) {
      if (!v.is_string())
        throw core::ConfigError(field + ".env." + std::string(k), "string");
      fc.env[std::string(k)] = std::string(v.as_string());
    }
  }
  fc.timeout = std::chrono::seconds(
      optional_int(f, "timeout_seconds", field + ".timeout_seconds", 1, 900).value_or(10));
  if (auto ms = optional_int(f, "timeout_ms", field + ".timeout_ms", 1, 900000)) {
    fc.timeout = std::chrono::milliseconds(*ms);  // extension for tests
  }
  fc.max_concurrency = static_cast<std::size_t>(
      optional_int(f, "max_concurrency", field + ".max_concurrency", 1, 64).value_or(4));
  fc.max_queue = static_cast<std::size_t>(
      optional_int(f, "max_queue", field + ".max_queue", 0, 10000).value_or(64));
  fc.memory_mb = static_cast<int>(
      optional_int(f, "memory_mb", field + ".memory_mb", 128, 10240).value_or(128));
}

void parse_routes(const json::object& root, GatewayConfig& config) {
  config.routes.clear();
  config.authorizers.clear();
  if (auto it = root.find("authorizers"); it != root.end()) {
    for (const auto& [name, value] : require_object(it->value(), "authorizers")) {
      config.authorizers[std::string(name)] = parse_authorizer(name, value, config);
    }
  }
  auto it = root.find("routes");
  if (it == root.end() || !it->value().is_array()) {
    throw core::ConfigError("routes", "must be an array");
  }
  for (const auto& value : it->value().as_array()) {
    config.routes.push_back(parse_function_route(value, config));
  }
}

void parse_routes(const std::string& text, GatewayConfig& config) {
  auto doc = core::parse_json(text);
  if (!doc)
    throw core::ConfigError("routes", "not valid JSON");
  parse_routes(require_object(*doc, "routes"), config);
}

GatewayConfig load_gateway_config(const std::string& path) {
  const fs::path base = fs::absolute(fs::path(path)).parent_path();
  auto doc = core::parse_json(cfg::read_file(path, "config"));
  if (!doc)
    throw core::ConfigError("config", path + " is not valid JSON");
  const auto& root = require_object(*doc, "config");
  GatewayConfig c;
  parse_listen_and_tls(root, base, c);
  parse_api(root, c.api);
  parse_functions(root, base, c);
  c.access_log = resolve(optional_string(root, "access_log", "access_log").value_or("-"), base);
  parse_limits_and_timeouts(root, c);
  parse_routes(root, c);
  if (auto it = root.find("route_definition"); it != root.end()) {
    parse_route_definition_settings(require_object(it->value(), "route_definition"), base, c);
    if (!c.route_definition.file.empty()) {
      add_route_definition(cfg::read_file(c.route_definition.file, "route_definition.file"), c);
    }
  }
  return c;
}

}  // namespace agm::local
