// pre-token: env -> config -> dependencies (DynamoDB registry WITHOUT cache: issuance must see a
// revocation at once) -> lambda::run_handler. Each invocation answers success (the event with the
// cnf claim) or a Runtime API error, which makes Cognito refuse the token.
#include <chrono>
#include <memory>

#include "aws/client.hpp"
#include "aws/dynamodb.hpp"
#include "core/time.hpp"
#include "functions/common/config.hpp"
#include "functions/common/main.hpp"
#include "functions/pre_token/handler.hpp"
#include "mtls/dynamo_registry.hpp"

namespace {

using agm::functions::EnvLookup;
using agm::functions::pre_token::Config;

struct Instance {
  Instance(Config c, agm::aws::ClientConfig dynamo_config, const agm::core::Logger& log)
      : config(std::move(c)),
        db(std::move(dynamo_config)),
        registry(db, config.cert_table_name, std::chrono::milliseconds(2000)),
        handler(registry, clock, log) {}

  Config config;
  agm::core::SystemClock clock;
  agm::aws::DynamoDb db;
  agm::mtls::DynamoRegistry registry;
  agm::functions::pre_token::Handler handler;
};

}  // namespace

int main() {
  return agm::functions::run_function(
      "pre-token", [](const EnvLookup& env, const agm::core::Logger& log) {
        Config config = Config::from_env(env);
        auto dynamo = agm::aws::ClientConfig::from_env("DYNAMODB", "dynamodb");
        dynamo.http.ca_file = agm::functions::discover_ca_file(env);
        // Cognito waits at most 5 s for a trigger: answer (or fail) well within it.
        dynamo.http.connect_timeout = std::chrono::milliseconds(1000);
        dynamo.http.timeout = std::chrono::milliseconds(2000);
        auto instance = std::make_shared<Instance>(std::move(config), std::move(dynamo), log);
        return agm::functions::serve(instance, instance->handler);
      });
}
