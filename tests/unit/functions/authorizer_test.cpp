// The authorizer handler against docs/contract.md section 6: one test per rule (Rule1_...
// Rule7_...) that fails if that rule is removed from the handler, plus every deny path the brief
// names. The verifier is the real one over a JWKS preloaded with set_jwks; keys, tokens and
// certificates are made here.
#include <gtest/gtest.h>

#include <sstream>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "functions/authorizer/handler.hpp"
#include "oauth/jwks.hpp"
#include "oauth/verifier.hpp"
#include "support/fixtures.hpp"
#include "support/invoke.hpp"

namespace agm::functions::authorizer {
namespace {

namespace json = core::json;
using namespace agm::test;

Verdict verdict(const Handler& h, const json::value& event) {
  return verdict_of(h.decide(AuthorizerRequest::from_json(event)));
}

constexpr const char* kScope = "mtls-api/health.read";

class UnreachableJwks final : public oauth::JwksFetcher {
 public:
  std::string fetch() override {
    ++calls;
    throw std::runtime_error("connection refused (fake)");
  }
  int calls = 0;
};

// Serves a fixed JWKS (the one the fixture preloads), as the pool's endpoint would.
class ServingJwks final : public oauth::JwksFetcher {
 public:
  std::string fetch() override { return body; }
  std::string body;
};

struct Shared {
  RsaKey key;
  RsaKey other_key;
  TestPki pki;
  pki::KeyAndCert cert = pki.client("client-a");
  pki::KeyAndCert cert_b = pki.client("client-b");
};

Shared& shared() {
  static Shared s;  // key generation is slow: once per process
  return s;
}

class AuthorizerTest : public ::testing::Test {
 protected:
  AuthorizerTest() {
    fetcher.body = jwks_json({shared().key.jwk("kid-1")});
    jwks.set_jwks(fetcher.body);
    registry.put(record_for(shared().cert.cert_pem, "client-a"));
    settings.route_scopes = {{"GET /health", {kScope}}};
  }

  [[nodiscard]] Handler handler() { return Handler(settings, registry, verifier, clock, logger); }
  [[nodiscard]] json::object claims() const {
    return access_claims("client-a", kScope, clock.now());
  }
  [[nodiscard]] std::string token(const json::object& c, const std::string& kid = "kid-1") const {
    return shared().key.sign_jwt(json::object{{"kid", kid}}, c);
  }
  [[nodiscard]] json::object event(const std::string& jwt) const {
    EventSpec spec;
    spec.cert_pem = shared().cert.cert_pem;
    spec.headers["authorization"] = "Bearer " + jwt;
    return make_event(spec);
  }
  Verdict decide(const json::value& ev) { return verdict(handler(), ev); }
  std::string reason_for_claims(const json::object& c) { return decide(event(token(c))).reason; }

  core::ManualClock clock{agm::core::SystemClock().now()};
  FakeRegistry registry;
  ServingJwks fetcher;
  oauth::JwksCache jwks{fetcher, clock};
  oauth::AccessTokenVerifier verifier{oauth::VerifierConfig{kRegion, kPool}, jwks, clock};
  std::ostringstream log_out;
  core::Logger logger{core::LogLevel::kDebug, &log_out};
  Settings settings;
};

TEST_F(AuthorizerTest, AllowsWhenEveryRuleHoldsWithTheContextTheHealthFunctionNeeds) {
  const auto response = respond(handler(), event(token(claims())));
  ASSERT_TRUE(response.at("isAuthorized").as_bool()) << log_out.str();
  const auto& ctx = response.at("context").as_object();
  const auto cert = mtls::ClientCertificate::from_pem(shared().cert.cert_pem);
  EXPECT_EQ(ctx.at("client_id").as_string(), "client-a");
  EXPECT_EQ(ctx.at("cert_thumbprint").as_string(), cert.thumbprint);
  EXPECT_EQ(ctx.at("scope").as_string(), kScope);
  EXPECT_EQ(ctx.at("cert_not_after").as_string(), core::format_rfc3339(cert.not_after));
  // One info line with client id and thumbprint.
  const std::string log = log_out.str();
  ASSERT_EQ(std::count(log.begin(), log.end(), '\n'), 1);
  const auto line = core::parse_json(log).value();
  EXPECT_EQ(core::get_string(line, "level").value(), "info");
  EXPECT_EQ(core::get_string(line, "client_id").value(), "client-a");
  EXPECT_EQ(core::get_string(line, "cert_thumbprint").value(), cert.thumbprint);
}

// The deny's context carries the reason's name and the thumbprint for the access log
// ($context.authorizer.reason); API Gateway answers the client a fixed 403, and the detail stays
// in the log line.
TEST_F(AuthorizerTest, DenyLogsOneLineWithTheReasonAndTheResponseHoldsOnlyItsName) {
  registry.records.clear();
  const auto response = respond(handler(), event(token(claims())));
  const auto cert = mtls::ClientCertificate::from_pem(shared().cert.cert_pem);
  EXPECT_EQ(
      json::serialize(response),
      R"({"isAuthorized":false,"context":{"reason":"cert_not_registered","cert_thumbprint":")" +
          cert.thumbprint + R"("}})");
  const std::string log = log_out.str();
  ASSERT_EQ(std::count(log.begin(), log.end(), '\n'), 1);
  const auto line = core::parse_json(log).value();
  EXPECT_EQ(core::get_string(line, "level").value(), "warn");
  EXPECT_EQ(core::get_string(line, "reason").value(), "cert_not_registered");
  EXPECT_EQ(log.find("eyJ"), std::string::npos) << "the token must never be logged";
}

