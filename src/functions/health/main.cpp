// health: env (LOG_LEVEL only: it needs neither the registry nor Cognito) -> lambda::run_handler.
#include <memory>

#include "core/time.hpp"
#include "functions/common/main.hpp"
#include "functions/health/handler.hpp"

int main() {
  return agm::functions::run_function(
      "health", [](const agm::functions::EnvLookup& /*env*/, const agm::core::Logger& log) {
        struct Instance {
          explicit Instance(const agm::core::Logger& l) : handler(clock, l) {}
          agm::core::SystemClock clock;
          agm::functions::health::Handler handler;
        };
        auto instance = std::make_shared<Instance>(log);
        return agm::functions::serve(instance, instance->handler);
      });
}
