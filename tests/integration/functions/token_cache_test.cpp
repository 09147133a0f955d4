// The token cache through the real token binary against the real Cognito emulator (agm-cognito):
// the emulator's own request log counts the calls that reach its token endpoint. 1,000 requests
// of one client with one certificate reach it once; a wrong secret goes through (and is refused
// there); with TOKEN_CACHE=false every request reaches it.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "net/http.hpp"
#include "stack.hpp"

namespace agm::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPool = "us-east-1_LocalPool";

std::string bin(const std::string& name) {
  return test::binary_dir() + "/bin/" + name;
}

// How many requests reached the emulator's token endpoint (one log line per request).
std::size_t token_calls(const std::string& log) {
  std::size_t n = 0;
  const std::string needle = R"("path":"/oauth2/token")";
  for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1))
    ++n;
  return n;
}

class TokenCacheIT : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/agm-token-cache-it-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
    port = test::free_port();
    cognito = std::make_unique<ChildProcess>(
        std::vector<std::string>{bin("agm-cognito"), "--host", "127.0.0.1", "--port",
                                 std::to_string(port), "--user-pool-id", kPool, "--state-dir",
                                 dir + "/state", "--resource-server-scopes", FunctionStack::kScope},
        std::map<std::string, std::string>{}, true, log());
    ASSERT_TRUE(test::wait_for_port(port, 15s)) << read_file(log());
    // A client_credentials app client with a secret (CreateUserPoolClient; the emulator checks
    // the shape of SigV4, not the signature).
    net::HttpClient http;
    net::HttpRequest create;
    create.method = "POST";
    create.url = base() + "/";
    create.headers = {
        {"Content-Type", "application/x-amz-json-1.1"},
        {"X-Amz-Target", "AWSCognitoIdentityProviderService.CreateUserPoolClient"},
        {"X-Amz-Date", "20261127T000000Z"},
        {"Authorization",
         "AWS4-HMAC-SHA256 Credential=local/20261127/us-east-1/cognito-idp/aws4_request, "
         "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" +
             std::string(64, '0')}};
    create.body = core::json::serialize(
        core::json::object{{"UserPoolId", kPool},
                           {"ClientName", "cache-it"},
                           {"GenerateSecret", true},
                           {"AllowedOAuthFlows", core::json::array{"client_credentials"}},
                           {"AllowedOAuthScopes", core::json::array{FunctionStack::kScope}},
                           {"AllowedOAuthFlowsUserPoolClient", true}});
    const auto created = http.send(create);
    ASSERT_EQ(created.status, 200) << created.body;
    const auto v = core::parse_json(created.body).value();
    client_id = core::get_string_path(v, {"UserPoolClient", "ClientId"}).value_or("");
    secret = core::get_string_path(v, {"UserPoolClient", "ClientSecret"}).value_or("");
    stack = std::make_unique<FunctionStack>();
    stack->register_cert(stack->cert_a.cert_pem, client_id);
  }
  static void TearDownTestSuite() {
    stack.reset();
    cognito.reset();  // stops the emulator
    std::filesystem::remove_all(dir);
  }
  static std::string base() { return "http://127.0.0.1:" + std::to_string(port); }
  static std::string log() { return dir + "/cognito.log"; }

  // Runs the token binary on `events`; returns the answers' bodies (the HTTP results).
  static std::vector<core::json::value> run(
      const std::vector<std::string>& events,
      const std::map<std::string, std::string>& extra_env = {}) {
    FakeRuntimeApi api;
    for (const auto& e : events)
      api.push(e);
    auto env = stack->token_env(api);
    env["COGNITO_TOKEN_URL"] = base() + "/oauth2/token";
    env["LOG_LEVEL"] = "warn";
    for (const auto& [k, val] : extra_env)
      env[k] = val;
    const std::string fn_log = dir + "/token.log";
    ChildProcess fn({bin("token")}, env, false, fn_log);
    const auto results = api.wait_results(events.size(), 120s);
    fn.stop();
    std::vector<core::json::value> out;
    for (const auto& r : results) {
      const auto result = core::parse_json(r.body).value();
      out.push_back(result);
    }
    EXPECT_EQ(out.size(), events.size()) << read_file(fn_log);
    return out;
  }
  static int status(const core::json::value& result) {
    return static_cast<int>(core::get_int(result, "statusCode").value_or(0));
  }
  static std::string field(const core::json::value& result, std::string_view name) {
    const auto body = core::parse_json(core::get_string(result, "body").value_or(""));
    if (!body)
      return {};
    if (const auto s = core::get_string(*body, name))
      return std::string(*s);
    if (const auto i = core::get_int(*body, name))
      return std::to_string(*i);
    return {};
  }

  // One emulator and one stack per suite (SetUpTestSuite), so the statics own them.
  static inline std::string dir;
  static inline std::uint16_t port = 0;
  static inline std::unique_ptr<ChildProcess> cognito;
  static inline std::string client_id;
  static inline std::string secret;
  static inline std::unique_ptr<FunctionStack> stack;
};

TEST_F(TokenCacheIT, AThousandRequestsReachCognitoOnceAndAWrongSecretIsNotServed) {
  const std::size_t before = token_calls(read_file(log()));
  const std::string good = stack->token_event(stack->cert_a.cert_pem, client_id, secret);
  std::vector<std::string> events(1000, good);
  events.insert(events.begin() + 500,
                stack->token_event(stack->cert_a.cert_pem, client_id, "a-wrong-secret"));
  const auto results = run(events);
  ASSERT_EQ(results.size(), 1001U);
  const std::string first = field(results[0], "access_token");
  ASSERT_FALSE(first.empty()) << core::json::serialize(results[0]);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i == 500) {
      EXPECT_EQ(status(results[i]), 400) << core::json::serialize(results[i]);
      EXPECT_EQ(field(results[i], "error"), "invalid_client");
      EXPECT_TRUE(field(results[i], "access_token").empty());
      continue;
    }
    ASSERT_EQ(status(results[i]), 200) << i;
    ASSERT_EQ(field(results[i], "access_token"), first) << i;
    const int left = std::stoi(field(results[i], "expires_in"));
    EXPECT_GT(left, 3240) << i;  // Cognito's default hour less the margin
    EXPECT_LE(left, 3600) << i;
  }
  // One call for the token, one for the wrong secret (which Cognito refused).
  EXPECT_EQ(token_calls(read_file(log())) - before, 2U);
}

TEST_F(TokenCacheIT, WithTokenCacheFalseEveryRequestReachesCognito) {
  const std::size_t before = token_calls(read_file(log()));
  const std::vector<std::string> events(
      1000, stack->token_event(stack->cert_a.cert_pem, client_id, secret));
  const auto results = run(events, {{"TOKEN_CACHE", "false"}});
  ASSERT_EQ(results.size(), 1000U);
  for (const auto& r : results)
    ASSERT_EQ(status(r), 200) << core::json::serialize(r);
  EXPECT_EQ(token_calls(read_file(log())) - before, 1000U);
}

}  // namespace
}  // namespace agm::test
