#include "local/gateway/config.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/file.hpp"
#include "core/json.hpp"

namespace agm::local {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

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

}  // namespace

void parse_routes(const std::string& text, GatewayConfig& config) {
  auto doc = core::parse_json(text);
  if (!doc)
    throw core::ConfigError("routes_file", "not valid JSON");
  const auto& root = require_object(*doc, "routes_file");
  config.routes.clear();
  config.authorizers.clear();
  if (auto it = root.find("authorizers"); it != root.end()) {
    for (const auto& [name, value] : require_object(it->value(), "authorizers")) {
      const std::string field = "authorizers." + std::string(name);
      const auto& a = require_object(value, field);
      AuthorizerConfig auth;
      auth.name = std::string(name);
      auth.function = require_string(a, "function", field + ".function");
      if (auto s = a.find("identity_sources"); s != a.end()) {
        if (!s->value().is_array())
          throw core::ConfigError(field, "identity_sources: array");
        for (const auto& src : s->value().as_array()) {
          if (!src.is_string())
            throw core::ConfigError(field, "identity_sources: strings");
          std::string source(src.as_string());
          if (!source.starts_with("$request.header.") &&
              !source.starts_with("$request.querystring.")) {
            throw core::ConfigError(field, "unsupported identity source " + source);
          }
          auth.identity_sources.push_back(source);
        }
      }
      auth.result_ttl = std::chrono::seconds(
          optional_int(a, "result_ttl_seconds", field + ".result_ttl_seconds", 0, 3600)
              .value_or(0));
      if (auto it2 = a.find("enable_simple_responses"); it2 != a.end()) {
        if (!it2->value().is_bool())
          throw core::ConfigError(field, "enable_simple_responses");
        auth.enable_simple_responses = it2->value().as_bool();
      }
      auth.payload_format_version =
          optional_string(a, "payload_format_version", field).value_or("2.0");
      // Only what the project uses is emulated; anything else would silently behave differently.
      if (!auth.enable_simple_responses || auth.payload_format_version != "2.0") {
        throw core::ConfigError(field, "only payload format 2.0 with simple responses is emulated");
      }
      if (!config.functions.contains(auth.function)) {
        throw core::ConfigError(field, "names unknown function " + auth.function);
      }
      config.authorizers[auth.name] = auth;
    }
  }
  auto it = root.find("routes");
  if (it == root.end() || !it->value().is_array()) {
    throw core::ConfigError("routes", "must be an array");
  }
  for (const auto& value : it->value().as_array()) {
    const auto& r = require_object(value, "routes[]");
    RouteConfig route;
    route.route_key = require_string(r, "route_key", "routes[].route_key");
    const std::string field = "routes[" + route.route_key + "]";
    route.function = require_string(r, "function", field + ".function");
    route.authorizer = optional_string(r, "authorizer", field + ".authorizer");
    if (route.route_key != "$default") {
      auto sp = route.route_key.find(' ');
      if (sp == std::string::npos || sp == 0 || route.route_key.size() <= sp + 1 ||
          route.route_key[sp + 1] != '/') {
        throw core::ConfigError(field, "route_key must be \"METHOD /path\" or \"$default\"");
      }
      route.method = route.route_key.substr(0, sp);
      route.path = route.route_key.substr(sp + 1);
    }
    if (!config.functions.contains(route.function)) {
      throw core::ConfigError(field, "names unknown function " + route.function);
    }
    if (route.authorizer && !config.authorizers.contains(*route.authorizer)) {
      throw core::ConfigError(field, "names unknown authorizer " + *route.authorizer);
    }
    config.routes.push_back(route);
  }
}

GatewayConfig load_gateway_config(const std::string& path) {
  const fs::path base = fs::absolute(fs::path(path)).parent_path();
  auto doc = core::parse_json(read_file(path, "config"));
  if (!doc)
    throw core::ConfigError("config", path + " is not valid JSON");
  const auto& root = require_object(*doc, "config");
  GatewayConfig c;

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

  if (auto it = root.find("api"); it != root.end()) {
    const auto& a = require_object(it->value(), "api");
    c.api.api_id = optional_string(a, "api_id", "api.api_id").value_or(c.api.api_id);
    c.api.account_id =
        optional_string(a, "account_id", "api.account_id").value_or(c.api.account_id);
    c.api.region = optional_string(a, "region", "api.region").value_or(c.api.region);
    c.api.stage = optional_string(a, "stage", "api.stage").value_or(c.api.stage);
    c.api.domain_name =
        optional_string(a, "domain_name", "api.domain_name").value_or(c.api.domain_name);
  }

  auto fn_it = root.find("functions");
  if (fn_it == root.end())
    throw core::ConfigError("functions", "missing");
  for (const auto& [name, value] : require_object(fn_it->value(), "functions")) {
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
    fc.region = c.api.region;
    fc.account_id = c.api.account_id;
    c.functions[fc.name] = std::move(fc);
  }

  c.routes_file = resolve(require_string(root, "routes_file", "routes_file"), base);
  c.access_log = resolve(optional_string(root, "access_log", "access_log").value_or("-"), base);

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
    auto secs = [&](std::string_view key, std::chrono::milliseconds def) {
      auto ms = optional_int(t, key, "timeouts." + std::string(key), 1, 3600000);
      return ms ? std::chrono::milliseconds(*ms) : def;
    };
    c.timeouts.handshake = secs("handshake_ms", c.timeouts.handshake);
    c.timeouts.header = secs("header_ms", c.timeouts.header);
    c.timeouts.body = secs("body_ms", c.timeouts.body);
  }

  parse_routes(read_file(c.routes_file, "routes_file"), c);
  return c;
}

}  // namespace agm::local
