#include "functions/common/main.hpp"

#include <openssl/crypto.h>

#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "metrics/recorder.hpp"

namespace agm::functions {

int run_function(std::string_view function_name, const HandlerFactory& build) {
  // No openssl.cnf: the image has none, and a host's must not change what a function accepts
  // when it runs outside one (tests, the local stack). Parsing Debian's also costs ~0.4 ms.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
  // OpenSSL's one-time tables are built on a second thread while this one builds the handler
  // and waits for the first event; joined when run_function returns.
  const std::jthread warm_up(core::warm_up_crypto);
  const EnvLookup env = process_env();
  const core::json::object base{{"function", function_name}};
  std::optional<core::Logger> logger;
  std::string message;
  std::string type;
  try {
    logger.emplace(log_level(env), &std::cerr, base);
    metrics::install(
        std::cout,
        optional_env(env, "AWS_LAMBDA_FUNCTION_NAME").value_or(std::string(function_name)));
    lambda::handler_fn handler = build(env, *logger);
    logger->info("function initialised");
    return lambda::run_handler(handler);
  } catch (const core::ConfigError& e) {
    message = std::string("invalid configuration: ") + e.what();
    type = "Runtime.InvalidConfiguration";
  } catch (const std::exception& e) {
    message = std::string("initialisation failed: ") + e.what();
    type = "Runtime.InitError";
  }
  // LOG_LEVEL itself may be what failed: log this line regardless of level.
  const core::Logger fallback(core::LogLevel::kDebug, &std::cerr, base);
  (logger ? *logger : fallback).error("init failed", {{"error", message}, {"error_type", type}});
  if (!lambda::report_init_error(message, type))
    fallback.error("could not report the init error to the Runtime API");
  return 1;
}

}  // namespace agm::functions
