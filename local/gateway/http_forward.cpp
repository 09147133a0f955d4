// forward(): the coroutine that sends a proxied request, in a file of its own so that the gateway
// fuzz target can link the request building (http_proxy.cpp) without it: clang 14 cannot assemble
// coroutines under the fuzzer's instrumentation ("Cannot represent a difference across sections").
#include "local/gateway/http_proxy.hpp"

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
using asio::ip::tcp;

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
