#include "stack.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "aws/client.hpp"
#include "aws/dynamodb.hpp"
#include "core/encoding.hpp"
#include "mtls/dynamo_registry.hpp"
#include "mtls/registry.hpp"
#include "support/dynamodb_tables.hpp"

namespace agm::test {

namespace {

aws::ClientConfig dynalite_config(const test::Dynalite& d) {
  aws::ClientConfig c;
  c.region = kRegion;
  c.endpoint = d.endpoint();
  c.credentials = aws::Credentials{"AKIDTEST", "test-secret", ""};
  return c;
}

}  // namespace

FunctionStack::FunctionStack()
    : cert_a(pki.client("client-a", 30)), cert_unknown(pki.client("client-x", 30)) {
  jwks = jwks_json({key.jwk("kid-it")});
  jwks_server = std::make_unique<test::LoopbackServer>([this](const test::HttpRequest&) {
    test::HttpResponse r;
    r.headers["content-type"] = "application/json";
    r.body = jwks;
    return r;
  });
  token_server = std::make_unique<test::LoopbackServer>([](const test::HttpRequest& req) {
    test::HttpResponse r;
    r.headers["content-type"] = "application/json;charset=UTF-8";
    if (req.method != "POST" || req.target != "/oauth2/token") {
      r.status = 404;
      r.body = R"({"error":"not_found"})";
      return r;
    }
    r.body = kIssued;
    return r;
  });
  aws::DynamoDb db(dynalite_config(dynalite));
  test::create_table_and_wait(db, mtls::DynamoRegistry::create_table_request(kTable));
}

void FunctionStack::register_cert(const std::string& cert_pem, const std::string& client_id,
                                  std::optional<std::vector<std::string>> scopes) {
  aws::DynamoDb db(dynalite_config(dynalite));
  mtls::DynamoRegistry registry(db, kTable, std::chrono::milliseconds(5000));
  registry.register_new(record_for(cert_pem, client_id, std::move(scopes)));
}

std::map<std::string, std::string> FunctionStack::common_env(const FakeRuntimeApi& api) const {
  return {{"AWS_LAMBDA_RUNTIME_API", api.endpoint()},
          {"AWS_REGION", kRegion},
          {"AWS_ACCESS_KEY_ID", "AKIDTEST"},
          {"AWS_SECRET_ACCESS_KEY", "test-secret"},
          {"AWS_ENDPOINT_URL_DYNAMODB", dynalite.endpoint()},
          {"CERT_TABLE_NAME", kTable},
          {"LOG_LEVEL", "debug"}};
}

std::map<std::string, std::string> FunctionStack::authorizer_env(const FakeRuntimeApi& api) const {
  auto env = common_env(api);
  env["COGNITO_USER_POOL_ID"] = kPool;
  env["COGNITO_JWKS_URL"] = jwks_server->url() + "/" + kPool + "/.well-known/jwks.json";
  env["ROUTE_SCOPES"] = std::string("GET /health=") + kScope;
  return env;
}

std::map<std::string, std::string> FunctionStack::token_env(const FakeRuntimeApi& api) const {
  auto env = common_env(api);
  env["COGNITO_TOKEN_URL"] = token_server->url() + "/oauth2/token";
  return env;
}

std::map<std::string, std::string> FunctionStack::health_env(const FakeRuntimeApi& api) const {
  return {{"AWS_LAMBDA_RUNTIME_API", api.endpoint()}, {"LOG_LEVEL", "debug"}};
}

std::string FunctionStack::access_token(const std::string& client_id,
                                        const std::string& scope) const {
  return key.sign_jwt(json::object{{"kid", "kid-it"}},
                      access_claims(client_id, scope, agm::core::SystemClock().now()));
}

std::string FunctionStack::authorizer_event(const std::string& cert_pem,
                                            const std::string& bearer) const {
  EventSpec s;
  s.cert_pem = cert_pem;
  s.headers["authorization"] = "Bearer " + bearer;
  return json::serialize(make_event(s));
}

std::string FunctionStack::token_event(const std::string& cert_pem, const std::string& client_id,
                                       const std::string& secret) const {
  EventSpec s;
  s.route_key = "POST /token";
  s.cert_pem = cert_pem;
  s.headers["authorization"] = "Basic " + core::base64_encode(client_id + ":" + secret);
  s.headers["content-type"] = "application/x-www-form-urlencoded";
  s.body = "grant_type=client_credentials&scope=mtls-api%2Fhealth.read";
  s.body_base64 = true;
  return json::serialize(make_event(s));
}

std::string FunctionStack::health_event(const std::string& cert_pem,
                                        const std::string& approved_thumbprint) const {
  EventSpec s;
  s.cert_pem = cert_pem;
  s.authorizer_lambda =
      json::object{{"client_id", "client-a"}, {"cert_thumbprint", approved_thumbprint}};
  return json::serialize(make_event(s));
}

std::optional<long> vm_rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      long kb = 0;
      if (fields >> kb)
        return kb;
    }
  }
  return std::nullopt;
}

}  // namespace agm::test
