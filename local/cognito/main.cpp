// agm-cognito: the Cognito user pool emulator of the local stack (docs/local-stack.md).
//   agm-cognito --host 127.0.0.1 --port 9229 --region us-east-1 --user-pool-id us-east-1_LocalPool
//               --state-dir DIR [--resource-server-scopes mtls-api/health.read ...]
// HTTP/1.1 on Boost.Beast, one thread, asynchronous: requests are short and the state is small.
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <iostream>
#include <memory>

#include "core/encoding.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "local/cognito/emulator.hpp"
#include "local/runtime/function_pool.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using agm::local::cognito::Emulator;

constexpr std::size_t kMaxBody =
    std::size_t{1024} * 1024;                            // IdP requests and token forms are small
constexpr auto kIdleTimeout = std::chrono::seconds(30);  // slow or idle clients are dropped

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Emulator& emulator, const agm::core::Logger& log,
          agm::local::FunctionPool* pre_token)
      : stream_(std::move(socket)), emulator_(emulator), log_(log), pre_token_(pre_token) {}

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxBody);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(kIdleTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset)
      return close();
    if (ec) {
      // Oversized or malformed request: answer 400/413 once and close.
      const bool too_big = ec == http::error::body_limit || ec == http::error::header_limit;
      respond(too_big ? 413 : 400, agm::local::cognito::kJsonContentType,
              too_big ? R"({"message":"Request Too Large"})" : R"({"message":"Bad Request"})",
              false);
      return;
    }
    const auto& msg = parser_->get();
    agm::local::cognito::Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& field : msg) {
      auto name = agm::core::to_lower(field.name_string());
      auto& slot = req.headers[name];
      if (!slot.empty())
        slot += ',';
      slot += field.value();
    }
    req.body = msg.body();
    if (pre_token_ != nullptr && emulator_.is_token_request(req)) {
      auto checked = emulator_.check_token_request(req);
      if (auto* error = std::get_if<agm::local::cognito::Response>(&checked)) {
        log_request(req, error->status);
        return respond(error->status, error->content_type, error->body, msg.keep_alive());
      }
      asio::co_spawn(stream_.get_executor(),
                     run_trigger(shared_from_this(),
                                 std::get<agm::local::cognito::TokenGrant>(std::move(checked)), req,
                                 msg.keep_alive()),
                     asio::detached);
      return;
    }
    const auto res = emulator_.handle(req);
    log_request(req, res.status);
    respond(res.status, res.content_type, res.body, msg.keep_alive());
  }

  // The token request with the pre token generation trigger: invoke the function (through a
  // Lambda Runtime API, as the gateway runs functions), then sign with its answer applied.
  static asio::awaitable<void> run_trigger(std::shared_ptr<Session> self,
                                           agm::local::cognito::TokenGrant grant,
                                           agm::local::cognito::Request req, bool keep_alive) {
    const std::string event = boost::json::serialize(self->emulator_.pre_token_event(grant));
    const agm::local::InvokeResult result = co_await self->pre_token_->invoke(event);
    agm::local::cognito::Response res;
    if (result.status == agm::local::InvokeStatus::kOk) {
      res = self->emulator_.finish_token(grant, result.payload);
    } else {
      self->log_.warn("pre token generation trigger failed",
                      {{"status", std::string(agm::local::to_string(result.status))},
                       {"client_id", grant.client_id}});
      res = Emulator::trigger_failed();
    }
    self->log_request(req, res.status);
    self->respond(res.status, res.content_type, res.body, keep_alive);
  }

  void log_request(const agm::local::cognito::Request& req, int status) {
    const auto target = req.headers.find("x-amz-target");
    log_.info("request", {{"method", req.method},
                          {"path", req.target.substr(0, req.target.find('?'))},
                          {"target", target != req.headers.end() ? target->second : std::string()},
                          {"status", status}});
  }

  void respond(int status, const std::string& content_type, std::string body, bool keep_alive) {
    auto res =
        std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::server, "agm-cognito");
    res->set(http::field::content_type, content_type);
    res->set(http::field::cache_control, "no-store");
    res->keep_alive(keep_alive);
    res->body() = std::move(body);
    res->prepare_payload();
    stream_.expires_after(kIdleTimeout);
    http::async_write(
        stream_, *res,
        [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
          if (ec || !keep_alive)
            return self->close();
          self->read();
        });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Emulator& emulator_;
  const agm::core::Logger& log_;
  agm::local::FunctionPool* pre_token_;  // null: no trigger configured
};

