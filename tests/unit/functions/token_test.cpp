// The token handler against docs/contract.md section 5: every error status, Cognito's answer
// passing through, what is sent to Cognito, and what is never logged.
#include <gtest/gtest.h>

#include <sstream>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "functions/token/handler.hpp"
#include "support/fixtures.hpp"
#include "support/invoke.hpp"

namespace agm::functions::token {
namespace {

namespace json = core::json;
using namespace agm::test;

constexpr const char* kSecret = "s3cr3t-never-logged";
constexpr const char* kIssued =
    R"({"access_token":"eyJissued.token.value","expires_in":3600,"token_type":"Bearer"})";

class FakeEndpoint final : public TokenEndpoint {
 public:
  oauth::TokenEndpointResponse request(const std::string& authorization,
                                       const std::string& form_body) override {
    calls.push_back({authorization, form_body});
    if (unreachable)
      throw core::Error("ConnectError", "connection refused (fake)");
    return answer;
  }
  struct Call {
    std::string authorization, form;
  };
  std::vector<Call> calls;
  bool unreachable = false;
  oauth::TokenEndpointResponse answer{200, "application/json;charset=UTF-8", kIssued};
};

struct Shared {
  TestPki pki;
  pki::KeyAndCert cert = pki.client("client-a");
  pki::KeyAndCert cert_b = pki.client("client-b");
};
Shared& shared() {
  static Shared s;
  return s;
}

std::string basic(const std::string& user, const std::string& secret) {
  return "Basic " + core::base64_encode(user + ":" + secret);
}

class TokenTest : public ::testing::Test {
 protected:
  TokenTest() { registry.put(record_for(shared().cert.cert_pem, "client-a")); }

  [[nodiscard]] EventSpec spec(const std::string& form = "grant_type=client_credentials") const {
    EventSpec s;
    s.route_key = "POST /token";
    s.cert_pem = shared().cert.cert_pem;
    s.headers["authorization"] = basic("client-a", kSecret);
    s.headers["content-type"] = "application/x-www-form-urlencoded";
    s.body = form;
    return s;
  }
  json::object call(const EventSpec& s) {
    return test::respond(Handler(settings, registry, endpoint, clock, logger), make_event(s));
  }
  static int status(const json::object& r) {
    return static_cast<int>(r.at("statusCode").as_int64());
  }
  static json::value body(const json::object& r) {
    return core::parse_json(r.at("body").as_string()).value();
  }
  static std::string error(const json::object& r) {
    return std::string(core::get_string(body(r), "error").value_or("<none>"));
  }
  // RFC 6749 section 5.2 and RFC 8705 section 2: a certificate that fails a check is client
  // authentication failing, 401 invalid_client with the Basic challenge (docs/contract.md
  // section 5).
  void expect_denied(const json::object& r, const std::string& reason,
                     const std::string& oauth_error = "invalid_client") {
    EXPECT_EQ(status(r), oauth_error == "invalid_client" ? 401 : 400);
    EXPECT_EQ(error(r), oauth_error);
    if (oauth_error == "invalid_client") {
      EXPECT_EQ(r.at("headers").at("www-authenticate").as_string(), "Basic");
    } else {
      EXPECT_FALSE(r.at("headers").as_object().contains("www-authenticate"));
    }
    EXPECT_TRUE(endpoint.calls.empty()) << "Cognito must not be asked";
    EXPECT_NE(log_out.str().find("\"reason\":\"" + reason + "\""), std::string::npos)
        << log_out.str();
    EXPECT_EQ(r.at("body").as_string().find(reason), std::string::npos) << "reason leaked";
  }

