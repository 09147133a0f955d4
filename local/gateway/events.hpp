#pragma once
// HTTP API payload format 2.0: the integration event, the Lambda authorizer REQUEST event, the
// authorizer's simple response and the mapping of a function's response to HTTP
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html,
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html).
// Pure functions: no I/O, no clock (the request carries its time).
#include <openssl/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.hpp"
#include "core/time.hpp"
#include "local/gateway/config.hpp"

namespace agm::local {

// requestContext.authentication.clientCert, in API Gateway's forms (not the registry's).
struct ClientCertInfo {
  std::string pem;
  std::string subject_dn;     // api_gateway_dn
  std::string issuer_dn;      // api_gateway_dn
  std::string serial_number;  // api_gateway_serial
  std::string not_before;     // "May 28 12:30:02 2019 GMT", as in AWS's examples
  std::string not_after;
};
// Fills the fields from a PEM certificate (through agm::mtls::ClientCertificate). nullopt when
// the PEM does not parse (the caller refuses the request: fail closed).
std::optional<ClientCertInfo> client_cert_info(const std::string& pem);
// The same from the handshake's verified peer certificate, without parsing it a second time.
std::optional<ClientCertInfo> client_cert_info(const X509* peer);
// "%b %e %H:%M:%S %Y GMT" (OpenSSL's ASN1_TIME_print form, which AWS's examples show).
std::string format_cert_time(core::TimePoint t);
// A name as API Gateway forwards it: C=US,ST=Washington,...,CN=My Client (the certificate's order).
// Throws std::runtime_error when it cannot be formatted.
std::string api_gateway_dn(const X509_NAME* name);
// A serial number as API Gateway forwards it: decimal ("1"). Throws std::runtime_error.
std::string api_gateway_serial(const ASN1_INTEGER* serial);

// One request as the gateway read it, parsed once (parse_request): routing, the identity
// sources, both events and the HTTP proxy read these fields and never the raw target again.
struct GatewayRequest {
  std::string method;     // "GET"
  std::string target;     // path and query as sent
  std::string raw_path;   // the target up to '?'
  std::string raw_query;  // after '?', without it
  std::string protocol;   // "HTTP/1.1"
  std::string source_ip;
  std::vector<std::pair<std::string, std::string>> headers;  // as received (any case)
  // Lower-cased names, repeated headers joined by commas, without cookie (payload 2.0 `headers`).
  std::map<std::string, std::string> header_map;
  std::vector<std::string> cookies;  // the Cookie headers split at ';'
  std::string body;
  std::optional<ClientCertInfo> client_cert;
  std::string request_id;
  std::chrono::system_clock::time_point time;  // when the request arrived (timeEpoch is in ms)
};

// The one parse of a request: splits the target and indexes the headers.
GatewayRequest parse_request(std::string method, std::string target,
                             std::vector<std::pair<std::string, std::string>> headers,
                             std::string body = {});

struct RouteMatch {
  const RouteConfig* route = nullptr;
  std::map<std::string, std::string> path_parameters;
};

// Finds the route: exact "METHOD /path" first, then parameterised paths ({name} for one segment,
// {name+} greedy as last segment), "ANY" routes, then "$default". nullopt: no route (404).
std::optional<RouteMatch> match_route(const std::vector<RouteConfig>& routes,
                                      const std::string& method, const std::string& raw_path);

// The integration event. `authorizer_context`: the authorizer's context (set for authorized
// routes as requestContext.authorizer.lambda).
boost::json::object build_integration_event(
    const GatewayRequest& req, const ApiInfo& api, const RouteMatch& match,
    const std::optional<boost::json::object>& authorizer_context);

// The authorizer's identity source values in the order configured; nullopt when one is missing
// or empty (API Gateway then answers 401 without invoking the authorizer).
std::optional<std::vector<std::string>> identity_source_values(const AuthorizerConfig& auth,
                                                               const GatewayRequest& req);

// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}{path}
std::string route_arn(const ApiInfo& api, const std::string& method, const std::string& raw_path);

// The payload 2.0 REQUEST event for a Lambda authorizer.
boost::json::object build_authorizer_event(const GatewayRequest& req, const ApiInfo& api,
                                           const RouteMatch& match,
                                           const std::vector<std::string>& identity_source);

// A simple response: {"isAuthorized": bool, "context": {...}}. nullopt: not a valid response
// (the gateway answers 500).
struct AuthorizerDecision {
  bool authorized = false;
  boost::json::object context;
};
std::optional<AuthorizerDecision> parse_simple_response(std::string_view payload);

// The HTTP response to send for a function's response payload. nullopt: the payload cannot be
// mapped (the gateway answers 500).
struct MappedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};
std::optional<MappedResponse> map_integration_response(std::string_view payload);

// {"message":"..."} bodies API Gateway uses for its own errors.
std::string message_body(std::string_view message);

}  // namespace agm::local
