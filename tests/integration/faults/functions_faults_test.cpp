// Faults between the functions and what they call, with the production clients (aws::DynamoDb,
// mtls::DynamoRegistry, oauth::HttpJwksFetcher/JwksCache, oauth::TokenEndpointClient) talking real
// HTTP to LoopbackServers that misbehave on purpose, and the handlers on top:
//  - DynamoDB slower than the deadline, answering 500, answering throttling errors: retried as
//    designed, then the authorizer denies and the token function answers 503; never an allow.
//  - JWKS answering 500, timing out, invalid JSON: deny while nothing valid is cached; once a set
//    is cached an outage changes nothing for its keys; a rotated-in kid is picked up.
//  - Cognito's token endpoint answering 500 (HTML), timing out, answering HTML with 200, closing:
//    502 with an RFC 6749 JSON body.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "aws/dynamodb.hpp"
#include "core/encoding.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "functions/authorizer/handler.hpp"
#include "functions/token/handler.hpp"
#include "mtls/dynamo_registry.hpp"
#include "mtls/registry.hpp"
#include "oauth/jwks.hpp"
#include "oauth/jwks_fetcher.hpp"
#include "oauth/token_client.hpp"
#include "oauth/verifier.hpp"
#include "support/fixtures.hpp"
#include "support/invoke.hpp"
#include "support/loopback_server.hpp"

namespace agm::test {
namespace {

namespace json = boost::json;
using namespace agm::test;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

constexpr const char* kTable = "certs";
constexpr const char* kClient = "client-a";

struct Shared {
  TestPki pki;
  pki::KeyAndCert cert = pki.client(kClient);
  RsaKey key_a;
  RsaKey key_b;
};
Shared& shared() {
  static Shared s;
  return s;
}

// What a fake endpoint does with the next request.
enum class Mode { kOk, kServerError, kThrottle, kSlow, kInvalidJson, kHtml, kClose, kRotated };

// DynamoDB: GetItem answers the registry record of the test certificate.
class FakeDynamo {
 public:
  FakeDynamo()
      : item_(mtls::to_item(record_for(shared().cert.cert_pem, kClient))),
        server_([this](const test::HttpRequest&) { return answer(); }) {}
  std::atomic<Mode> mode{Mode::kOk};
  std::atomic<int> fail_first{0};  // with kOk: fail this many requests with 500 first
  [[nodiscard]] std::string url() const { return server_.url(); }
  [[nodiscard]] std::size_t requests() const { return server_.requests().size(); }

 private:
  test::HttpResponse answer() {
    test::HttpResponse r;
    r.headers["content-type"] = "application/x-amz-json-1.0";
    Mode m = mode.load();
    if (m == Mode::kOk && fail_first.fetch_sub(1) > 0)
      m = Mode::kServerError;
    switch (m) {
      case Mode::kServerError:
        r.status = 500;
        r.body = R"({"__type":"com.amazon.coral.service#InternalFailure","message":"boom"})";
        break;
      case Mode::kThrottle:
        r.status = 400;
        r.body =
            R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"})";
        break;
      case Mode::kSlow:
        r.delay = milliseconds(2500);
        r.body = "{}";
        break;
      default:
        r.body = json::serialize(json::object{{"Item", item_}});
    }
    return r;
  }
  aws::Item item_;
  test::LoopbackServer server_;
};

aws::ClientConfig dynamo_config(const std::string& url) {
  aws::ClientConfig c;
  c.region = kRegion;
  c.endpoint = url;
  c.credentials = {"AKIDFAULTS", "secret", ""};
  // As the authorizer's main.cpp sets them.
  c.http.connect_timeout = milliseconds(1000);
  c.http.timeout = milliseconds(1500);
  return c;
}

// The JWKS endpoint: key A, or keys A and B after rotation, or a fault.
class FakeJwks {
 public:
  FakeJwks() : server_([this](const test::HttpRequest&) { return answer(); }) {}
  std::atomic<Mode> mode{Mode::kOk};
  [[nodiscard]] std::string url() const { return server_.url() + "/pool/.well-known/jwks.json"; }
  [[nodiscard]] std::size_t requests() const { return server_.requests().size(); }

