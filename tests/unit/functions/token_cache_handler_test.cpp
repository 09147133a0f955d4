// The token function with its token cache (TOKEN_CACHE, docs/contract.md section 5): one handler
// across requests, as one function instance serves them. Cognito is asked once for many requests
// of one client with one certificate and one scope set; a wrong secret, a revoked certificate or
// another scope set never gets the cached token; the margin; TOKEN_CACHE=false.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "functions/token/handler.hpp"
#include "support/fixtures.hpp"
#include "support/invoke.hpp"

namespace agm::functions::token {
namespace {

namespace json = core::json;
using namespace agm::test;
using std::chrono::seconds;

constexpr const char* kSecret = "the-right-secret";

std::string basic(const std::string& user, const std::string& secret) {
  return "Basic " + core::base64_encode(user + ":" + secret);
}

// Cognito as far as the cache cares: a new token per call for the right secret, invalid_client
// for any other.
class CountingEndpoint final : public TokenEndpoint {
 public:
  oauth::TokenEndpointResponse request(const std::string& authorization,
                                       const std::string& /*form_body*/) override {
    ++calls;
    if (authorization != basic("client-a", kSecret))
      return {400, "application/json", R"({"error":"invalid_client"})"};
    return {200, "application/json;charset=UTF-8",
            R"({"access_token":"token-)" + std::to_string(calls) +
                R"(","expires_in":3600,"token_type":"Bearer"})"};
  }
  int calls = 0;
};

struct Shared {
  TestPki pki;
  pki::KeyAndCert cert = pki.client("client-a");
  pki::KeyAndCert other_cert = pki.client("client-a");
};
Shared& shared() {
  static Shared s;
  return s;
}

class TokenCacheHandlerTest : public ::testing::Test {
 protected:
  TokenCacheHandlerTest() {
    registry.put(record_for(shared().cert.cert_pem, "client-a",
                            std::vector<std::string>{"mtls-api/health.read", "mtls-api/admin"}));
    registry.put(record_for(shared().other_cert.cert_pem, "client-a"));
  }

  static EventSpec spec(const std::string& secret = kSecret,
                        const std::string& scope = "mtls-api/health.read",
                        const std::string& cert_pem = shared().cert.cert_pem) {
    EventSpec s;
    s.route_key = "POST /token";
    s.cert_pem = cert_pem;
    s.headers["authorization"] = basic("client-a", secret);
    s.headers["content-type"] = "application/x-www-form-urlencoded";
    s.body = "grant_type=client_credentials&scope=" + core::percent_encode(scope);
    return s;
  }
  json::object call(const Handler& handler, const EventSpec& s) {
    return test::respond(handler, make_event(s));
  }
  Handler make(bool cache = true) {
    Settings settings;
    settings.token_cache = cache;
    return Handler(settings, registry, endpoint, clock, logger);
  }
  static int status(const json::object& r) {
    return static_cast<int>(r.at("statusCode").as_int64());
  }
  static json::value body(const json::object& r) {
    return core::parse_json(r.at("body").as_string()).value();
  }
  static std::string access_token(const json::object& r) {
    return std::string(core::get_string(body(r), "access_token").value_or(""));
  }

  core::ManualClock clock{core::SystemClock().now()};
  FakeRegistry registry;
  CountingEndpoint endpoint;
  std::ostringstream log_out;
  core::Logger logger{core::LogLevel::kDebug, &log_out};
};

TEST_F(TokenCacheHandlerTest, AThousandRequestsOfOneClientAskCognitoOnce) {
  const Handler handler = make();
  for (int i = 0; i < 1000; ++i) {
    const auto r = call(handler, spec());
    ASSERT_EQ(status(r), 200) << r.at("body").as_string();
    ASSERT_EQ(access_token(r), "token-1");
    clock.advance(seconds(3));  // 3000 s in all: still more than the 360 s margin left
  }
  EXPECT_EQ(endpoint.calls, 1);
  EXPECT_EQ(registry.calls.load(), 1000) << "the registry is asked on every request";
  // The answer of a hit: what is left, the token endpoint's shape, not cacheable by anyone.
  const auto r = call(handler, spec());
  EXPECT_EQ(core::get_int(body(r), "expires_in").value_or(0), 3600 - 3000);
  EXPECT_EQ(core::get_string(body(r), "token_type").value_or(""), "Bearer");
  EXPECT_EQ(r.at("headers").at("cache-control").as_string(), "no-store");
  EXPECT_EQ(r.at("headers").at("pragma").as_string(), "no-cache");
  EXPECT_NE(log_out.str().find("\"detail\":\"token_cache_hit\""), std::string::npos);
  EXPECT_EQ(log_out.str().find("token-1"), std::string::npos) << "the token is never logged";
  EXPECT_EQ(log_out.str().find(kSecret), std::string::npos);
}

