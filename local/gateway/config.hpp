#pragma once
// The gateway's configuration file (written by the local stack) and the routes file
// (local/routes.json, mirroring the Terraform routes). Relative paths resolve against the
// directory of the file that names them. Every problem throws core::ConfigError naming the field.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

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

struct RouteConfig {
  std::string route_key;  // "GET /health", "ANY /x/{id}", "$default"
  std::string method;     // "GET", ..., "ANY"; empty for $default
  std::string path;       // "/health"; empty for $default
  std::string function;
  std::optional<std::string> authorizer;
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

struct GatewayConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;
  std::string tls_cert;        // PEM file (may hold the chain)
  std::string tls_key;         // PEM file
  std::string tls_truststore;  // PEM bundle of CA certificates
  ApiInfo api;
  std::map<std::string, FunctionConfig> functions;
  std::string routes_file;
  std::vector<RouteConfig> routes;
  std::map<std::string, AuthorizerConfig> authorizers;
  std::string access_log = "-";  // "-" = stdout
  Limits limits;
  Timeouts timeouts;
};

// Reads and validates both files. Throws core::ConfigError.
GatewayConfig load_gateway_config(const std::string& path);
// Parses the routes file content into `config` (routes, authorizers) and checks that every route
// and authorizer names a configured function. `base_dir` is unused for now (no paths inside).
void parse_routes(const std::string& text, GatewayConfig& config);

}  // namespace agm::local