// ---- Rule 1: a client certificate is present.
TEST_F(AuthorizerTest, Rule1_DeniesWithoutClientCertificate) {
  EventSpec spec;
  spec.headers["authorization"] = "Bearer " + token(claims());
  EXPECT_EQ(decide(make_event(spec)).reason, "cert_missing");
  spec.cert_pem = "";
  EXPECT_EQ(decide(make_event(spec)).reason, "cert_missing");
}

TEST_F(AuthorizerTest, Rule1_DeniesACertificateThatDoesNotParse) {
  EventSpec spec;
  spec.cert_pem = "-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n";
  spec.headers["authorization"] = "Bearer " + token(claims());
  EXPECT_EQ(decide(make_event(spec)).reason, "cert_invalid");
}

// ---- Rule 2: registered, ACTIVE, inside the certificate's and the record's validity.
TEST_F(AuthorizerTest, Rule2_DeniesAnUnregisteredCertificate) {
  EventSpec spec;
  spec.cert_pem = shared().cert_b.cert_pem;  // issued by the same CA, never registered
  spec.headers["authorization"] = "Bearer " + token(claims());
  EXPECT_EQ(decide(make_event(spec)).reason, "cert_not_registered");
}

TEST_F(AuthorizerTest, Rule2_DeniesARevokedRecord) {
  registry.records.begin()->second.status = mtls::CertStatus::kRevoked;
  EXPECT_EQ(reason_for_claims(claims()), "cert_revoked");
}

TEST_F(AuthorizerTest, Rule2_DeniesASuspendedRecord) {
  registry.records.begin()->second.status = mtls::CertStatus::kSuspended;
  EXPECT_EQ(reason_for_claims(claims()), "cert_suspended");
}

TEST_F(AuthorizerTest, Rule2_DeniesARecordPastItsNotAfter) {
  registry.records.begin()->second.not_after = clock.now() - std::chrono::hours(1);
  EXPECT_EQ(reason_for_claims(claims()), "record_expired");
}

TEST_F(AuthorizerTest, Rule2_DeniesARecordNotYetValid) {
  registry.records.begin()->second.not_before = clock.now() + std::chrono::hours(1);
  EXPECT_EQ(reason_for_claims(claims()), "record_not_yet_valid");
}

TEST_F(AuthorizerTest, Rule2_DeniesAnExpiredCertificateEvenWhenTheRecordIsValid) {
  const auto now = clock.now();
  const auto expired = shared().pki.client_valid("client-a", now - std::chrono::hours(48),
                                                 now - std::chrono::hours(1));
  auto record = record_for(expired.cert_pem, "client-a");
  record.not_after = now + std::chrono::hours(24);  // the record alone would still pass
  registry.put(record);
  EventSpec spec;
  spec.cert_pem = expired.cert_pem;
  spec.headers["authorization"] = "Bearer " + token(claims());
  EXPECT_EQ(decide(make_event(spec)).reason, "cert_expired");
}

