#pragma once
// The HTTPS listener of the API Gateway emulator: TLS 1.2/1.3 with a required, verified client
// certificate; routes; Lambda authorizer (payload 2.0, simple responses) with its result cache;
// integration through FunctionPool; access log. Runs on one io_context thread.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
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

 private:
  struct Response;
  struct CacheEntry {
    std::chrono::steady_clock::time_point expires;
    AuthorizerDecision decision;
  };

  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<Response> handle(GatewayRequest req, boost::json::object& log_entry);
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
