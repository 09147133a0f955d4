#pragma once
// The skeleton every function's main() shares:
//   env -> LOG_LEVEL -> logger -> build(config, dependencies) -> lambda::run_handler.
// A core::ConfigError while building is reported to the Runtime API (/runtime/init/error) with
// errorType "Runtime.InvalidConfiguration" and a message naming the variable; any other exception
// is reported as "Runtime.InitError". Either way the process exits 1 (Lambda then restarts it).
#include <functional>
#include <string_view>

#include "core/log.hpp"
#include "functions/common/config.hpp"
#include "lambda/runtime.hpp"

namespace agm::functions {

// `build` may throw; it returns the handler, which owns (via captures) everything it needs.
using HandlerFactory =
    std::function<lambda::handler_fn(const EnvLookup& env, const core::Logger& logger)>;

int run_function(std::string_view function_name, const HandlerFactory& build);

// Wraps a pure "payload text in, payload text out" handler as a Runtime API handler. `handle`
// must not throw (handlers catch everything); if it still does, the Runtime API error path of
// lambda::run_handler reports it and the loop goes on.
lambda::handler_fn json_handler(std::function<std::string(std::string_view payload)> handle);

}  // namespace agm::functions