TEST_F(AuthorizerTest, Rule2_DeniesWhenTheRegistryIsUnreachable) {
  registry.unavailable = true;
  EXPECT_EQ(reason_for_claims(claims()), "registry_unavailable");
}

// ---- Rule 3: RS256 JWS, kid in the JWKS, valid signature; none/HMAC refused.
TEST_F(AuthorizerTest, Rule3_DeniesABadSignature) {
  std::string jwt = token(claims());
  // A character in the middle of the signature: the last one also carries padding bits.
  char& c = jwt[jwt.size() - 20];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(decide(event(jwt)).reason, "token_bad_signature");
  // Signed by a key that is not in the JWKS but claiming its kid.
  const std::string forged = shared().other_key.sign_jwt(json::object{{"kid", "kid-1"}}, claims());
  EXPECT_EQ(decide(event(forged)).reason, "token_bad_signature");
}

TEST_F(AuthorizerTest, Rule3_DeniesAlgNoneAndHmac) {
  const auto unsigned_token = [&](const std::string& alg, const std::string& sig) {
    return core::base64url_encode(json::serialize(json::object{{"alg", alg}, {"kid", "kid-1"}})) +
           "." + core::base64url_encode(json::serialize(claims())) + "." + sig;
  };
  EXPECT_EQ(decide(event(unsigned_token("none", "AAAA"))).reason, "token_algorithm_refused");
  const std::string head_payload =
      core::base64url_encode(json::serialize(json::object{{"alg", "HS256"}, {"kid", "kid-1"}})) +
      "." + core::base64url_encode(json::serialize(claims()));
  const std::string hs =
      head_payload + "." + core::base64url_encode(core::hmac_sha256("secret", head_payload));
  EXPECT_EQ(decide(event(hs)).reason, "token_algorithm_refused");
}

TEST_F(AuthorizerTest, Rule3_DeniesAnUnknownKid) {
  EXPECT_EQ(decide(event(token(claims(), "kid-unknown"))).reason, "token_kid_not_found");
}

TEST_F(AuthorizerTest, Rule3_DeniesWhenTheJwksIsUnreachableAndNothingIsCached) {
  UnreachableJwks down;
  oauth::JwksCache empty(down, clock);
  oauth::AccessTokenVerifier v(oauth::VerifierConfig{kRegion, kPool}, empty, clock);
  const Handler h(settings, registry, v, clock, logger);
  EXPECT_EQ(verdict(h, event(token(claims()))).reason, "jwks_unavailable");
  EXPECT_GE(down.calls, 1);
}

// ---- Rule 4: iss, token_use, exp, iat, nbf (within CLOCK_SKEW_SECONDS).
TEST_F(AuthorizerTest, Rule4_DeniesAWrongIssuer) {
  auto c = claims();
  c["iss"] = std::string("https://cognito-idp.") + kRegion + ".amazonaws.com/eu-west-1_Other";
  EXPECT_EQ(reason_for_claims(c), "token_wrong_issuer");
}

TEST_F(AuthorizerTest, Rule4_DeniesAnIdToken) {
  auto c = claims();
  c["token_use"] = "id";
  EXPECT_EQ(reason_for_claims(c), "token_wrong_token_use");
}

TEST_F(AuthorizerTest, Rule4_DeniesAnExpiredToken) {
  const std::string jwt = token(claims());
  clock.advance(std::chrono::hours(2));
  EXPECT_EQ(decide(event(jwt)).reason, "token_expired");
}

TEST_F(AuthorizerTest, Rule4_DeniesATokenIssuedInTheFutureUnlessWithinSkew) {
  auto c = claims();
  c["iat"] = core::to_epoch_seconds(clock.now()) + 60;
  EXPECT_EQ(reason_for_claims(c), "token_issued_in_future");
  oauth::AccessTokenVerifier lenient(
      oauth::VerifierConfig{kRegion, kPool, std::chrono::seconds(120)}, jwks, clock);
  const Handler h(settings, registry, lenient, clock, logger);
  EXPECT_TRUE(verdict(h, event(token(c))).allowed);
}