void accept(tcp::acceptor& acceptor, Emulator& emulator, const agm::core::Logger& log,
            agm::local::FunctionPool* pre_token) {
  acceptor.async_accept([&, pre_token](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted)
      return;
    if (!ec)
      std::make_shared<Session>(std::move(socket), emulator, log, pre_token)->start();
    accept(acceptor, emulator, log, pre_token);
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"agm-cognito: Cognito user pool emulator (token endpoint, JWKS, IdP API subset)"};
  std::string host = "127.0.0.1";
  std::uint16_t port = 9229;
  agm::local::cognito::Config config;
  std::string log_level = "info";
  std::string pre_token_command;
  std::vector<std::string> pre_token_env;
  app.add_option("--host", host, "address to listen on")->capture_default_str();
  app.add_option("--port", port, "port to listen on (0: any free port)")->capture_default_str();
  app.add_option("--region", config.region, "AWS region of the pool")->capture_default_str();
  app.add_option("--user-pool-id", config.user_pool_id, "the pool's id")->capture_default_str();
  app.add_option("--state-dir", config.state_dir, "where clients, resource servers and keys live")
      ->required();
  app.add_option("--resource-server-scopes", config.resource_server_scopes,
                 "identifier/scope entries created at start when missing (e.g. "
                 "mtls-api/health.read)");
  app.add_option("--pre-token-generation-command", pre_token_command,
                 "a Lambda function binary (Runtime API client) run as the pool's pre token "
                 "generation trigger, event version V3_0");
  app.add_option("--pre-token-generation-env", pre_token_env,
                 "KEY=VALUE environment of the trigger function (repeatable)");
  app.add_option("--log-level", log_level, "debug, info, warn, error, off")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto level = agm::core::parse_log_level(log_level);
  if (!level) {
    std::cerr << "agm-cognito: --log-level: unknown level " << log_level << "\n";
    return 2;
  }
  const agm::core::Logger log(*level, &std::cerr, {{"service", "agm-cognito"}});
  try {
    const agm::core::SystemClock clock;
    config.pre_token_trigger = !pre_token_command.empty();
    Emulator emulator(config, clock);

    asio::io_context io;
    std::unique_ptr<agm::local::FunctionPool> pre_token;
    if (!pre_token_command.empty()) {
      agm::local::FunctionConfig fc;
      fc.name = "pre-token";
      fc.command = {pre_token_command};
      for (const auto& kv : pre_token_env) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
          std::cerr << "agm-cognito: --pre-token-generation-env wants KEY=VALUE, got " << kv
                    << "\n";
          return 2;
        }
        fc.env[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
      // Cognito gives a Lambda trigger 5 seconds to answer.
      fc.timeout = std::chrono::seconds(5);
      fc.max_concurrency = 2;
      fc.region = config.region;
      pre_token = std::make_unique<agm::local::FunctionPool>(io, fc, log);
    }
    tcp::acceptor acceptor(io);
    const tcp::endpoint endpoint(asio::ip::make_address(host), port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    accept(acceptor, emulator, log, pre_token.get());

    asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](beast::error_code, int sig) {
      log.info("stopping", {{"signal", sig}});
      beast::error_code ignored;
      acceptor.close(ignored);
      if (pre_token)
        pre_token->shutdown();  // kills and reaps the trigger's processes
      io.stop();
    });
    std::cout << "agm-cognito listening on http://" << host << ":"
              << acceptor.local_endpoint().port() << std::endl;
    log.info("listening", {{"port", acceptor.local_endpoint().port()},
                           {"user_pool_id", config.user_pool_id},
                           {"issuer", emulator.issuer()}});
    io.run();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "agm-cognito: " << e.what() << "\n";
    return 1;
  }
}
