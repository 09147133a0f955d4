#include "local/gateway/http_proxy.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "core/encoding.hpp"

namespace agm::local {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;

namespace {

// Connection-level headers (RFC 9110 section 7.6.1) belong to one hop; framing is redone.
constexpr std::array<std::string_view, 10> kHopByHop = {
    "connection", "keep-alive",        "proxy-connection", "te",   "trailer",
    "upgrade",    "transfer-encoding", "content-length",   "host", "proxy-authorization"};

bool is_hop_by_hop(std::string_view lower) {
  for (auto h : kHopByHop) {
    if (h == lower)
      return true;
  }
  return false;
}

bool is_identity_header(std::string_view lower) {
  for (const auto& [header, member] : kIdentityHeaders) {
    if (lower == header)
      return true;
  }
  return false;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

}  // namespace

std::string proxy_target(const GatewayRequest& req, const RouteMatch& match,
                         const HttpBackend& backend) {
  std::string path = backend.path;
  if (match.route->route_key == "$default") {
    if (path.ends_with('/'))
      path.pop_back();
    path += req.raw_path;
  } else {
    for (const auto& [name, value] : match.path_parameters) {
      // Guess: the raw (still percent-encoded) segment goes into the URL, keeping it a URL.
      std::string variable = "{" + name;
      std::string greedy = variable;
      greedy += "+}";
      variable += '}';
      path = replace_all(replace_all(path, greedy, value), variable, value);
    }
  }
  std::string query = backend.query;
  if (!req.raw_query.empty()) {
    if (!query.empty())
      query += '&';
    query += req.raw_query;
  }
  return query.empty() ? path : path + "?" + query;
}

ProxyRequest build_proxy_request(const GatewayRequest& req, const RouteMatch& match,
                                 const HttpBackend& backend,
                                 const std::optional<json::object>& authorizer_context) {
  ProxyRequest out{backend.host, backend.port, {}};
  auto& m = out.message;
  m.version(11);
  m.method_string(req.method);
  m.target(proxy_target(req, match, backend));
  for (const auto& [name, value] : req.headers) {
    const std::string lower = core::to_lower(name);
    if (is_hop_by_hop(lower) || is_identity_header(lower))
      continue;  // a client-sent identity header never reaches the backend
    m.insert(name, value);
  }
  m.set(http::field::host, backend.host_header);
  // Guess: HTTP APIs tell the backend who called as a reverse proxy does (Forwarded, RFC 7239).
  m.set(http::field::forwarded, "for=" + req.source_ip + ";proto=https");
  if (authorizer_context) {
    for (const auto& [header, member] : kIdentityHeaders) {
      if (auto it = authorizer_context->find(member);
          it != authorizer_context->end() && it->value().is_string()) {
        m.set(header, std::string(it->value().as_string()));
      }
    }
  }
  m.body() = req.body;
  m.prepare_payload();
  if (req.body.empty() && (req.method == "GET" || req.method == "HEAD"))
    m.erase(http::field::content_length);
  return out;
}

asio::awaitable<ProxyResult> forward(asio::any_io_executor ex, ProxyRequest request,
                                     std::chrono::milliseconds timeout, std::size_t max_body) {
  using Status = ProxyResult::Status;
  ProxyResult result;
  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(request.host, request.port,
                                                          asio::as_tuple(asio::use_awaitable));
  if (rec) {
    result.status = Status::kUnreachable;
    result.error = "cannot resolve " + request.host + ": " + rec.message();
    co_return result;
  }
  beast::tcp_stream stream(ex);
  stream.expires_after(timeout);
  auto [cec, ep] = co_await stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
  (void)ep;
  auto failed = [&](const boost::system::error_code& ec, const char* what) {
    result.status = ec == beast::error::timeout ? Status::kTimeout : Status::kUnreachable;
    result.error =
        std::string(what) + " " + request.host + ":" + request.port + ": " + ec.message();
    return result;
  };
  if (cec)
    co_return failed(cec, "cannot connect to");
  auto [wec, wn] =
      co_await http::async_write(stream, request.message, asio::as_tuple(asio::use_awaitable));
  (void)wn;
  if (wec)
    co_return failed(wec, "cannot send to");
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body);
  if (request.message.method() == http::verb::head)
    parser.skip(true);
  beast::flat_buffer buffer;
  auto [ec, n] =
      co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  (void)n;
  if (ec) {
    result = failed(ec, "no valid answer from");
    if (result.status != Status::kTimeout)
      result.status = Status::kBadResponse;
    co_return result;
  }
  auto res = parser.release();
  result.code = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    if (!is_hop_by_hop(core::to_lower(f.name_string())))
      result.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  result.body = std::move(res.body());
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return result;
}

}  // namespace agm::local