// ---- Rule 5: the token's client_id is the record's client_id.
TEST_F(AuthorizerTest, Rule5_DeniesATokenOfAnotherClient) {
  EXPECT_EQ(reason_for_claims(access_claims("client-b", kScope, clock.now())), "client_mismatch");
}

// ---- Rule 6: the route's scope is in the token and allowed by the record.
TEST_F(AuthorizerTest, Rule6_DeniesATokenWithoutTheRouteScope) {
  EXPECT_EQ(reason_for_claims(access_claims("client-a", "mtls-api/other", clock.now())),
            "scope_missing");
}

TEST_F(AuthorizerTest, Rule6_DeniesAScopeTheRecordDoesNotAllow) {
  registry.records.begin()->second.scopes = std::vector<std::string>{"mtls-api/other"};
  EXPECT_EQ(reason_for_claims(claims()), "scope_not_allowed");
  registry.records.begin()->second.scopes = std::vector<std::string>{"mtls-api/other", kScope};
  EXPECT_TRUE(decide(event(token(claims()))).allowed);
}

TEST_F(AuthorizerTest, Rule6_DeniesARouteThatRouteScopesDoesNotList) {
  EventSpec spec;
  spec.route_key = "POST /health";
  spec.cert_pem = shared().cert.cert_pem;
  spec.headers["authorization"] = "Bearer " + token(claims());
  EXPECT_EQ(decide(make_event(spec)).reason, "route_unknown");
}

// ---- Rule 7: cnf["x5t#S256"] binds the token to the certificate; optionally required.
TEST_F(AuthorizerTest, Rule7_DeniesATokenBoundToAnotherCertificate) {
  auto c = claims();
  const auto other = mtls::ClientCertificate::from_pem(shared().cert_b.cert_pem);
  c["cnf"] = json::object{{"x5t#S256", other.x5t_s256}};
  EXPECT_EQ(reason_for_claims(c), "binding_mismatch");
  const auto mine = mtls::ClientCertificate::from_pem(shared().cert.cert_pem);
  c["cnf"] = json::object{{"x5t#S256", mine.x5t_s256}};
  EXPECT_TRUE(decide(event(token(c))).allowed);
}

TEST_F(AuthorizerTest, Rule7_RequireCertBoundTokenDeniesATokenWithoutCnf) {
  settings.require_cert_bound_token = true;
  EXPECT_EQ(reason_for_claims(claims()), "binding_required");
  auto c = claims();
  c["cnf"] = json::object{
      {"x5t#S256", mtls::ClientCertificate::from_pem(shared().cert.cert_pem).x5t_s256}};
  EXPECT_TRUE(decide(event(token(c))).allowed);
}

// ---- Malformed input and the Authorization header.
TEST_F(AuthorizerTest, DeniesAnEventWithoutRequestContext) {
  auto ev = event(token(claims()));
  ev.erase("requestContext");
  EXPECT_EQ(decide(ev).reason, "event_malformed");
}

TEST_F(AuthorizerTest, DeniesAnEventWithoutHeaders) {
  auto ev = event(token(claims()));
  ev.erase("headers");
  EXPECT_EQ(decide(ev).reason, "token_missing");
}

TEST_F(AuthorizerTest, DeniesFieldsOfTheWrongType) {
  auto ev = event(token(claims()));
  ev["headers"] = "authorization: Bearer x";
  EXPECT_EQ(decide(ev).reason, "event_malformed");
  ev = event(token(claims()));
  ev["headers"].as_object()["authorization"] = 42;
  EXPECT_EQ(decide(ev).reason, "event_malformed");
  ev = event(token(claims()));
  ev["requestContext"].as_object()["authentication"] = json::array{1, 2};
  EXPECT_EQ(decide(ev).reason, "event_malformed");
  ev = event(token(claims()));
  ev["requestContext"]
      .as_object()["authentication"]
      .as_object()["clientCert"]
      .as_object()["clientCertPem"] = true;
  EXPECT_EQ(decide(ev).reason, "event_malformed");
  ev = event(token(claims()));
  ev["routeKey"] = 1;
  EXPECT_EQ(decide(ev).reason, "event_malformed");
  ev = event(token(claims()));
  ev["requestContext"] = "x";
  EXPECT_EQ(decide(ev).reason, "event_malformed");
  EXPECT_EQ(decide(json::value(json::array{})).reason, "event_malformed");
}

