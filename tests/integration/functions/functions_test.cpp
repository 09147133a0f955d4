// The real function binaries (<build>/bin/{authorizer,token,health}) started with ONLY their
// variables, against a fake Runtime API, dynalite, and loopback JWKS and token endpoints.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>

#include "core/encoding.hpp"
#include "core/json.hpp"
#include "stack.hpp"

namespace agm::test {
namespace {

using namespace std::chrono_literals;

using test::read_file;

std::string log_path(const std::string& name) {
  const std::string p = test::binary_dir() + "/functions-it-" + name + ".log";
  std::remove(p.c_str());
  return p;
}

std::string bin(const std::string& name) {
  return test::binary_dir() + "/bin/" + name;
}

class FunctionsIT : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack = new FunctionStack();  // one per suite
    stack->register_cert(stack->cert_a.cert_pem, "client-a");
  }
  static void TearDownTestSuite() {
    delete stack;
    stack = nullptr;
  }
  static FunctionStack* stack;
};
FunctionStack* FunctionsIT::stack = nullptr;

TEST_F(FunctionsIT, AuthorizerAllowsARegisteredClientAndDeniesOthers) {
  FakeRuntimeApi api;
  const std::string token = stack->access_token("client-a", FunctionStack::kScope);
  api.push(stack->authorizer_event(stack->cert_a.cert_pem, token));
  api.push(stack->authorizer_event(stack->cert_unknown.cert_pem, token));
  const std::string log = log_path("authorizer");
  test::ChildProcess fn({bin("authorizer")}, stack->authorizer_env(api), false, log);
  const auto results = api.wait_results(2, 20s);
  ASSERT_EQ(results.size(), 2U) << read_file(log);
  EXPECT_EQ(results[0].request_id, "req-1");
  EXPECT_EQ(results[0].kind, "response");
  const auto allow = core::parse_json(results[0].body).value();
  ASSERT_TRUE(core::get_bool(allow, "isAuthorized").value_or(false)) << read_file(log);
  EXPECT_EQ(core::get_string_path(allow, {"context", "client_id"}).value_or(""), "client-a");
  const auto deny = core::parse_json(results[1].body).value();
  EXPECT_FALSE(core::get_bool(deny, "isAuthorized").value_or(true));
  fn.stop();
  const std::string text = read_file(log);
  EXPECT_NE(text.find("\"reason\":\"cert_not_registered\""), std::string::npos) << text;
  EXPECT_EQ(text.find(token), std::string::npos) << "the token must never be logged";
}

TEST_F(FunctionsIT, TokenHappyPathForwardsToTheTokenEndpoint) {
  FakeRuntimeApi api;
  api.push(stack->token_event(stack->cert_a.cert_pem, "client-a", "the-secret"));
  const std::string log = log_path("token");
  test::ChildProcess fn({bin("token")}, stack->token_env(api), false, log);
  const auto results = api.wait_results(1, 20s);
  ASSERT_EQ(results.size(), 1U) << read_file(log);
  const auto result = core::parse_json(results[0].body).value();
  EXPECT_EQ(core::get_int(result, "statusCode").value_or(0), 200) << results[0].body;
  EXPECT_EQ(core::get_string(result, "body").value_or(""), FunctionStack::kIssued);
  EXPECT_EQ(core::get_string_path(result, {"headers", "cache-control"}).value_or(""), "no-store");
  const auto seen = stack->token_requests();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().headers.at("authorization"),
            "Basic " + core::base64_encode(std::string("client-a:the-secret")));
  EXPECT_EQ(seen.back().body, "grant_type=client_credentials&scope=mtls-api%2Fhealth.read");
  fn.stop();
  EXPECT_EQ(read_file(log).find("the-secret"), std::string::npos);
}

