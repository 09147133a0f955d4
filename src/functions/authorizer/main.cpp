// authorizer: env -> config -> dependencies (DynamoDB registry behind a TTL cache, JWKS cache,
// token verifier) -> lambda::run_handler. The only place of this function that reads the
// environment.
#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "aws/client.hpp"
#include "aws/dynamodb.hpp"
#include "core/time.hpp"
#include "functions/authorizer/handler.hpp"
#include "functions/common/config.hpp"
#include "functions/common/main.hpp"
#include "mtls/cached_registry.hpp"
#include "mtls/dynamo_registry.hpp"
#include "oauth/jwks.hpp"
#include "oauth/jwks_fetcher.hpp"
#include "oauth/verifier.hpp"

namespace {

using agm::functions::EnvLookup;
using agm::functions::authorizer::Config;

// Everything the handler refers to, built once per instance (cold start) and kept warm.
struct Instance {
  Instance(Config c, agm::aws::ClientConfig dynamo_config, const agm::net::HttpOptions& jwks_http,
           const agm::core::Logger& log)
      : config(std::move(c)),
        db(std::move(dynamo_config)),
        dynamo_registry(db, config.cert_table_name, std::chrono::milliseconds(1500)),
        // Misses are cached briefly (min(ttl, 5 s)) so a newly registered certificate works soon.
        registry(dynamo_registry, clock, config.registry_cache_ttl,
                 std::min(config.registry_cache_ttl, std::chrono::seconds(5))),
        fetcher(config.jwks_url, jwks_http),
        jwks(fetcher, clock),
        verifier(agm::oauth::VerifierConfig{config.region, config.user_pool_id, config.clock_skew},
                 jwks, clock),
        handler(config.settings, registry, verifier, clock, log),
        // The JWKS is fetched while the runtime waits for the first event, not during it.
        prefetch([this] { (void)jwks.prefetch(); }) {}

  Config config;
  agm::core::SystemClock clock;
  agm::aws::DynamoDb db;
  agm::mtls::DynamoRegistry dynamo_registry;
  agm::mtls::CachedRegistry registry;
  agm::oauth::HttpJwksFetcher fetcher;
  agm::oauth::JwksCache jwks;
  agm::oauth::AccessTokenVerifier verifier;
  agm::functions::authorizer::Handler handler;
  std::jthread prefetch;  // last: joined before anything it uses is destroyed
};

}  // namespace

int main() {
  return agm::functions::run_function(
      "authorizer", [](const EnvLookup& env, const agm::core::Logger& log) {
        Config config = Config::from_env(env);
        const std::string ca_file = agm::functions::discover_ca_file(env);
        auto dynamo = agm::aws::ClientConfig::from_env("DYNAMODB", "dynamodb");
        // An authorizer answer is awaited by API Gateway (10 s at most): fail fast and deny.
        dynamo.http.ca_file = ca_file;
        dynamo.http.connect_timeout = std::chrono::milliseconds(1000);
        dynamo.http.timeout = std::chrono::milliseconds(1500);
        agm::net::HttpOptions jwks_http;
        jwks_http.ca_file = ca_file;
        jwks_http.connect_timeout = std::chrono::milliseconds(1000);
        jwks_http.timeout = std::chrono::milliseconds(2000);
        jwks_http.max_response_bytes = std::size_t{256} * 1024;
        auto instance =
            std::make_shared<Instance>(std::move(config), std::move(dynamo), jwks_http, log);
        return agm::functions::serve(instance, instance->handler);
      });
}
