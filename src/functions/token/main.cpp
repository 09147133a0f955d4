// token: env -> config -> dependencies (DynamoDB registry WITHOUT cache, Cognito token endpoint
// client on one kept-alive connection) -> lambda::run_handler.
#include <chrono>
#include <memory>

#include "aws/client.hpp"
#include "aws/dynamodb.hpp"
#include "core/time.hpp"
#include "functions/common/config.hpp"
#include "functions/common/main.hpp"
#include "functions/token/handler.hpp"
#include "mtls/dynamo_registry.hpp"
#include "oauth/token_client.hpp"

namespace {

using agm::functions::EnvLookup;
using agm::functions::token::Config;

struct Instance {
  Instance(Config c, agm::aws::ClientConfig dynamo_config, agm::net::HttpOptions cognito_http,
           const agm::core::Logger& log)
      : config(std::move(c)),
        db(std::move(dynamo_config)),
        registry(db, config.cert_table_name, std::chrono::milliseconds(2000)),
        endpoint(config.token_url, std::move(cognito_http)),
        handler(config.settings, registry, endpoint, clock, log) {}

  Config config;
  agm::core::SystemClock clock;
  agm::aws::DynamoDb db;
  agm::mtls::DynamoRegistry registry;
  agm::oauth::TokenEndpointClient endpoint;
  agm::functions::token::Handler handler;
};

}  // namespace

int main() {
  return agm::functions::run_function(
      "token", [](const EnvLookup& env, const agm::core::Logger& log) {
        Config config = Config::from_env(env);
        const std::string ca_file = agm::functions::discover_ca_file(env);
        auto dynamo = agm::aws::ClientConfig::from_env("DYNAMODB", "dynamodb");
        dynamo.http.ca_file = ca_file;
        dynamo.http.connect_timeout = std::chrono::milliseconds(1000);
        dynamo.http.timeout = std::chrono::milliseconds(2000);
        agm::net::HttpOptions cognito_http;
        cognito_http.ca_file = ca_file;
        cognito_http.connect_timeout = std::chrono::milliseconds(2000);
        cognito_http.timeout = std::chrono::milliseconds(5000);
        cognito_http.max_response_bytes = std::size_t{256} * 1024;
        auto instance = std::make_shared<Instance>(std::move(config), std::move(dynamo),
                                                   std::move(cognito_http), log);
        return agm::functions::serve(instance, instance->handler);
      });
}