 private:
  test::HttpResponse answer() {
    test::HttpResponse r;
    r.headers["content-type"] = "application/json";
    switch (mode.load()) {
      case Mode::kServerError:
        r.status = 500;
        r.body = "internal error";
        break;
      case Mode::kSlow:
        r.delay = milliseconds(1500);
        r.body = jwks_json({shared().key_a.jwk("kid-a")});
        break;
      case Mode::kInvalidJson:
        r.body = R"({"keys":[{"kty":"RSA",)";
        break;
      case Mode::kRotated:
        r.body = jwks_json({shared().key_a.jwk("kid-a"), shared().key_b.jwk("kid-b")});
        break;
      default:
        r.body = jwks_json({shared().key_a.jwk("kid-a")});
    }
    return r;
  }
  test::LoopbackServer server_;
};

std::string token_signed_by(const RsaKey& key, const std::string& kid, core::TimePoint now) {
  return key.sign_jwt(json::object{{"kid", kid}},
                      access_claims(kClient, "mtls-api/health.read", now));
}

json::object health_event(const std::string& token) {
  EventSpec s;
  s.route_key = "GET /health";
  s.cert_pem = shared().cert.cert_pem;
  s.headers["authorization"] = "Bearer " + token;
  return make_event(s);
}

// The authorizer as main.cpp assembles it, with a short JWKS timeout so timeouts stay quick.
class AuthorizerFaults : public ::testing::Test {
 protected:
  AuthorizerFaults()
      : db(dynamo_config(dynamo.url())),
        registry(db, kTable, milliseconds(1500)),
        fetcher(jwks.url(), jwks_options()),
        cache(fetcher, clock, std::chrono::seconds(30)),
        verifier(oauth::VerifierConfig{kRegion, kPool, std::chrono::seconds(0), 16384}, cache,
                 clock),
        handler(
            {functions::authorizer::parse_route_scopes("GET /health=mtls-api/health.read"), false},
            registry, verifier, clock, logger) {}

  static net::HttpOptions jwks_options() {
    net::HttpOptions o;
    o.connect_timeout = milliseconds(500);
    o.timeout = milliseconds(500);
    return o;
  }
  test::Verdict decide(const std::string& token) const {
    return test::verdict_of(
        handler.decide(functions::AuthorizerRequest::from_json(health_event(token))));
  }
  [[nodiscard]] std::string token_a() const {
    return token_signed_by(shared().key_a, "kid-a", clock.now());
  }

  std::ostringstream log_text;
  core::Logger logger{core::LogLevel::kDebug, &log_text};
  core::ManualClock clock{agm::core::SystemClock().now()};
  FakeDynamo dynamo;
  FakeJwks jwks;
  aws::DynamoDb db;
  mtls::DynamoRegistry registry;
  oauth::HttpJwksFetcher fetcher;
  oauth::JwksCache cache;
  oauth::AccessTokenVerifier verifier;
  functions::authorizer::Handler handler;
};

TEST_F(AuthorizerFaults, BaselineAllowsThroughTheRealClients) {
  const auto d = decide(token_a());
  EXPECT_TRUE(d.allowed) << d.reason << " " << d.detail;
  EXPECT_EQ(dynamo.requests(), 1U);
  EXPECT_EQ(jwks.requests(), 1U);
}

TEST_F(AuthorizerFaults, DynamoDbServerErrorsAreRetriedThenDeny) {
  dynamo.mode = Mode::kServerError;
  const auto start = Steady::now();
  const auto d = decide(token_a());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "registry_unavailable") << d.detail;
  EXPECT_EQ(dynamo.requests(), 4U);  // RetryPolicy::max_attempts
  EXPECT_LT(Steady::now() - start, milliseconds(1500) + milliseconds(1000));
  const auto response = test::respond(handler, health_event(token_a()));
  EXPECT_FALSE(response.at("isAuthorized").as_bool());
  EXPECT_EQ(response.at("context").at("reason").as_string(), "registry_unavailable");
}

TEST_F(AuthorizerFaults, DynamoDbTwoServerErrorsThenSuccessAllows) {
  dynamo.fail_first = 2;
  const auto d = decide(token_a());
  EXPECT_TRUE(d.allowed) << d.reason << " " << d.detail;
  EXPECT_EQ(dynamo.requests(), 3U);
}

TEST_F(AuthorizerFaults, DynamoDbThrottlingIsRetriedThenDeny) {
  dynamo.mode = Mode::kThrottle;
  const auto d = decide(token_a());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "registry_unavailable") << d.detail;
  EXPECT_NE(d.detail.find("ThrottlingException"), std::string::npos) << d.detail;
  EXPECT_EQ(dynamo.requests(), 4U);
}