TEST_F(FunctionsIT, HealthAnswers200ForTheApprovedCertificate) {
  FakeRuntimeApi api;
  const auto cert = mtls::ClientCertificate::from_pem(stack->cert_a.cert_pem);
  api.push(stack->health_event(stack->cert_a.cert_pem, cert.thumbprint));
  const std::string log = log_path("health");
  test::ChildProcess fn({bin("health")}, stack->health_env(api), false, log);
  const auto results = api.wait_results(1, 20s);
  ASSERT_EQ(results.size(), 1U) << read_file(log);
  const auto result = core::parse_json(results[0].body).value();
  EXPECT_EQ(core::get_int(result, "statusCode").value_or(0), 200) << results[0].body;
  const auto body = core::parse_json(core::get_string(result, "body").value_or("")).value();
  EXPECT_EQ(core::get_string(body, "status").value_or(""), "ok");
  EXPECT_EQ(core::get_string_path(body, {"certificate", "serial_number"}).value_or(""),
            cert.serial_number);
}

// Certificates at the edges of X.509's time range (docs/contract.md section 5, "Times"), each
// registered as it is: notAfter 99991231235959Z (RFC 5280's "no well-defined expiration") is
// valid now; 2600-2615 is not valid yet; 1950-1960 has expired. A clock in nanoseconds wraps the
// first two (the first to 1816, expired; the second into the past, valid).
struct FarDates {
  pki::KeyAndCert forever, future, past;
};

const FarDates& far_dates(FunctionStack& stack) {
  static const FarDates dates = [&stack] {
    const auto at = [](int year, int month, int day) {
      return core::from_civil(year, month, day, 0, 0, 0).value();
    };
    FarDates d{
        stack.pki.client_valid("client-a", core::SystemClock().now() - std::chrono::hours(24),
                               core::from_civil(9999, 12, 31, 23, 59, 59).value()),
        stack.pki.client_valid("client-a", at(2600, 1, 1), at(2615, 1, 1)),
        stack.pki.client_valid("client-a", at(1950, 1, 1), at(1960, 1, 1))};
    for (const auto* c : {&d.forever, &d.future, &d.past})
      stack.register_cert(c->cert_pem, "client-a");
    return d;
  }();
  return dates;
}

// Runs the `function` binary on one event per far-dates certificate (forever, future, past, in
// that order); returns the results once the process has stopped, with its log.
struct FarDatesRun {
  std::vector<FakeRuntimeApi::Result> results;
  std::string log;
};
FarDatesRun run_far_dates(
    FunctionStack& stack, const std::string& function,
    const std::function<std::string(const pki::KeyAndCert&)>& event,
    const std::function<std::map<std::string, std::string>(const FakeRuntimeApi&)>& env) {
  const FarDates& d = far_dates(stack);
  FakeRuntimeApi api;
  for (const auto* c : {&d.forever, &d.future, &d.past})
    api.push(event(*c));
  const std::string log = log_path(function + "-far-dates");
  test::ChildProcess fn({bin(function)}, env(api), false, log);
  FarDatesRun run{api.wait_results(3, 20s), {}};
  fn.stop();
  run.log = read_file(log);
  EXPECT_EQ(run.results.size(), 3U) << run.log;
  return run;
}

json::value body_of(const FakeRuntimeApi::Result& r) {
  return core::parse_json(r.body).value_or(json::value());
}

TEST_F(FunctionsIT, AuthorizerHonoursValidityBeyond2262AndBefore1970) {
  const std::string token = stack->access_token("client-a", FunctionStack::kScope);
  const FarDatesRun run = run_far_dates(
      *stack, "authorizer",
      [&](const pki::KeyAndCert& c) { return stack->authorizer_event(c.cert_pem, token); },
      [&](const FakeRuntimeApi& api) { return stack->authorizer_env(api); });
  ASSERT_EQ(run.results.size(), 3U);
  const json::value forever = body_of(run.results[0]);
  EXPECT_TRUE(core::get_bool(forever, "isAuthorized").value_or(false)) << run.log;
  EXPECT_EQ(core::get_string_path(forever, {"context", "cert_not_after"}).value_or(""),
            "9999-12-31T23:59:59Z");
  for (std::size_t i = 1; i < 3; ++i)
    EXPECT_FALSE(core::get_bool(body_of(run.results[i]), "isAuthorized").value_or(true)) << i;
  EXPECT_NE(run.log.find("\"reason\":\"cert_not_yet_valid\""), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("\"reason\":\"cert_expired\""), std::string::npos) << run.log;
}

