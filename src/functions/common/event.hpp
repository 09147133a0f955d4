#pragma once
// The API Gateway HTTP API payload format 2.0 events as typed values, read ONCE per invocation at
// the edge (functions/common/main.hpp), and the structured result a function answers with.
// Handlers take these and never see JSON. API Gateway lower-cases header names in 2.0 events;
// the parse still compares case-insensitively, so that a hand-written event cannot smuggle a
// differently cased duplicate (two spellings of one header read as malformed). Parsing is total:
// a missing member or one of the wrong type is recorded as such, never an exception.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/field.hpp"
#include "core/json.hpp"
#include "lambda/runtime.hpp"

namespace agm::functions {

using core::Field;

// How far the payload got: the handlers refuse each of the last three their own way.
enum class EventShape { kOk, kNotJson, kNotObject, kNoRequestContext };

// `headers`, by lower-cased name. Malformed as a whole when `headers` is not an object.
struct Headers {
  bool malformed = false;
  std::map<std::string, Field<std::string>, std::less<>> by_name;
  // Absent, the value, or malformed (the whole map malformed, a non-string value, or two
  // spellings of the name).
  [[nodiscard]] Field<std::string> get(std::string_view lower_name) const;
};

// What every payload 2.0 event carries: the integration event of a route and the REQUEST event
// of a Lambda authorizer alike.
struct RequestEvent {
  EventShape shape = EventShape::kNotJson;
  Field<std::string> route_key;  // "GET /health"
  std::string request_id;        // requestContext.requestId when a string, else ""
  Headers headers;
  // requestContext.authentication.clientCert.clientCertPem; malformed when any step of the path
  // has the wrong type.
  Field<std::string> client_cert_pem;
};

// The integration event a function behind a route gets.
struct HttpRequest : RequestEvent {
  // The body, base64-decoded when isBase64Encoded is true; "" when absent; nullopt when it is not
  // a string, isBase64Encoded is not a bool, or the base64 is invalid.
  std::optional<std::string> body;
  // requestContext.authorizer.lambda: what the authorizer allowed the request with (strings only).
  std::optional<std::string> authorizer_client_id;
  std::optional<std::string> authorizer_cert_thumbprint;

  static HttpRequest parse(std::string_view payload, std::string_view invocation_id = {});
  static HttpRequest from_json(const core::json::value& event);
};

// The REQUEST event of an HTTP API Lambda authorizer (payload 2.0).
struct AuthorizerRequest : RequestEvent {
  static AuthorizerRequest parse(std::string_view payload, std::string_view invocation_id = {});
  static AuthorizerRequest from_json(const core::json::value& event);
};

// A payload 2.0 structured result: {"statusCode","headers","body","isBase64Encoded":false}.
struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names, in order
  std::string body;  // sent as is (a serialized JSON document)

  // content-type as given and cache-control: no-store (token responses carry credentials, RFC
  // 6749 section 5.1: never cached by anyone).
  static HttpResponse json(int status, std::string body,
                           std::string_view content_type = "application/json");
  void set_header(std::string_view lower_name, std::string value);
  [[nodiscard]] core::json::object to_json() const;
  [[nodiscard]] std::string serialize() const;
  [[nodiscard]] lambda::invocation_response to_invocation() const;
};

// The simple response of an HTTP API Lambda authorizer: {"isAuthorized", "context"}.
struct AuthorizerResponse {
  bool authorized = false;
  core::json::object context;  // sent when not empty (a deny's: for the access log only)
  [[nodiscard]] std::string serialize() const;
  [[nodiscard]] lambda::invocation_response to_invocation() const;
};

}  // namespace agm::functions
