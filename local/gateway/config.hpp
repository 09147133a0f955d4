#pragma once
// The gateway's configuration file (written by the local stack): its own routes to named
// functions (the built-in POST /token and GET /health), the authorizers, and the route definition
// file a team writes (docs/contract.md section 9, parsed in route_definition.hpp). Relative paths
// resolve against the directory of the file that names them. Every problem throws
// core::ConfigError naming the field.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "local/runtime/function_pool.hpp"

namespace agm::local {

struct ApiInfo {
  std::string api_id = "local";
  std::string account_id = "000000000000";
  std::string region = "us-east-1";
  std::string stage = "$default";
  std::string domain_name = "localhost";
};

struct AuthorizerConfig {
  std::string name;
  std::string function;
  std::vector<std::string> identity_sources;  // "$request.header.X", "$request.querystring.X"
  std::chrono::seconds result_ttl{0};
  bool enable_simple_responses = true;
  std::string payload_format_version = "2.0";
};

// An HTTP_PROXY backend: http://host[:port]/path[?query]. The path may name the route's path
// variables ({id}, {proxy} for a greedy {proxy+}).
struct HttpBackend {
  std::string url;   // as written
  std::string host;  // to connect to ("127.0.0.1", "::1")
  std::string port = "80";
  std::string host_header;  // "127.0.0.1:9100" (no port when it is 80)
  std::string path = "/";
  std::string query;  // without '?'
};

struct RouteConfig {
  std::string route_key;            // "GET /health", "ANY /x/{id}", "$default"
  std::string method;               // "GET", ..., "ANY"; empty for $default
  std::string path;                 // "/health"; empty for $default
  std::string function;             // a function integration: the key in GatewayConfig::functions
  std::optional<HttpBackend> http;  // an http integration (then `function` is empty)
  std::optional<std::string> authorizer;
  // An integration timeout (route definition `timeout_ms`); the http default is 30 s.
  std::optional<std::chrono::milliseconds> timeout;
};

struct Limits {
  std::size_t max_body_bytes = std::size_t{10} * 1024 * 1024;  // HTTP API payload quota: 10 MB
  std::size_t max_header_bytes = 10240;  // HTTP API quota: request line and headers, 10240 bytes
};

// Connection timeouts (an extension of the config: optional "timeouts" object, in seconds).
struct Timeouts {
  std::chrono::milliseconds handshake{10000};
  std::chrono::milliseconds header{10000};  // also the keep-alive idle time
  std::chrono::milliseconds body{30000};
};

// How the routes of the route definition file run: the config's "route_definition" object.
struct RouteDefinitionConfig {
  std::string file;  // docs/contract.md section 9 (local/routes.tfvars.json); empty: none
  std::string authorizer = "mtls";  // the authorizer of the file's `mtls` routes
  // Scopes the resource server defines besides the file's own (the health scope).
  std::vector<std::string> builtin_scopes{"health.read"};
  FunctionConfig function_defaults;  // env, timeout and concurrency of its function backends
};

struct GatewayConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;
  std::string tls_cert;        // PEM file (may hold the chain)
  std::string tls_key;         // PEM file
  std::string tls_truststore;  // PEM bundle of CA certificates
  ApiInfo api;
  std::map<std::string, FunctionConfig> functions;
  std::vector<RouteConfig> routes;
  RouteDefinitionConfig route_definition;
  std::map<std::string, AuthorizerConfig> authorizers;
  std::string access_log = "-";  // "-" = stdout
  Limits limits;
  Timeouts timeouts;
};

// Reads and validates the config and the route definition it names. Throws core::ConfigError.
GatewayConfig load_gateway_config(const std::string& path);
// Parses `{"routes": [...], "authorizers": {...}}` (the config's own routes to named functions)
// into `config` and checks that every route and authorizer names a configured function.
void parse_routes(const std::string& text, GatewayConfig& config);
void parse_routes(const boost::json::object& root, GatewayConfig& config);
// A function's optional settings (env, timeout_seconds/timeout_ms, max_concurrency, max_queue,
// memory_mb) from its config object `f` (named `field` in errors).
void parse_function_settings(const boost::json::object& f, const std::string& field,
                             FunctionConfig& fc);
// Splits "METHOD /path" (or "$default") into the route's method and path; false when malformed.
bool split_route_key(RouteConfig& route);

}  // namespace agm::local
