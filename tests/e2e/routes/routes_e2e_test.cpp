// A team's own routes through the local stack (issue 16's acceptance): scripts/local started with
// ROUTES_FILE naming a route definition this test writes; the demo client (which may ask for every
// scope the file defines) calls the routes with curl over real mTLS.
//   GET /orders/{id}  http backend (a LoopbackServer of this test), scope orders.read
//   GET /status       http backend, authorization "none"
//   GET /whoami       function backend (the echo fixture speaking the Runtime API), orders.read
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/file.hpp"
#include "core/json.hpp"
#include "e2e/support/local_stack.hpp"
#include "mtls/certificate.hpp"
#include "support/loopback_server.hpp"
#include "support/process.hpp"

namespace agm::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kOrders = "mtls-api/orders.read";
constexpr const char* kHealth = "mtls-api/health.read";

std::string route_file(const std::string& backend_url) {
  return json::serialize(json::object{
      {"scopes", json::object{{"orders.read", "Read orders"}}},
      {"routes",
       json::object{
           {"GET /orders/{id}",
            json::object{{"integration",
                          json::object{{"type", "http"}, {"url", backend_url + "/orders/{id}"}}},
                         {"scopes", json::array{"orders.read"}}}},
           {"GET /status",
            json::object{
                {"integration", json::object{{"type", "http"}, {"url", backend_url + "/status"}}},
                {"authorization", "none"}}},
           {"GET /whoami",
            json::object{{"integration",
                          json::object{{"type", "function"},
                                       {"binary", binary_dir() + "/bin/fixture_echo_function"}}},
                         {"scopes", json::array{"orders.read"}}}}}}});
}

