// agm-gateway --config FILE: the API Gateway HTTP API emulator of the local stack.
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "local/gateway/config.hpp"
#include "local/gateway/server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: agm-gateway --config FILE\n"
    "  The API Gateway HTTP API emulator with mutual TLS (see docs and docs/contract.md section "
    "3).\n";

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.starts_with("--config=")) {
      config_path = arg.substr(std::strlen("--config="));
    } else {
      std::cerr << "agm-gateway: unknown argument " << arg << "\n" << kUsage;
      return 2;
    }
  }
  if (config_path.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  // A client that goes away mid-write must not kill the gateway.
  std::signal(SIGPIPE, SIG_IGN);

  agm::core::Logger log(agm::core::LogLevel::kInfo, &std::cerr,
                        boost::json::object{{"component", "agm-gateway"}});
  try {
    agm::local::GatewayConfig config = agm::local::load_gateway_config(config_path);
    log.info("config loaded", {{"config", config_path},
                               {"functions", config.functions.size()},
                               {"routes", config.routes.size()}});
    boost::asio::io_context io;
    agm::local::Gateway gateway(io, config, log);
    log.info("tls ready", {{"cert", config.tls_cert}, {"truststore", config.tls_truststore}});
    gateway.start();
    log.info("listening", {{"host", config.host}, {"port", gateway.port()}});
    std::cout << "agm-gateway listening on https://" << config.host << ":" << gateway.port()
              << std::endl;

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec)
        return;
      log.info("stopping", {{"signal", signo}});
      gateway.stop();  // kills and reaps every function process
      io.stop();
    });
    io.run();
    gateway.stop();
    log.info("stopped");
    return 0;
  } catch (const agm::core::ConfigError& e) {
    log.error("bad configuration", {{"error", e.what()}});
    std::cerr << "agm-gateway: bad configuration: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    log.error("fatal", {{"error", e.what()}});
    std::cerr << "agm-gateway: " << e.what() << "\n";
    return 1;
  }
}