TEST_F(AuthorizerFaults, DynamoDbSlowerThanTheDeadlineDeniesInTime) {
  dynamo.mode = Mode::kSlow;
  const auto start = Steady::now();
  const auto d = decide(token_a());
  const auto took = Steady::now() - start;
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "registry_unavailable") << d.detail;
  // The registry's call budget is 1.5 s, retries included; generous slack for a loaded machine.
  EXPECT_LT(took, milliseconds(1500) + milliseconds(1000));
}

TEST_F(AuthorizerFaults, JwksServerErrorWithNothingCachedDenies) {
  jwks.mode = Mode::kServerError;
  const auto d = decide(token_a());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "jwks_unavailable") << d.detail;
  // Without a set every call tries again (nothing to protect): the next one fetches too.
  (void)decide(token_a());
  EXPECT_EQ(jwks.requests(), 2U);
}

TEST_F(AuthorizerFaults, JwksTimeoutWithNothingCachedDeniesInTime) {
  jwks.mode = Mode::kSlow;
  const auto start = Steady::now();
  const auto d = decide(token_a());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "jwks_unavailable") << d.detail;
  EXPECT_LT(Steady::now() - start, milliseconds(500) + milliseconds(800));
}

TEST_F(AuthorizerFaults, JwksInvalidJsonDenies) {
  jwks.mode = Mode::kInvalidJson;
  const auto d = decide(token_a());
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.reason == "jwks_unavailable" || d.reason == "token_jwks_invalid") << d.reason;
}

TEST_F(AuthorizerFaults, CachedKeysKeepWorkingThroughAnOutage) {
  ASSERT_TRUE(decide(token_a()).allowed);
  for (const Mode m : {Mode::kServerError, Mode::kSlow, Mode::kInvalidJson}) {
    jwks.mode = m;
    clock.advance(std::chrono::seconds(120));  // long past refetch_wait
    const auto d = decide(token_a());
    EXPECT_TRUE(d.allowed) << static_cast<int>(m) << " " << d.reason << " " << d.detail;
  }
  EXPECT_EQ(jwks.requests(), 1U);  // a known kid never refetches
  // An unknown kid during the outage is denied, and does not evict the cached set.
  const auto d = decide(token_signed_by(shared().key_b, "kid-b", clock.now()));
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(decide(token_a()).allowed);
}

TEST_F(AuthorizerFaults, RotatedKeyIsPickedUpAfterTheRefetchWait) {
  ASSERT_TRUE(decide(token_a()).allowed);
  jwks.mode = Mode::kRotated;
  clock.advance(std::chrono::seconds(31));  // refetch_wait (30 s) has passed
  const auto d = decide(token_signed_by(shared().key_b, "kid-b", clock.now()));
  EXPECT_TRUE(d.allowed) << d.reason << " " << d.detail;
  EXPECT_EQ(jwks.requests(), 2U);
  EXPECT_TRUE(decide(token_a()).allowed);  // the old key stays valid while it is published
}

TEST_F(AuthorizerFaults, UnknownKidFloodRefetchesAtMostOncePerWait) {
  ASSERT_TRUE(decide(token_a()).allowed);
  jwks.mode = Mode::kRotated;
  for (int i = 0; i < 20; ++i) {
    const auto d =
        decide(token_signed_by(shared().key_b, "kid-made-up-" + std::to_string(i), clock.now()));
    EXPECT_FALSE(d.allowed);
  }
  EXPECT_LE(jwks.requests(), 2U);
}

// The token function's endpoint as main.cpp wraps oauth::TokenEndpointClient.
class ClientEndpoint final : public functions::token::TokenEndpoint {
 public:
  ClientEndpoint(std::string url, net::HttpOptions o) : client_(std::move(url), o) {}
  oauth::TokenEndpointResponse request(const std::string& authorization,
                                       const std::string& form_body) override {
    ++calls;
    return client_.request(authorization, form_body);
  }
  int calls = 0;

 private:
  oauth::TokenEndpointClient client_;
};

class FakeCognito {
 public:
  FakeCognito() : server_([this](const test::HttpRequest&) { return answer(); }) {}
  std::atomic<Mode> mode{Mode::kOk};
  [[nodiscard]] std::string url() const { return server_.url() + "/oauth2/token"; }

