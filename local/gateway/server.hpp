#pragma once
// The HTTPS listener of the API Gateway emulator: TLS 1.2/1.3 with a required, verified client
// certificate; routes; Lambda authorizer (payload 2.0, simple responses) with its result cache;
// integration through FunctionPool; access log. Runs on one io_context thread.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>
#include <string>

#include "core/log.hpp"
#include "local/gateway/config.hpp"
#include "local/gateway/events.hpp"
#include "local/runtime/function_pool.hpp"

namespace agm::local {

class Gateway {
 public:
  // Loads the TLS material; throws core::ConfigError naming the file on any problem.
  Gateway(boost::asio::io_context& io, GatewayConfig config, const core::Logger& log);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Binds and starts accepting; throws core::ConfigError("listen", ...) when it cannot bind.
  void start();
  // Stops accepting and shuts every function pool down (children killed and reaped). Idempotent.
  void stop();
  [[nodiscard]] std::uint16_t port() const;

  struct Response;  // an answer: status, headers, body

 private:
  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  struct Peer;
  struct CacheEntry {
    std::chrono::steady_clock::time_point expires;
    AuthorizerDecision decision;
  };

  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);
  // The handshake and the client certificate; nullopt: the connection is closed.
  boost::asio::awaitable<std::optional<Peer>> handshake(Stream& stream, std::string ip);
  // Reads one request into `parser`, or sets `early` to the answer given without routing it.
  // false: nothing to answer (closed, timed out, cut short).
  boost::asio::awaitable<bool> read_request(
      Stream& stream, boost::beast::flat_buffer& buffer,
      boost::beast::http::request_parser<boost::beast::http::string_body>& parser, bool refused,
      std::optional<Response>& early);
  boost::beast::http::response<boost::beast::http::string_body> http_response(
      Response res, const std::string& request_id, bool keep_alive) const;
  // Routes the request: authorizer, then the function or the HTTP backend.
  boost::asio::awaitable<Response> handle(const GatewayRequest& req,
                                          boost::json::object& log_entry);
  // The authorizer's answer for an `mtls` route: nullopt (authorized; `context` set) or the
  // refusal to send.
  boost::asio::awaitable<std::optional<Response>> authorize(
      const RouteMatch& match, const GatewayRequest& req, boost::json::object& log_entry,
      std::optional<boost::json::object>& context);
  boost::asio::awaitable<Response> invoke_function(
      const RouteMatch& match, const GatewayRequest& req, boost::json::object& log_entry,
      const std::optional<boost::json::object>& context);
  boost::asio::awaitable<Response> proxy_http(const RouteMatch& match, const GatewayRequest& req,
                                              boost::json::object& log_entry,
                                              const std::optional<boost::json::object>& context);
  void log_access(boost::json::object& entry, const GatewayRequest& req, const Peer& peer,
                  int status, std::size_t length);
  void write_access_log(const boost::json::object& entry);

  boost::asio::io_context& io_;
  GatewayConfig config_;
  const core::Logger& log_;
  boost::asio::ssl::context ssl_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::map<std::string, std::unique_ptr<FunctionPool>> pools_;
  std::map<std::string, CacheEntry> auth_cache_;
  std::ofstream access_file_;
  std::ostream* access_out_ = nullptr;
  // Shared with each session's coroutine frame: frames still suspended when the gateway goes away
  // are destroyed later, with the io_context, and must not touch the gateway then.
  std::shared_ptr<std::size_t> sessions_ = std::make_shared<std::size_t>(0);
  bool stopped_ = false;
};

}  // namespace agm::local
