// watcher: env -> config -> dependencies (the DynamoDB registry, S3 for the truststore, API
// Gateway for its warnings, SNS for the notification; each only when configured) ->
// lambda::run_handler. One invocation per Scheduler run.
#include <chrono>
#include <memory>
#include <optional>

#include "aws/apigateway.hpp"
#include "aws/client.hpp"
#include "aws/dynamodb.hpp"
#include "aws/s3.hpp"
#include "aws/sns.hpp"
#include "core/time.hpp"
#include "functions/common/config.hpp"
#include "functions/common/main.hpp"
#include "functions/watcher/handler.hpp"
#include "mtls/dynamo_registry.hpp"

namespace {

using agm::functions::EnvLookup;
using agm::functions::watcher::Config;
namespace aws = agm::aws;

// Each call gets this budget (retries included); the function's timeout is 60 s.
constexpr std::chrono::seconds kCallBudget{10};

aws::ClientConfig client(std::string_view suffix, std::string_view host, const EnvLookup& env) {
  auto config = aws::ClientConfig::from_env(suffix, host);
  config.http.ca_file = agm::functions::discover_ca_file(env);
  return config;
}

aws::Deadline deadline() {
  return aws::Deadline::clock::now() + kCallBudget;
}

struct Instance {
  Instance(Config c, const EnvLookup& env)
      : config(std::move(c)),
        db(client("DYNAMODB", "dynamodb", env)),
        registry(db, config.cert_table_name, std::chrono::milliseconds(kCallBudget)) {
    if (!config.truststore_uri.empty()) {
      s3.emplace(client("S3", "s3", env));
    }
    if (!config.domain_name.empty()) {
      apigateway.emplace(client("APIGATEWAY", "apigateway", env));
    }
    if (!config.alert_topic_arn.empty()) {
      sns.emplace(client("SNS", "sns", env));
    }
  }

  agm::mtls::ExpirySources sources() {
    agm::mtls::ExpirySources out;
    out.registry = [this] { return registry.list(std::nullopt); };
    if (s3) {
      out.truststore = [this] {
        const auto at = aws::parse_s3_uri(config.truststore_uri);
        if (!at) {
          throw agm::core::Error("config", "TRUSTSTORE_URI is not s3://bucket/key");
        }
        return s3->get_object(at->bucket, at->key, deadline());
      };
    }
    if (apigateway) {
      out.truststore_warnings = [this] {
        return apigateway->truststore_warnings(config.domain_name, deadline());
      };
    }
    return out;
  }

  agm::functions::watcher::Notifier notifier() {
    if (!sns) {
      return {};
    }
    return [this](const std::string& subject, const std::string& message) {
      (void)sns->publish(config.alert_topic_arn, subject, message, deadline());
    };
  }

  Config config;
  agm::core::SystemClock clock;
  aws::DynamoDb db;
  agm::mtls::DynamoRegistry registry;
  std::optional<aws::S3> s3;
  std::optional<aws::ApiGatewayV2> apigateway;
  std::optional<aws::Sns> sns;
  std::optional<agm::functions::watcher::Handler> handler;
};

}  // namespace

int main() {
  return agm::functions::run_function(
      "watcher", [](const EnvLookup& env, const agm::core::Logger& log) {
        auto instance = std::make_shared<Instance>(Config::from_env(env), env);
        instance->handler.emplace(instance->sources(), instance->notifier(),
                                  instance->config.window, instance->clock, log);
        return agm::functions::serve(instance, *instance->handler);
      });
}