TEST_F(AuthorizerTest, HandleDeniesAPayloadThatIsNotJson) {
  const std::string deny = R"({"isAuthorized":false,"context":{"reason":"event_malformed"}})";
  EXPECT_EQ(test::invoke(handler(), "{not json").get_payload(), deny);
  EXPECT_EQ(test::invoke(handler(), "").get_payload(), deny);
}

TEST_F(AuthorizerTest, DeniesAnAuthorizationHeaderWithoutBearer) {
  auto ev = event(token(claims()));
  ev["headers"].as_object()["authorization"] = "Basic " + core::base64_encode("a:b");
  EXPECT_EQ(decide(ev).reason, "token_not_bearer");
  ev["headers"].as_object()["authorization"] = token(claims());
  EXPECT_EQ(decide(ev).reason, "token_not_bearer");
  ev["headers"].as_object()["authorization"] = "Bearer";
  EXPECT_EQ(decide(ev).reason, "token_not_bearer");
  // The scheme is case-insensitive (RFC 7235).
  ev["headers"].as_object()["authorization"] = "bearer " + token(claims());
  EXPECT_TRUE(decide(ev).allowed);
}

TEST_F(AuthorizerTest, DeniesAMalformedToken) {
  EXPECT_EQ(decide(event("a.b")).reason, "token_malformed");
  EXPECT_EQ(decide(event("not-a-jwt")).reason, "token_malformed");
}

// ---- ROUTE_SCOPES and the configuration.
TEST(RouteScopes, ParsesEntriesAndRejectsNonsenseNamingTheVariable) {
  const auto r = parse_route_scopes("GET /health=mtls-api/health.read; POST /x=a b ;");
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r.at("GET /health"), std::vector<std::string>{"mtls-api/health.read"});
  EXPECT_EQ(r.at("POST /x"), (std::vector<std::string>{"a", "b"}));
  for (const char* bad : {"", ";", "GET /health", "GET /health=", "get /health=a", "GET health=a",
                          "GET /a=x;GET /a=y", "/health=a"}) {
    try {
      parse_route_scopes(bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const core::ConfigError& e) {
      EXPECT_EQ(e.variable(), "ROUTE_SCOPES");
    }
  }
}

TEST(AuthorizerConfig, DefaultsAndErrorsNameTheVariable) {
  std::map<std::string, std::string> env{{"AWS_REGION", "eu-west-1"},
                                         {"CERT_TABLE_NAME", "certs"},
                                         {"COGNITO_USER_POOL_ID", "eu-west-1_P"},
                                         {"ROUTE_SCOPES", "GET /health=s"}};
  const auto c = Config::from_env(map_env(env));
  EXPECT_EQ(c.jwks_url,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_P/.well-known/jwks.json");
  EXPECT_EQ(c.registry_cache_ttl, std::chrono::seconds(30));
  EXPECT_EQ(c.clock_skew, std::chrono::seconds(0));
  EXPECT_FALSE(c.settings.require_cert_bound_token);
  for (const char* var :
       {"AWS_REGION", "CERT_TABLE_NAME", "COGNITO_USER_POOL_ID", "ROUTE_SCOPES"}) {
    auto missing = env;
    missing.erase(var);
    try {
      Config::from_env(map_env(missing));
      ADD_FAILURE() << "accepted without " << var;
    } catch (const core::ConfigError& e) {
      EXPECT_EQ(e.variable(), var);
    }
  }
  for (const auto& [var, value] :
       std::map<std::string, std::string>{{"REGISTRY_CACHE_TTL_SECONDS", "soon"},
                                          {"CLOCK_SKEW_SECONDS", "-5"},
                                          {"REQUIRE_CERT_BOUND_TOKEN", "yes please"},
                                          {"COGNITO_JWKS_URL", "file:///etc/passwd"}}) {
    auto bad = env;
    bad[var] = value;
    try {
      Config::from_env(map_env(bad));
      ADD_FAILURE() << "accepted " << var << "=" << value;
    } catch (const core::ConfigError& e) {
      EXPECT_EQ(e.variable(), var);
    }
  }
}

}  // namespace
}  // namespace agm::functions::authorizer