class RoutesE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = new std::string(make_temp_dir("agm-e2e-routes-work"));
    state_ = new std::string(make_temp_dir("agm-e2e-routes-state"));
    backend_ = new LoopbackServer([](const HttpRequest&) {
      return HttpResponse{.status = 200,
                          .headers = {{"content-type", "application/json"}},
                          .body = R"({"ok":true})"};
    });
    const std::string file = *work_ + "/routes.tfvars.json";
    write_file(file, route_file(backend_->url()));
    stack_ = new Stack(*state_, {{"ROUTES_FILE", file}});
    ready_ = stack_->wait_ready();
  }
  static void TearDownTestSuite() {
    if (stack_ != nullptr)
      stack_->terminate();
    delete stack_;
    stack_ = nullptr;
    delete backend_;  // stops the backend after the stack: nothing calls it any more
    backend_ = nullptr;
    std::filesystem::remove_all(*state_);
    std::filesystem::remove(*state_ + "-stack.log");
    std::filesystem::remove_all(*work_);
    delete work_;
    delete state_;
  }
  void SetUp() override {
    ASSERT_TRUE(ready_) << "the local stack did not start:\n" << stack_->log();
  }

  static const Stack& stack() { return *stack_; }
  static std::string token(const std::string& scope) {
    const Stack& s = stack();
    const Result t = curl(s, *work_,
                          with_cert(s.env("CLIENT_CERT"), s.env("CLIENT_KEY"),
                                    {"-u", s.env("CLIENT_ID") + ":" + s.env("CLIENT_SECRET"), "-d",
                                     "grant_type=client_credentials", "-d", "scope=" + scope,
                                     s.env("API_URL") + "/token"}));
    EXPECT_EQ(t.http, 200) << t.body;
    return json_string(t.body, "access_token");
  }
  // GET `path` with the demo client's certificate and `headers` ("Name: value").
  static Result get(const std::string& path, std::vector<std::string> headers) {
    std::vector<std::string> args;
    for (auto& h : headers) {
      args.emplace_back("-H");
      args.push_back(std::move(h));
    }
    args.push_back(stack().env("API_URL") + path);
    return curl(stack(), *work_,
                with_cert(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"), std::move(args)));
  }
  static std::string demo_thumbprint() {
    return mtls::ClientCertificate::from_pem(core::read_file(stack().env("CLIENT_CERT")))
        .thumbprint;
  }
  static std::optional<HttpRequest> last_backend_request(const std::string& prefix) {
    std::optional<HttpRequest> out;
    for (const auto& r : backend_->requests()) {
      if (r.target.starts_with(prefix))
        out = r;
    }
    return out;
  }

  static inline std::string* work_ = nullptr;
  static inline std::string* state_ = nullptr;
  static inline LoopbackServer* backend_ = nullptr;
  static inline Stack* stack_ = nullptr;
  static inline bool ready_ = false;
};

TEST_F(RoutesE2E, HttpRouteWithTheScopeReachesTheBackendWithTheCallersIdentity) {
  const std::string jwt = token(kOrders);
  const Result r = get("/orders/42", {"Authorization: Bearer " + jwt, "X-Mtls-Client-Id: forged",
                                      "x-mtls-cert-thumbprint: forged", "x-mtls-scope: forged"});
  ASSERT_EQ(r.http, 200) << r.body << "\n" << stack().part_log("gateway");
  EXPECT_EQ(r.body, R"({"ok":true})");
  const auto seen = last_backend_request("/orders/42");
  ASSERT_TRUE(seen);
  // The identity comes from the authorizer, never from the client.
  EXPECT_EQ(seen->headers.at("x-mtls-client-id"), stack().env("CLIENT_ID"));
  EXPECT_EQ(seen->headers.at("x-mtls-cert-thumbprint"), demo_thumbprint());
  EXPECT_NE(seen->headers.at("x-mtls-scope").find(kOrders), std::string::npos);
  for (const auto& [name, value] : seen->headers)
    EXPECT_EQ(value.find("forged"), std::string::npos) << name << ": " << value;
}

TEST_F(RoutesE2E, TokenOfTheSameClientWithoutTheRoutesScopeIs403) {
  const std::string jwt = token(kHealth);
  const auto before = backend_->requests().size();
  const Result r = get("/orders/42", {"Authorization: Bearer " + jwt});
  EXPECT_EQ(r.http, 403) << r.body;
  EXPECT_EQ(backend_->requests().size(), before) << "the backend was called without the scope";
  // The same token is good where its scope is the route's.
  EXPECT_EQ(get("/health", {"Authorization: Bearer " + jwt}).http, 200);
  EXPECT_EQ(get("/orders/42", {}).http, 401);  // no token at all
}

TEST_F(RoutesE2E, NoneRouteReachesItsBackendWithoutATokenAndWithoutIdentity) {
  const Result r = get("/status", {"x-mtls-client-id: forged"});
  ASSERT_EQ(r.http, 200) << r.body;
  const auto seen = last_backend_request("/status");
  ASSERT_TRUE(seen);
  EXPECT_FALSE(seen->headers.contains("x-mtls-client-id")) << seen->headers.at("x-mtls-client-id");
  EXPECT_FALSE(seen->headers.contains("authorization"));
  // Still behind mTLS: without a client certificate there is no TLS session at all.
  const Result bare = curl(stack(), *work_, {stack().env("API_URL") + "/status"});
  EXPECT_NE(bare.exit_code, 0);
  EXPECT_EQ(bare.http, 0);
}

TEST_F(RoutesE2E, FunctionRouteReadsTheAuthorizersContext) {
  const Result r = get("/whoami", {"Authorization: Bearer " + token(kOrders)});
  ASSERT_EQ(r.http, 201) << r.body;
  const auto body = core::parse_json(r.body);
  ASSERT_TRUE(body) << r.body;
  const json::value* lambda =
      core::find_path(*body, {"event", "requestContext", "authorizer", "lambda"});
  ASSERT_NE(lambda, nullptr) << r.body;
  EXPECT_EQ(core::get_string(*lambda, "client_id"), stack().env("CLIENT_ID"));
  EXPECT_EQ(core::get_string(*lambda, "cert_thumbprint"), demo_thumbprint());
  EXPECT_NE(std::string(core::get_string(*lambda, "scope").value_or("")).find(kOrders),
            std::string::npos);
  EXPECT_FALSE(std::string(core::get_string(*lambda, "cert_not_after").value_or("")).empty());
  EXPECT_EQ(get("/whoami", {"Authorization: Bearer " + token(kHealth)}).http, 403);
}

// A route definition the Terraform module would refuse stops scripts/local before anything runs,
// with the finding named.
TEST(RoutesE2EBadFile, UndefinedScopeStopsTheStackWithAClearError) {
  const std::string work = make_temp_dir("agm-e2e-routes-bad");
  const std::string file = work + "/routes.tfvars.json";
  write_file(file, R"({"scopes": {}, "routes": {"GET /x": {
      "integration": {"type": "http", "url": "http://127.0.0.1:9/x"}, "scopes": ["orders.write"]}}})");
  {
    Stack stack(work + "/state", {{"ROUTES_FILE", file}});
    EXPECT_FALSE(stack.wait_ready(60s));
    const auto status = stack.terminate();
    const std::string log = stack.log();
    EXPECT_NE(log.find("orders.write"), std::string::npos) << log;
    EXPECT_NE(log.find("is refused"), std::string::npos) << log;
    EXPECT_EQ(log.find("DynamoDB (dynalite) on"), std::string::npos) << "started parts: " << log;
    (void)status;
  }
  std::filesystem::remove_all(work);
}

}  // namespace
}  // namespace agm::test