 private:
  test::HttpResponse answer() {
    test::HttpResponse r;
    r.headers["content-type"] = "application/json";
    switch (mode.load()) {
      case Mode::kServerError:
        r.status = 500;
        r.headers["content-type"] = "text/html";
        r.body = "<html><body>Internal Server Error</body></html>";
        break;
      case Mode::kHtml:
        r.headers["content-type"] = "text/html";
        r.body = "<html><body>Sign in</body></html>";
        break;
      case Mode::kSlow:
        r.delay = milliseconds(1500);
        r.body = R"({"access_token":"late","expires_in":3600,"token_type":"Bearer"})";
        break;
      case Mode::kClose:
        r.close_connection = true;
        break;
      default:
        r.body = R"({"access_token":"ok","expires_in":3600,"token_type":"Bearer"})";
    }
    return r;
  }
  test::LoopbackServer server_;
};

json::object token_event() {
  EventSpec s;
  s.route_key = "POST /token";
  s.cert_pem = shared().cert.cert_pem;
  s.headers["authorization"] = "Basic " + core::base64_encode(std::string(kClient) + ":secret");
  s.headers["content-type"] = "application/x-www-form-urlencoded";
  s.body = "grant_type=client_credentials";
  return make_event(s);
}

struct Answer {
  std::int64_t status = 0;
  std::string error;
};
Answer answer_of(const json::object& result) {
  Answer a;
  a.status = result.at("statusCode").as_int64();
  const auto body = core::parse_json(result.at("body").as_string());
  if (body && body->is_object() && body->as_object().contains("error"))
    a.error = std::string(body->as_object().at("error").as_string());
  return a;
}

class TokenFaults : public ::testing::Test {
 protected:
  TokenFaults()
      : db(dynamo_config(dynamo.url())),
        registry(db, kTable, milliseconds(2000)),
        endpoint(cognito.url(), cognito_options()),
        handler({}, registry, endpoint, clock, logger) {}
  static net::HttpOptions cognito_options() {
    net::HttpOptions o;
    o.connect_timeout = milliseconds(500);
    o.timeout = milliseconds(500);
    return o;
  }

  std::ostringstream log_text;
  core::Logger logger{core::LogLevel::kDebug, &log_text};
  core::ManualClock clock{agm::core::SystemClock().now()};
  FakeDynamo dynamo;
  FakeCognito cognito;
  aws::DynamoDb db;
  mtls::DynamoRegistry registry;
  ClientEndpoint endpoint;
  functions::token::Handler handler;
};

TEST_F(TokenFaults, BaselineIssuesThroughTheRealClients) {
  const auto a = answer_of(test::respond(handler, token_event()));
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(endpoint.calls, 1);
}

TEST_F(TokenFaults, DynamoDbFaultsAre503AndCognitoIsNeverAsked) {
  for (const Mode m : {Mode::kServerError, Mode::kThrottle, Mode::kSlow}) {
    dynamo.mode = m;
    const auto before = dynamo.requests();
    const auto start = Steady::now();
    const auto a = answer_of(test::respond(handler, token_event()));
    EXPECT_EQ(a.status, 503) << static_cast<int>(m);
    EXPECT_EQ(a.error, "temporarily_unavailable");
    EXPECT_LT(Steady::now() - start, milliseconds(2000) + milliseconds(1000));
    if (m != Mode::kSlow) {
      EXPECT_EQ(dynamo.requests() - before, 4U);  // retried as designed
    }
  }
  EXPECT_EQ(endpoint.calls, 0);
}

TEST_F(TokenFaults, CognitoFaultsAre502WithAnOAuthErrorBody) {
  for (const Mode m : {Mode::kServerError, Mode::kHtml, Mode::kSlow, Mode::kClose}) {
    cognito.mode = m;
    const auto start = Steady::now();
    const json::object result = test::respond(handler, token_event());
    const auto a = answer_of(result);
    EXPECT_EQ(a.status, 502) << static_cast<int>(m);
    EXPECT_EQ(a.error, "server_error") << static_cast<int>(m);
    EXPECT_EQ(result.at("headers").as_object().at("content-type").as_string(), "application/json");
    EXPECT_LT(Steady::now() - start, milliseconds(500) + milliseconds(1000));
  }
  EXPECT_EQ(log_text.str().find("secret"), std::string::npos);  // the Basic secret never logged
}

}  // namespace
}  // namespace agm::test
