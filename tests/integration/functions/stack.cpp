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

namespace agm::test {

FakeRuntimeApi::FakeRuntimeApi(std::chrono::milliseconds hold)
    : hold_(hold),
      server_(std::make_unique<test::LoopbackServer>(
          [this](const test::HttpRequest& r) { return handle(r); })) {}

FakeRuntimeApi::~FakeRuntimeApi() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  server_.reset();
}

std::string FakeRuntimeApi::endpoint() const {
  return "127.0.0.1:" + std::to_string(server_->port());
}

void FakeRuntimeApi::push(const std::string& event) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    queue_.emplace_back("req-" + std::to_string(++next_id_), event);
  }
  cv_.notify_all();
}

std::size_t FakeRuntimeApi::pending() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

std::vector<FakeRuntimeApi::Result> FakeRuntimeApi::wait_results(
    std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return results_.size() >= count; });
  return results_;
}

std::optional<std::string> FakeRuntimeApi::wait_init_error(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return !init_errors_.empty(); });
  if (init_errors_.empty())
    return std::nullopt;
  return init_errors_.front();
}

test::HttpResponse FakeRuntimeApi::handle(const test::HttpRequest& request) {
  const std::string prefix = "/2018-06-01/runtime/";
  test::HttpResponse response;
  if (request.target.rfind(prefix, 0) != 0) {
    response.status = 404;
    return response;
  }
  const std::string path = request.target.substr(prefix.size());
  std::unique_lock<std::mutex> lock(mutex_);
  if (request.method == "GET" && path == "invocation/next") {
    cv_.wait_for(lock, hold_, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      response.close_connection = true;  // "the Runtime API went away": the runtime exits
      return response;
    }
    auto [id, event] = queue_.front();
    queue_.pop_front();
    const auto deadline =
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch() + std::chrono::seconds(30))
            .count();
    response.headers = {{"Lambda-Runtime-Aws-Request-Id", id},
                        {"Lambda-Runtime-Deadline-Ms", std::to_string(deadline)},
                        {"Lambda-Runtime-Invoked-Function-Arn",
                         "arn:aws:lambda:eu-west-1:123456789012:function:test"},
                        {"Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"},
                        {"Content-Type", "application/json"}};
    response.body = event;
    return response;
  }
  if (request.method == "POST" && path == "init/error") {
    init_errors_.push_back(request.body);
    cv_.notify_all();
    response.status = 202;
    response.body = R"({"status":"OK"})";
    return response;
  }
  const std::string inv = "invocation/";
  if (request.method == "POST" && path.rfind(inv, 0) == 0) {
    const auto slash = path.find('/', inv.size());
    if (slash != std::string::npos) {
      const std::string kind = path.substr(slash + 1);
      if (kind == "response" || kind == "error") {
        results_.push_back({path.substr(inv.size(), slash - inv.size()), kind, request.body});
        cv_.notify_all();
        response.status = 202;
        response.body = R"({"status":"OK"})";
        return response;
      }
    }
  }
  response.status = 404;
  return response;
}

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
  db.create_table(mtls::DynamoRegistry::create_table_request(kTable),
                  std::chrono::steady_clock::now() + std::chrono::seconds(10));
  // dynalite creates tables asynchronously (CREATING, then ACTIVE), like DynamoDB: wait for it.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (true) {
    const auto d =
        db.describe_table(kTable, std::chrono::steady_clock::now() + std::chrono::seconds(5));
    if (d && core::get_string(core::json::value(*d), "TableStatus") == "ACTIVE")
      break;
    if (std::chrono::steady_clock::now() > give_up)
      throw std::runtime_error("registry table never became ACTIVE");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
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