TEST_F(TokenCacheHandlerTest, AWrongSecretNeverGetsTheCachedToken) {
  const Handler handler = make();
  ASSERT_EQ(access_token(call(handler, spec())), "token-1");
  const auto r = call(handler, spec("a-wrong-secret"));
  EXPECT_EQ(endpoint.calls, 2) << "a wrong secret goes to Cognito, which refuses it";
  EXPECT_EQ(status(r), 400);
  EXPECT_EQ(r.at("body").as_string().find("token-1"), std::string::npos);
  // The right secret still gets the cached one.
  EXPECT_EQ(access_token(call(handler, spec())), "token-1");
  EXPECT_EQ(endpoint.calls, 2);
}

TEST_F(TokenCacheHandlerTest, ARevokedCertificateIsRefusedAlthoughATokenIsCached) {
  const Handler handler = make();
  ASSERT_EQ(access_token(call(handler, spec())), "token-1");
  const auto thumbprint = mtls::ClientCertificate::from_pem(shared().cert.cert_pem).thumbprint;
  registry.records.at(thumbprint).status = mtls::CertStatus::kRevoked;
  const auto r = call(handler, spec());
  EXPECT_EQ(status(r), 401);
  EXPECT_EQ(core::get_string(body(r), "error").value_or(""), "invalid_client");
  EXPECT_EQ(r.at("body").as_string().find("token-1"), std::string::npos);
  EXPECT_EQ(endpoint.calls, 1);
  // Suspended likewise; and back to ACTIVE, the same token again (the cache did not forget).
  registry.records.at(thumbprint).status = mtls::CertStatus::kSuspended;
  EXPECT_EQ(status(call(handler, spec())), 401);
  registry.records.at(thumbprint).status = mtls::CertStatus::kActive;
  EXPECT_EQ(access_token(call(handler, spec())), "token-1");
}

TEST_F(TokenCacheHandlerTest, AnotherScopeSetOrCertificateIsAskedForItsOwnToken) {
  const Handler handler = make();
  ASSERT_EQ(access_token(call(handler, spec())), "token-1");
  EXPECT_EQ(access_token(call(handler, spec(kSecret, "mtls-api/admin"))), "token-2");
  EXPECT_EQ(access_token(call(handler, spec(kSecret, "mtls-api/admin mtls-api/health.read"))),
            "token-3");
  // The same set in another order is the same request.
  EXPECT_EQ(access_token(call(handler, spec(kSecret, "mtls-api/health.read mtls-api/admin"))),
            "token-3");
  // Another certificate of the same client.
  EXPECT_EQ(access_token(
                call(handler, spec(kSecret, "mtls-api/health.read", shared().other_cert.cert_pem))),
            "token-4");
  EXPECT_EQ(endpoint.calls, 4);
}

TEST_F(TokenCacheHandlerTest, WithinTheMarginCognitoIsAskedAgain) {
  const Handler handler = make();
  ASSERT_EQ(access_token(call(handler, spec())), "token-1");
  clock.advance(seconds(3600 - 361));
  EXPECT_EQ(access_token(call(handler, spec())), "token-1");
  clock.advance(seconds(1));  // 360 s left: the margin of a one-hour token
  EXPECT_EQ(access_token(call(handler, spec())), "token-2");
  EXPECT_EQ(endpoint.calls, 2);
}

TEST_F(TokenCacheHandlerTest, ARefusalIsNeverCached) {
  const Handler handler = make();
  EXPECT_EQ(status(call(handler, spec("wrong"))), 400);
  EXPECT_EQ(status(call(handler, spec("wrong"))), 400);
  EXPECT_EQ(endpoint.calls, 2);
}

TEST_F(TokenCacheHandlerTest, TokenCacheFalseAsksCognitoEveryTime) {
  std::map<std::string, std::string> env{
      {"AWS_REGION", "us-east-1"},
      {"CERT_TABLE_NAME", "certs"},
      {"COGNITO_TOKEN_URL", "https://auth.example/oauth2/token"}};
  EXPECT_TRUE(Config::from_env(map_env(env)).settings.token_cache) << "on by default";
  env["TOKEN_CACHE"] = "false";
  const Config config = Config::from_env(map_env(env));
  ASSERT_FALSE(config.settings.token_cache);
  const Handler handler(config.settings, registry, endpoint, clock, logger);
  for (int i = 1; i <= 5; ++i)
    EXPECT_EQ(access_token(call(handler, spec())), "token-" + std::to_string(i));
  EXPECT_EQ(endpoint.calls, 5);
  env["TOKEN_CACHE"] = "sometimes";
  try {
    Config::from_env(map_env(env));
    ADD_FAILURE() << "accepted TOKEN_CACHE=sometimes";
  } catch (const core::ConfigError& e) {
    EXPECT_EQ(e.variable(), "TOKEN_CACHE");
  }
}

}  // namespace
}  // namespace agm::functions::token
