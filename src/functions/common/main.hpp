#pragma once
// The skeleton every function's main() shares:
//   env -> LOG_LEVEL -> logger -> build(config, dependencies) -> lambda::run_handler.
// A core::ConfigError while building is reported to the Runtime API (/runtime/init/error) with
// errorType "Runtime.InvalidConfiguration" and a message naming the variable; any other exception
// is reported as "Runtime.InitError". Either way the process exits 1 (Lambda then restarts it).
#include <functional>
#include <memory>
#include <string_view>

#include "core/log.hpp"
#include "functions/common/config.hpp"
#include "lambda/runtime.hpp"

namespace agm::functions {

// `build` may throw; it returns the handler, which owns (via captures) everything it needs.
using HandlerFactory =
    std::function<lambda::handler_fn(const EnvLookup& env, const core::Logger& logger)>;

int run_function(std::string_view function_name, const HandlerFactory& build);

// The edge every function shares: the invocation's payload parsed ONCE into the handler's typed
// `Request` (Request::parse(payload, Lambda request id)), `handle` (never throws), its typed
// result turned into the Runtime API answer (Response::to_invocation). If parsing or serializing
// still throws (memory), the handler's `fallback()` is the answer.
template <typename Handler>
lambda::invocation_response invoke(const Handler& handler,
                                   const lambda::invocation_request& invocation) {
  try {
    return handler.handle(Handler::Request::parse(invocation.payload, invocation.request_id))
        .to_invocation();
  } catch (...) {
    return Handler::fallback();
  }
}

// The Runtime API handler for `handler`, which `owner` keeps alive (the function's dependencies).
template <typename Handler>
lambda::handler_fn serve(std::shared_ptr<const void> owner, const Handler& handler) {
  return [owner = std::move(owner), &handler](const lambda::invocation_request& invocation) {
    return invoke(handler, invocation);
  };
}

}  // namespace agm::functions