TEST_F(FunctionsIT, TokenHonoursValidityBeyond2262AndBefore1970) {
  const FarDatesRun run = run_far_dates(
      *stack, "token",
      [&](const pki::KeyAndCert& c) {
        return stack->token_event(c.cert_pem, "client-a", "the-secret");
      },
      [&](const FakeRuntimeApi& api) { return stack->token_env(api); });
  ASSERT_EQ(run.results.size(), 3U);
  const std::int64_t expected[] = {200, 401, 401};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(core::get_int(body_of(run.results[i]), "statusCode").value_or(0), expected[i])
        << run.results[i].body << run.log;
  }
  EXPECT_NE(run.log.find("\"reason\":\"cert_not_yet_valid\""), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("\"reason\":\"cert_expired\""), std::string::npos) << run.log;
}

TEST_F(FunctionsIT, HealthHonoursValidityBeyond2262AndBefore1970) {
  const FarDatesRun run = run_far_dates(
      *stack, "health",
      [&](const pki::KeyAndCert& c) {
        return stack->health_event(c.cert_pem,
                                   mtls::ClientCertificate::from_pem(c.cert_pem).thumbprint);
      },
      [&](const FakeRuntimeApi& api) { return stack->health_env(api); });
  ASSERT_EQ(run.results.size(), 3U);
  const json::value forever = body_of(run.results[0]);
  ASSERT_EQ(core::get_int(forever, "statusCode").value_or(0), 200) << run.results[0].body;
  const auto body = core::parse_json(core::get_string(forever, "body").value_or("")).value();
  EXPECT_EQ(core::get_string_path(body, {"certificate", "not_after"}).value_or(""),
            "9999-12-31T23:59:59Z");
  // About 2.9 million days from now: whatever the exact figure, far above any 64-bit-ns answer.
  const auto* certificate = core::find(body, "certificate");
  ASSERT_NE(certificate, nullptr);
  EXPECT_GT(core::get_int(*certificate, "days_remaining").value_or(0), 2'800'000);
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(core::get_int(body_of(run.results[i]), "statusCode").value_or(0), 403)
        << run.results[i].body;
  }
}

// A token whose exp, iat or nbf lies outside the years 0000-9999 is refused by name, never
// clamped or wrapped into an acceptable time (an exp of 1e30 would otherwise be "in the future").
TEST_F(FunctionsIT, AuthorizerRefusesTokenTimesOutsideTheRepresentableYears) {
  FakeRuntimeApi api;
  const std::vector<std::pair<const char*, json::value>> cases = {
      {"exp", json::value(1e30)},
      {"exp", json::value(std::uint64_t{18446744073709551615U})},
      {"nbf", json::value(-1e30)},
      {"iat", json::value(-1e300)}};
  for (const auto& [claim, value] : cases) {
    json::object claims =
        access_claims("client-a", FunctionStack::kScope, core::SystemClock().now());
    claims[claim] = value;
    api.push(stack->authorizer_event(stack->cert_a.cert_pem,
                                     stack->key.sign_jwt(json::object{{"kid", "kid-it"}}, claims)));
  }
  const std::string log = log_path("authorizer-token-times");
  test::ChildProcess fn({bin("authorizer")}, stack->authorizer_env(api), false, log);
  const auto results = api.wait_results(cases.size(), 20s);
  ASSERT_EQ(results.size(), cases.size()) << read_file(log);
  for (const auto& r : results) {
    EXPECT_FALSE(core::get_bool(core::parse_json(r.body).value(), "isAuthorized").value_or(true))
        << r.body;
  }
  fn.stop();
  const std::string text = read_file(log);
  std::size_t refused = 0;
  for (std::size_t pos = text.find("\"reason\":\"token_time_out_of_range\"");
       pos != std::string::npos; pos = text.find("\"reason\":\"token_time_out_of_range\"", pos + 1))
    ++refused;
  EXPECT_EQ(refused, cases.size()) << text;
}

