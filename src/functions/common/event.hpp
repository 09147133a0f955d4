#pragma once
// Accessors for API Gateway HTTP API payload format 2.0 events and the structured results the
// functions return. API Gateway lower-cases header names in 2.0 events; lookups here still compare
// case-insensitively so that a hand-written event cannot smuggle a differently cased duplicate.
// Every accessor is total: a missing member or a member of the wrong type gives nullopt (or a
// distinct "malformed" answer), never an exception.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"

namespace agm::functions {

// Result of reading an optional event field: absent, present with the expected type, or present
// with the wrong type (the caller fails closed on the last one).
template <typename T>
struct Field {
  enum class State { kAbsent, kPresent, kMalformed };
  State state = State::kAbsent;
  T value{};
  [[nodiscard]] bool present() const { return state == State::kPresent; }
  [[nodiscard]] bool malformed() const { return state == State::kMalformed; }
};

// `headers.<name>` (case-insensitive). Malformed when `headers` is not an object or the value is
// not a string.
Field<std::string> header(const core::json::value& event, std::string_view name);

// `requestContext.authentication.clientCert.clientCertPem`. Malformed when any step exists with
// the wrong type.
Field<std::string> client_cert_pem(const core::json::value& event);

// `routeKey` (e.g. "GET /health").
Field<std::string> route_key(const core::json::value& event);

// The body, base64-decoded when `isBase64Encoded` is true. Absent body: empty string.
// nullopt when the body is not a string, isBase64Encoded is not a bool, or base64 is invalid.
std::optional<std::string> body(const core::json::value& event);

// `requestContext.requestId` when present (for log correlation), else "".
std::string request_id(const core::json::value& event);

// Payload 2.0 structured result: {"statusCode","headers":{content-type, cache-control: no-store},
// "body"}. `body` is sent as is (a serialized JSON document).
core::json::object http_result(int status, std::string_view body,
                               std::string_view content_type = "application/json");

// RFC 6749 section 5.2 style error body: {"error":..., "error_description":...}.
std::string oauth_error_body(std::string_view error, std::string_view description = {});

// Case-insensitive "Scheme " prefix test; returns the rest (trimmed) when it matches.
std::optional<std::string_view> strip_auth_scheme(std::string_view header_value,
                                                  std::string_view scheme);

// Splits on ASCII spaces, dropping empty items (OAuth scope lists).
std::vector<std::string> split_scopes(std::string_view text);
std::string join_scopes(const std::vector<std::string>& scopes);

}  // namespace agm::functions
