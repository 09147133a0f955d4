// agm-ssm: the SSM Parameter Store emulator of the local stack (docs/local-stack.md).
//   agm-ssm --host 127.0.0.1 --port 4583 --region us-east-1 --state-dir DIR
//           [--access-key-id local --secret-access-key local]
// HTTP/1.1 on Boost.Beast, a thread per connection: requests are small and few (mtlsctl, the PKI
// scripts, awscli), and the emulator serialises them itself.
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "core/encoding.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "local/ssm/emulator.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxBody = std::size_t{64} * 1024;  // an 8 KB value, JSON-escaped, fits

void serve(tcp::socket socket, agm::local::ssm::Emulator& emulator, const agm::core::Logger& log) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    http::read(socket, buffer, parser, ec);
    if (ec) {
      return;  // closed, timed out or malformed: nothing to answer
    }
    const auto& msg = parser.get();
    agm::aws::ReceivedRequest req{
        std::string(msg.method_string()), std::string(msg.target()), {}, msg.body()};
    for (const auto& field : msg) {
      req.headers[agm::core::to_lower(field.name_string())] = std::string(field.value());
    }
    const auto res = emulator.handle(req);
    const auto target = req.headers.find("x-amz-target");
    log.info("request", {{"target", target != req.headers.end() ? target->second : ""},
                         {"status", res.status}});
    http::response<http::string_body> out{static_cast<http::status>(res.status), 11};
    out.set(http::field::server, "agm-ssm");
    out.set(http::field::content_type, "application/x-amz-json-1.1");
    out.set("x-amzn-RequestId", "local");
    out.keep_alive(msg.keep_alive());
    out.body() = res.body;
    out.prepare_payload();
    http::write(socket, out, ec);
    if (ec || !msg.keep_alive()) {
      return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"agm-ssm: SSM Parameter Store emulator (SecureString, tiers, history, SigV4)"};
  std::string host = "127.0.0.1";
  std::uint16_t port = 4583;
  agm::local::ssm::Config config;
  app.add_option("--host", host, "address to listen on")->capture_default_str();
  app.add_option("--port", port, "port to listen on (0: any free port)")->capture_default_str();
  app.add_option("--region", config.region, "region requests must be signed for")
      ->capture_default_str();
  app.add_option("--state-dir", config.state_dir, "where parameters.json lives")->required();
  app.add_option("--access-key-id", config.credentials.access_key_id, "the accepted key id")
      ->capture_default_str();
  app.add_option("--secret-access-key", config.credentials.secret_access_key,
                 "the accepted secret");
  CLI11_PARSE(app, argc, argv);
  const agm::core::Logger log(agm::core::LogLevel::kInfo, &std::cerr, {{"service", "agm-ssm"}});
  try {
    // Created here, at start: a missing directory found on the first PutParameter is a failure
    // the caller cannot see the cause of.
    std::filesystem::create_directories(config.state_dir);
    agm::core::SystemClock clock;
    agm::local::ssm::Emulator emulator(config, clock);
    asio::io_context io;
    tcp::acceptor acceptor(io, {asio::ip::make_address(host), port});
    log.info("listening", {{"port", acceptor.local_endpoint().port()}});
    for (;;) {
      tcp::socket socket = acceptor.accept();
      std::thread([s = std::move(socket), &emulator, &log]() mutable {
        // One connection's failure (memory) ends that connection, never the emulator.
        try {
          serve(std::move(s), emulator, log);
        } catch (const std::exception& e) {
          log.error("connection failed", {{"error", e.what()}});
        }
      }).detach();
    }
  } catch (const std::exception& e) {
    std::cerr << "agm-ssm: " << e.what() << "\n";
    return 1;
  }
}
