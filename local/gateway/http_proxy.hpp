#pragma once
// HTTP_PROXY integrations: the request goes to the backend as the client sent it (method,
// headers, body, query string), with the route's path variables put into the integration URL,
// and the backend's answer goes back as it is
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html).
// The caller's identity reaches the backend only through x-mtls-client-id, x-mtls-cert-thumbprint
// and x-mtls-scope, set from the authorizer's context; headers of those names sent by the client
// are always removed first (docs/contract.md section 9), so they cannot be forged.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "local/gateway/config.hpp"
#include "local/gateway/events.hpp"

namespace agm::local {

// The identity headers and the authorizer context member each carries.
inline constexpr std::pair<const char*, const char*> kIdentityHeaders[] = {
    {"x-mtls-client-id", "client_id"},
    {"x-mtls-cert-thumbprint", "cert_thumbprint"},
    {"x-mtls-scope", "scope"},
};

struct ProxyRequest {
  std::string host;
  std::string port;
  boost::beast::http::request<boost::beast::http::string_body> message;
};

// The request for `backend` (pure). `authorizer_context`: the authorizer's context on an `mtls`
// route (its identity members become the identity headers); nullopt on a `none` route (the
// identity headers are only removed).
ProxyRequest build_proxy_request(const GatewayRequest& req, const RouteMatch& match,
                                 const HttpBackend& backend,
                                 const std::optional<boost::json::object>& authorizer_context);

// The backend's path and query for this request: `{name}` / `{name+}` in the URL's path replaced
// by the route's path variables; for the $default route the request's path appended to the URL's
// path, as API Gateway sends "the full request path" there; the URL's query then the request's.
std::string proxy_target(const GatewayRequest& req, const RouteMatch& match,
                         const HttpBackend& backend);

struct ProxyResult {
  enum class Status { kOk, kUnreachable, kTimeout, kBadResponse };
  Status status = Status::kOk;
  int code = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string error;  // for the log when not kOk
};

// A connection-level header (RFC 9110 section 7.6.1), by lower-cased name: not forwarded.
bool is_hop_by_hop(std::string_view lower);

// Sends the request on a fresh connection and reads the whole answer, bounded by `timeout` and
// `max_body` bytes. Never throws. The executor is passed in rather than read with
// `co_await this_coro::executor`, which clang-analyzer misreads as an uninitialized call.
boost::asio::awaitable<ProxyResult> forward(boost::asio::any_io_executor ex, ProxyRequest request,
                                            std::chrono::milliseconds timeout,
                                            std::size_t max_body);

}  // namespace agm::local