  core::ManualClock clock{agm::core::SystemClock().now()};
  FakeRegistry registry;
  FakeEndpoint endpoint;
  std::ostringstream log_out;
  core::Logger logger{core::LogLevel::kDebug, &log_out};
  Settings settings;
};

TEST_F(TokenTest, HappyPathReturnsCognitosAnswerAsItCame) {
  const auto r = call(spec("grant_type=client_credentials&scope=mtls-api%2Fhealth.read"));
  EXPECT_EQ(status(r), 200);
  EXPECT_EQ(r.at("body").as_string(), kIssued);
  EXPECT_EQ(r.at("headers").at("content-type").as_string(), "application/json;charset=UTF-8");
  EXPECT_EQ(r.at("headers").at("cache-control").as_string(), "no-store");
  ASSERT_EQ(endpoint.calls.size(), 1U);
  EXPECT_EQ(endpoint.calls[0].authorization, basic("client-a", kSecret));
  EXPECT_EQ(endpoint.calls[0].form, "grant_type=client_credentials&scope=mtls-api%2Fhealth.read");
  // Never the secret, the Authorization header or the issued token in the logs.
  const std::string log = log_out.str();
  EXPECT_EQ(log.find(kSecret), std::string::npos);
  EXPECT_EQ(log.find(core::base64_encode(std::string("client-a:") + kSecret)), std::string::npos);
  EXPECT_EQ(log.find("eyJissued"), std::string::npos);
  EXPECT_NE(log.find("\"client_id\":\"client-a\""), std::string::npos);
}

TEST_F(TokenTest, Base64EncodedBodyIsDecoded) {
  auto s = spec("grant_type=client_credentials");
  s.body_base64 = true;
  EXPECT_EQ(status(call(s)), 200);
  ASSERT_EQ(endpoint.calls.size(), 1U);
  EXPECT_EQ(endpoint.calls[0].form, "grant_type=client_credentials");
}

TEST_F(TokenTest, OtherGrantTypeIsUnsupported) {
  const auto r = call(spec("grant_type=password&username=a&password=b"));
  EXPECT_EQ(status(r), 400);
  EXPECT_EQ(error(r), "unsupported_grant_type");
  EXPECT_TRUE(endpoint.calls.empty());
}

TEST_F(TokenTest, MalformedRequestsAreInvalidRequest) {
  for (const char* form : {"", "scope=a", "grant_type=client_credentials&scope=%zz",
                           "grant_type=client_credentials&grant_type=client_credentials"}) {
    const auto r = call(spec(form));
    EXPECT_EQ(status(r), 400) << form;
    EXPECT_EQ(error(r), "invalid_request") << form;
  }
  auto s = spec();
  s.body = "!!!not base64";
  s.body_base64 = true;
  EXPECT_EQ(error(call(s)), "invalid_request");
  // A body client_id that contradicts the Basic user.
  EXPECT_EQ(error(call(spec("grant_type=client_credentials&client_id=client-b"))),
            "invalid_request");
  // Not JSON at all.
  const auto text =
      test::invoke(Handler(settings, registry, endpoint, clock, logger), "{oops").get_payload();
  EXPECT_NE(text.find("\"statusCode\":400"), std::string::npos);
  EXPECT_TRUE(endpoint.calls.empty());
}

TEST_F(TokenTest, MissingOrNonBasicAuthorizationIsInvalidClientWithChallenge) {
  for (const std::optional<std::string>& auth : std::vector<std::optional<std::string>>{
           std::nullopt, std::string("Bearer abc"), std::string("Basic !!!"),
           std::string("Basic ") + core::base64_encode("no-colon"),
           std::string("Basic ") + core::base64_encode(":secret-only")}) {
    auto s = spec();
    if (auth)
      s.headers["authorization"] = *auth;
    else
      s.headers.erase("authorization");
    const auto r = call(s);
    EXPECT_EQ(status(r), 401) << auth.value_or("<none>");
    EXPECT_EQ(error(r), "invalid_client");
    EXPECT_EQ(r.at("headers").at("www-authenticate").as_string(), "Basic");
  }
  EXPECT_TRUE(endpoint.calls.empty());
}

TEST_F(TokenTest, CertificateMissingIsInvalidClient) {
  auto s = spec();
  s.cert_pem.reset();
  expect_denied(call(s), "cert_missing");
}

TEST_F(TokenTest, UnparseableCertificateIsInvalidClient) {
  auto s = spec();
  s.cert_pem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
  expect_denied(call(s), "cert_invalid");
}

TEST_F(TokenTest, MalformedRegistryRecordIsInvalidClient) {
  class Malformed final : public mtls::RegistryReader {
   public:
    std::optional<mtls::RegistryRecord> find(const std::string&) override {
      throw mtls::RegistryError(mtls::RegistryErrc::kRecordMalformed,
                                "missing attribute client_id");
    }
  } malformed;
  const auto r =
      test::respond(Handler(settings, malformed, endpoint, clock, logger), make_event(spec()));
  expect_denied(r, "record_malformed");
}

TEST_F(TokenTest, CertificateNotRegisteredIsInvalidClient) {
  auto s = spec();
  s.cert_pem = shared().cert_b.cert_pem;
  expect_denied(call(s), "cert_not_registered");
}

TEST_F(TokenTest, RevokedRecordIsInvalidClient) {
  registry.records.begin()->second.status = mtls::CertStatus::kRevoked;
  expect_denied(call(spec()), "cert_revoked");
}

TEST_F(TokenTest, SuspendedRecordIsInvalidClient) {
  registry.records.begin()->second.status = mtls::CertStatus::kSuspended;
  expect_denied(call(spec()), "cert_suspended");
}

TEST_F(TokenTest, RecordPastNotAfterIsInvalidClient) {
  registry.records.begin()->second.not_after = clock.now() - std::chrono::seconds(1);
  expect_denied(call(spec()), "record_expired");
}

TEST_F(TokenTest, ExpiredCertificateIsInvalidClient) {
  clock.advance(std::chrono::hours(24 * 31));  // past the certificate's 30 days
  registry.records.begin()->second.not_after = clock.now() + std::chrono::hours(1);
  expect_denied(call(spec()), "cert_expired");
}

TEST_F(TokenTest, CertificateOfAnotherClientIsInvalidClient) {
  auto s = spec();
  s.headers["authorization"] = basic("client-b", kSecret);
  expect_denied(call(s), "client_mismatch");
}

TEST_F(TokenTest, ScopeOutsideTheRecordIsInvalidScope) {
  registry.records.begin()->second.scopes = std::vector<std::string>{"mtls-api/health.read"};
  expect_denied(call(spec("grant_type=client_credentials&scope=mtls-api%2Fadmin")),
                "scope_not_allowed", "invalid_scope");
}

TEST_F(TokenTest, NoRequestedScopeAsksCognitoForExactlyTheRecordsScopes) {
  registry.records.begin()->second.scopes =
      std::vector<std::string>{"mtls-api/health.read", "mtls-api/x"};
  EXPECT_EQ(status(call(spec())), 200);
  ASSERT_EQ(endpoint.calls.size(), 1U);
  EXPECT_EQ(endpoint.calls[0].form,
            "grant_type=client_credentials&scope=mtls-api%2Fhealth.read%20mtls-api%2Fx");
}

TEST_F(TokenTest, RegistryUnreachableIs503TemporarilyUnavailable) {
  registry.unavailable = true;
  const auto r = call(spec());
  EXPECT_EQ(status(r), 503);
  EXPECT_EQ(r.at("body").as_string(), R"({"error":"temporarily_unavailable"})");
  EXPECT_TRUE(endpoint.calls.empty());
}

TEST_F(TokenTest, CognitoUnreachableIs502) {
  endpoint.unreachable = true;
  const auto r = call(spec());
  EXPECT_EQ(status(r), 502);
  EXPECT_EQ(r.at("body").as_string(),
            R"({"error":"server_error","error_description":"token endpoint unreachable"})");
}

TEST_F(TokenTest, CognitoAnswerThatIsNotJsonIs502) {
  endpoint.answer = {500, "text/html", "<html><body>Internal Error</body></html>"};
  const auto r = call(spec());
  EXPECT_EQ(status(r), 502);
  EXPECT_EQ(error(r), "server_error");
}

TEST_F(TokenTest, CognitosOwnErrorPassesThrough) {
  endpoint.answer = {400, "application/json", R"({"error":"invalid_client"})"};
  auto r = call(spec());
  EXPECT_EQ(status(r), 400);
  EXPECT_EQ(r.at("body").as_string(), R"({"error":"invalid_client"})");
  endpoint.answer = {429, "application/x-amz-json-1.1", R"({"error":"slow_down"})"};
  r = call(spec());
  EXPECT_EQ(status(r), 429);
  EXPECT_EQ(r.at("headers").at("content-type").as_string(), "application/x-amz-json-1.1");
}

TEST_F(TokenTest, CertBoundTokensAddTheThumbprintAsClientMetadata) {
  settings.cert_bound_tokens = true;
  EXPECT_EQ(status(call(spec())), 200);
  ASSERT_EQ(endpoint.calls.size(), 1U);
  const auto thumb = mtls::ClientCertificate::from_pem(shared().cert.cert_pem).thumbprint;
  EXPECT_EQ(endpoint.calls[0].form,
            "grant_type=client_credentials&aws_client_metadata=" +
                core::percent_encode(R"({"cert_thumbprint":")" + thumb + R"("})"));
}

TEST(TokenConfig, ErrorsNameTheVariable) {
  std::map<std::string, std::string> env{
      {"AWS_REGION", "eu-west-1"},
      {"CERT_TABLE_NAME", "certs"},
      {"COGNITO_TOKEN_URL", "https://auth.example/oauth2/token"}};
  EXPECT_FALSE(Config::from_env(map_env(env)).settings.cert_bound_tokens);
  for (const char* var : {"AWS_REGION", "CERT_TABLE_NAME", "COGNITO_TOKEN_URL"}) {
    auto missing = env;
    missing.erase(var);
    try {
      Config::from_env(map_env(missing));
      ADD_FAILURE() << "accepted without " << var;
    } catch (const core::ConfigError& e) {
      EXPECT_EQ(e.variable(), var);
    }
  }
  env["COGNITO_TOKEN_URL"] = "not a url";
  EXPECT_THROW(Config::from_env(map_env(env)), core::ConfigError);
}

}  // namespace
}  // namespace agm::functions::token