// Cognito adds a signing key right after the authorizer's cold start fetched the JWKS: the first
// token signed with it is accepted at once (aws-jwt-verify refetches on an unknown kid), and a
// flood of made-up kids afterwards costs one more fetch, not one per token. Counted at a loopback
// JWKS endpoint.
TEST_F(FunctionsIT, AuthorizerAcceptsANewSigningKeyAtOnceAndFetchesOnceForAFlood) {
  std::mutex mutex;
  std::string body = jwks_json({stack->key.jwk("kid-it")});
  test::LoopbackServer jwks([&](const test::HttpRequest&) {
    const std::lock_guard lock(mutex);
    test::HttpResponse r;
    r.headers["content-type"] = "application/json";
    r.body = body;
    return r;
  });
  FakeRuntimeApi api(10s);  // the runtime waits in GET /next between the steps below
  auto env = stack->authorizer_env(api);
  env["COGNITO_JWKS_URL"] = jwks.url() + "/" + kPool + "/.well-known/jwks.json";
  const std::string log = log_path("authorizer-rotation");
  test::ChildProcess fn({bin("authorizer")}, env, false, log);

  api.push(stack->authorizer_event(stack->cert_a.cert_pem,
                                   stack->access_token("client-a", FunctionStack::kScope)));
  auto results = api.wait_results(1, 20s);
  ASSERT_EQ(results.size(), 1U) << read_file(log);
  ASSERT_NE(results[0].body.find("\"isAuthorized\":true"), std::string::npos) << read_file(log);
  const std::size_t cold = jwks.requests().size();
  EXPECT_EQ(cold, 1U) << "the cold start's fetch serves the first token";

  // The rotation: a second key appears in the pool's JWKS.
  const RsaKey rotated;
  {
    const std::lock_guard lock(mutex);
    body = jwks_json({stack->key.jwk("kid-it"), rotated.jwk("kid-rotated")});
  }
  const auto claims = access_claims("client-a", FunctionStack::kScope, core::SystemClock().now());
  api.push(stack->authorizer_event(stack->cert_a.cert_pem,
                                   rotated.sign_jwt(json::object{{"kid", "kid-rotated"}}, claims)));
  results = api.wait_results(2, 20s);
  ASSERT_EQ(results.size(), 2U) << read_file(log);
  EXPECT_NE(results[1].body.find("\"isAuthorized\":true"), std::string::npos)
      << results[1].body << read_file(log);
  EXPECT_EQ(jwks.requests().size(), cold + 1);

  // A flood of made-up kids: one fetch, then refusals from the cache.
  constexpr std::size_t kFlood = 25;
  for (std::size_t i = 0; i < kFlood; ++i) {
    api.push(stack->authorizer_event(
        stack->cert_a.cert_pem,
        rotated.sign_jwt(json::object{{"kid", "made-up-" + std::to_string(i)}}, claims)));
  }
  results = api.wait_results(2 + kFlood, 30s);
  ASSERT_EQ(results.size(), 2 + kFlood) << read_file(log);
  for (std::size_t i = 2; i < results.size(); ++i)
    EXPECT_NE(results[i].body.find("\"isAuthorized\":false"), std::string::npos) << i;
  EXPECT_EQ(jwks.requests().size(), cold + 2) << "at most one fetch per wait period";
  fn.stop();
}

TEST_F(FunctionsIT, BadConfigurationIsAnInitErrorNamingTheVariable) {
  struct Case {
    std::string function;
    std::map<std::string, std::string> env;
    std::string variable;
  };
  FakeRuntimeApi probe;  // only for building the env maps
  auto no_routes = stack->authorizer_env(probe);
  no_routes.erase("ROUTE_SCOPES");
  auto bad_ttl = stack->authorizer_env(probe);
  bad_ttl["REGISTRY_CACHE_TTL_SECONDS"] = "forever";
  auto no_url = stack->token_env(probe);
  no_url.erase("COGNITO_TOKEN_URL");
  auto bad_level = stack->health_env(probe);
  bad_level["LOG_LEVEL"] = "chatty";
  for (const Case& c : std::vector<Case>{{"authorizer", no_routes, "ROUTE_SCOPES"},
                                         {"authorizer", bad_ttl, "REGISTRY_CACHE_TTL_SECONDS"},
                                         {"token", no_url, "COGNITO_TOKEN_URL"},
                                         {"health", bad_level, "LOG_LEVEL"}}) {
    FakeRuntimeApi api;
    auto env = c.env;
    env["AWS_LAMBDA_RUNTIME_API"] = api.endpoint();
    const std::string log = log_path("init-" + c.function);
    test::ChildProcess fn({bin(c.function)}, env, false, log);
    const auto error = api.wait_init_error(10s);
    ASSERT_TRUE(error.has_value()) << c.function << ": " << read_file(log);
    const auto body = core::parse_json(*error).value();
    EXPECT_NE(std::string(core::get_string(body, "errorMessage").value_or("")).find(c.variable),
              std::string::npos)
        << *error;
    EXPECT_EQ(core::get_string(body, "errorType").value_or(""), "Runtime.InvalidConfiguration");
    const auto status = fn.wait_for(10s);
    ASSERT_TRUE(status.has_value()) << c.function << " did not exit";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0) << c.function;
  }
}

// Resident memory of the authorizer after 1000 invocations (registry and JWKS cached): the
// goal is <= 16 MB. The figure is printed for the report.
TEST_F(FunctionsIT, AuthorizerResidentMemoryAfter1000InvocationsIsAtMost16MB) {
#ifdef AGM_SANITIZED
  GTEST_SKIP() << "AddressSanitizer's shadow memory makes the RSS bound meaningless";
#endif
  FakeRuntimeApi api(std::chrono::milliseconds(5000));
  const std::string token = stack->access_token("client-a", FunctionStack::kScope);
  const std::string allow = stack->authorizer_event(stack->cert_a.cert_pem, token);
  const std::string deny = stack->authorizer_event(stack->cert_unknown.cert_pem, token);
  constexpr std::size_t kInvocations = 1000;
  for (std::size_t i = 0; i < kInvocations; ++i)
    api.push(i % 10 == 9 ? deny : allow);
  auto env = stack->authorizer_env(api);
  env["LOG_LEVEL"] = "error";  // 1000 log lines would only measure the log file
  const std::string log = log_path("authorizer-rss");
  test::ChildProcess fn({bin("authorizer")}, env, false, log);
  const auto results = api.wait_results(kInvocations, 120s);
  ASSERT_EQ(results.size(), kInvocations) << read_file(log);
  std::size_t allowed = 0;
  for (const auto& r : results)
    allowed += r.body.find("\"isAuthorized\":true") != std::string::npos ? 1 : 0;
  EXPECT_EQ(allowed, kInvocations - kInvocations / 10);
  // The runtime now waits in GET /next (held for up to 5 s): measure while it is alive.
  const auto rss = vm_rss_kb(fn.pid());
  ASSERT_TRUE(rss.has_value());
  std::printf("authorizer VmRSS after %zu invocations: %ld kB (%.1f MB)\n", kInvocations, *rss,
              static_cast<double>(*rss) / 1024.0);
  RecordProperty("vm_rss_kb", std::to_string(*rss));
  EXPECT_LE(*rss, 16 * 1024);
}

}  // namespace
}  // namespace agm::test
