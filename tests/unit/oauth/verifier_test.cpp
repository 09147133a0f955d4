// AccessTokenVerifier: one test per TokenError, with tokens signed here by RSA-2048 keys generated
// here and the JWKS served by a LoopbackServer to a real HttpJwksFetcher.
#include "oauth/verifier.hpp"
#include "oauth/jwks_fetcher.hpp"

#include <gtest/gtest.h>

#include <set>
#include <span>

#include "support/jwt_signer.hpp"
#include "support/loopback_server.hpp"

namespace agm::oauth {
namespace {

using agm::test::b64;
using agm::test::cognito_access_claims;
using agm::test::hs256_jwt;
using agm::test::rs256_header;
using agm::test::sign_jwt;
using agm::test::TestRsaKey;
namespace json = boost::json;

constexpr std::int64_t kNow = 1780000000;
const char* const kRegion = "eu-west-1";
const char* const kPool = "eu-west-1_AbCdEf123";

const TestRsaKey& key1() {
  static const TestRsaKey k("key-1");
  return k;
}
const TestRsaKey& key2() {
  static const TestRsaKey k("key-2");
  return k;
}
const TestRsaKey& stranger() {  // not in the JWKS, but claims key-1's kid
  static const TestRsaKey k("key-1");
  return k;
}

class VerifierTest : public ::testing::Test {
 protected:
  VerifierTest()
      : server_([this](const agm::test::HttpRequest&) {
          return agm::test::HttpResponse{200, {{"content-type", "application/json"}}, jwks_};
        }),
        fetcher_(server_.url() + "/" + kPool + "/.well-known/jwks.json"),
        clock_(core::from_epoch_seconds(kNow)),
        cache_(fetcher_, clock_),
        verifier_(VerifierConfig{kRegion, kPool, std::chrono::seconds(0), 16384}, cache_, clock_) {}

  json::object claims() const { return cognito_access_claims(issuer(), kNow); }
  static std::string issuer() { return cognito_issuer(kRegion, kPool); }

  // Expects refusal with exactly `error`.
  void expect_refused(const std::string& jwt, TokenError error) const {
    const VerifyResult r = verifier_.verify(jwt);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(to_string(r.error), to_string(error)) << r.detail;
    EXPECT_FALSE(r.detail.empty());
  }

  std::string jwks_ = agm::test::jwks_of({&key1(), &key2()});
  agm::test::LoopbackServer server_;
  HttpJwksFetcher fetcher_;
  core::ManualClock clock_;
  JwksCache cache_;
  AccessTokenVerifier verifier_;
};

TEST(CognitoIssuer, Format) {
  EXPECT_EQ(cognito_issuer("us-east-1", "us-east-1_X"),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X");
}

TEST(TokenErrorNames, AreDistinctAndStable) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(TokenError::kTimeOutOfRange); ++i) {
    names.insert(to_string(static_cast<TokenError>(i)));
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(TokenError::kTimeOutOfRange) + 1);
  EXPECT_EQ(to_string(TokenError::kExpired), "token_expired");
  EXPECT_EQ(to_string(TokenError::kAlgorithmRefused), "algorithm_refused");
}

TEST_F(VerifierTest, AcceptsAValidCognitoAccessToken) {
  json::object c = claims();
  c["cnf"] = json::object{{"x5t#S256", "abc_-"}};
  c["nbf"] = kNow - 5;
  const VerifyResult r = verifier_.verify(sign_jwt(key1(), c));
  ASSERT_TRUE(r.ok()) << to_string(r.error) << ": " << r.detail;
  EXPECT_EQ(r.token->client_id, "7example5client");
  EXPECT_EQ(r.token->sub, "7example5client");
  EXPECT_EQ(r.token->iss, issuer());
  EXPECT_EQ(r.token->token_use, "access");
  EXPECT_EQ(r.token->exp, kNow + 3600);
  EXPECT_EQ(r.token->iat, kNow - 10);
  EXPECT_EQ(r.token->nbf, kNow - 5);
  EXPECT_EQ(r.token->auth_time, kNow - 10);
  EXPECT_EQ(r.token->jti, "0d5a1bd4-1a2b-4c3d-8e9f-001122334455");
  EXPECT_EQ(r.token->scopes, (std::vector<std::string>{"mtls-api/health.read", "mtls-api/other"}));
  EXPECT_TRUE(r.token->has_scope("mtls-api/other"));
  EXPECT_FALSE(r.token->has_scope("mtls-api"));
  EXPECT_EQ(r.token->cnf_x5t_s256, "abc_-");
  EXPECT_EQ(r.token->claims.at("version").as_int64(), 2);
  // The second key of the set works too, and the set was fetched once.
  EXPECT_TRUE(verifier_.verify(sign_jwt(key2(), claims())).ok());
  EXPECT_EQ(server_.requests().size(), 1U);
  EXPECT_EQ(server_.requests()[0].target, std::string("/") + kPool + "/.well-known/jwks.json");
}

TEST_F(VerifierTest, Malformed) {
  const std::string good = sign_jwt(key1(), claims());
  for (const std::string& bad : {
           std::string(),
           std::string("abc"),
           std::string("a.b"),
           good + ".extra",
           good + ".",
           "." + good,
           good.substr(0, good.find('.')) + ".." + good.substr(good.rfind('.') + 1),
           std::string(" ") + good,
           good + "\n",
           good + "=",
           good.substr(0, good.find('.')) + "=" + good.substr(good.find('.')),
       }) {
    expect_refused(bad, TokenError::kMalformed);
  }
  const std::string payload = json::serialize(claims());
  expect_refused(sign_jwt(key1(), "not json", payload), TokenError::kMalformed);
  expect_refused(sign_jwt(key1(), "[1,2]", payload), TokenError::kMalformed);
  expect_refused(sign_jwt(key1(), rs256_header("key-1"), "not json"), TokenError::kMalformed);
  expect_refused(sign_jwt(key1(), rs256_header("key-1"), "\"a string\""), TokenError::kMalformed);
  expect_refused(sign_jwt(key1(), R"({"alg":"RS256","kid":7})", payload), TokenError::kMalformed);
  expect_refused(sign_jwt(key1(), R"({"alg":"RS256","kid":"key-1","crit":["b64"]})", payload),
                 TokenError::kMalformed);
  json::object c = claims();
  c["exp"] = "tomorrow";
  expect_refused(sign_jwt(key1(), c), TokenError::kMalformed);
  c = claims();
  c["scope"] = json::array{"a"};
  expect_refused(sign_jwt(key1(), c), TokenError::kMalformed);
  c = claims();
  c["cnf"] = "x";
  expect_refused(sign_jwt(key1(), c), TokenError::kMalformed);
  // Deep nesting is refused, not recursed into.
  expect_refused(
      sign_jwt(key1(), rs256_header("key-1"), std::string(200, '[') + std::string(200, ']')),
      TokenError::kMalformed);
}

TEST_F(VerifierTest, TooLarge) {
  json::object c = claims();
  c["padding"] = std::string(20000, 'x');
  expect_refused(sign_jwt(key1(), c), TokenError::kTooLarge);
}

TEST_F(VerifierTest, AlgorithmRefusedBeforeAnyKeyLookup) {
  const std::string payload = json::serialize(claims());
  // alg none, with and without a signature.
  const std::string none_input = b64(R"({"alg":"none","kid":"key-1"})") + "." + b64(payload);
  expect_refused(none_input + ".", TokenError::kMalformed);  // empty signature segment
  expect_refused(none_input + "." + b64("x"), TokenError::kAlgorithmRefused);
  // HS256 keyed with the RSA public key as PEM (the classic key confusion attack).
  expect_refused(hs256_jwt(key1().public_pem(), R"({"alg":"HS256","kid":"key-1"})", payload),
                 TokenError::kAlgorithmRefused);
  for (const char* alg : {"RS384", "RS512", "PS256", "ES256", "rs256", "NONE", ""}) {
    expect_refused(
        sign_jwt(key1(), std::string(R"({"kid":"key-1","alg":")") + alg + "\"}", payload),
        TokenError::kAlgorithmRefused);
  }
  expect_refused(sign_jwt(key1(), R"({"kid":"key-1"})", payload), TokenError::kAlgorithmRefused);
  expect_refused(sign_jwt(key1(), R"({"kid":"key-1","alg":["RS256"]})", payload),
                 TokenError::kAlgorithmRefused);
  // None of these reached the JWKS endpoint.
  EXPECT_EQ(server_.requests().size(), 0U);
}

TEST_F(VerifierTest, KidMissing) {
  const std::string payload = json::serialize(claims());
  expect_refused(sign_jwt(key1(), R"({"alg":"RS256"})", payload), TokenError::kKidMissing);
  expect_refused(sign_jwt(key1(), R"({"alg":"RS256","kid":""})", payload), TokenError::kKidMissing);
}

TEST_F(VerifierTest, KidNotFound) {
  const TestRsaKey other("key-9");
  expect_refused(sign_jwt(other, claims()), TokenError::kKidNotFound);
}

TEST_F(VerifierTest, JwksUnavailable) {
  HttpJwksFetcher dead("http://127.0.0.1:1/jwks.json", net::HttpOptions{});
  JwksCache cache(dead, clock_);
  const AccessTokenVerifier v(VerifierConfig{kRegion, kPool, {}, 16384}, cache, clock_);
  const VerifyResult r = v.verify(sign_jwt(key1(), claims()));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error, TokenError::kJwksUnavailable) << r.detail;
}

TEST_F(VerifierTest, JwksInvalid) {
  json::object jwk = key1().jwk();
  jwk["alg"] = "RS512";
  cache_.set_jwks(json::serialize(json::object{{"keys", json::array{jwk}}}));
  expect_refused(sign_jwt(key1(), claims()), TokenError::kJwksInvalid);
}

TEST_F(VerifierTest, BadSignature) {
  const std::string good = sign_jwt(key1(), claims());
  const std::size_t dot2 = good.rfind('.');
  // Signed by another key that claims the same kid.
  expect_refused(sign_jwt(stranger(), claims()), TokenError::kBadSignature);
  // Payload changed after signing.
  json::object c = claims();
  c["client_id"] = "someone-else";
  const std::string forged =
      good.substr(0, good.find('.') + 1) + b64(json::serialize(c)) + good.substr(dot2);
  expect_refused(forged, TokenError::kBadSignature);
  // Truncated, flipped, and a short signature.
  const std::string sig = *core::base64url_decode(good.substr(dot2 + 1));
  expect_refused(good.substr(0, dot2 + 1) + b64(sig.substr(0, sig.size() - 1)),
                 TokenError::kBadSignature);
  // Cut to 338 characters (2 mod 4): the last one carries 4 stray bits. 'B' (value 1) makes them
  // non-zero, so the text is not canonical base64url: malformed. (Left as the signature had it,
  // they were zero in 1 run of 16 and the token decoded: the flake seen under ASan.)
  std::string cut = good.substr(0, good.size() - 4);
  ASSERT_EQ((cut.size() - dot2 - 1) % 4, 2U);
  cut.back() = 'B';
  expect_refused(cut, TokenError::kMalformed);
  std::string flipped = good;
  flipped[dot2 + 10] = flipped[dot2 + 10] == 'A' ? 'B' : 'A';
  expect_refused(flipped, TokenError::kBadSignature);
  expect_refused(good.substr(0, dot2 + 1) + b64("x"), TokenError::kBadSignature);
}

TEST_F(VerifierTest, WrongIssuer) {
  for (const std::string& iss :
       {std::string("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"), issuer() + "/",
        std::string("http://cognito-idp.eu-west-1.amazonaws.com/") + kPool, std::string("")}) {
    json::object c = claims();
    c["iss"] = iss;
    expect_refused(sign_jwt(key1(), c), TokenError::kWrongIssuer);
  }
  json::object c = claims();
  c.erase("iss");
  expect_refused(sign_jwt(key1(), c), TokenError::kWrongIssuer);
  c["iss"] = 5;
  expect_refused(sign_jwt(key1(), c), TokenError::kWrongIssuer);
}

TEST_F(VerifierTest, WrongTokenUse) {
  json::object c = claims();
  c["token_use"] = "id";
  expect_refused(sign_jwt(key1(), c), TokenError::kWrongTokenUse);
  c.erase("token_use");
  expect_refused(sign_jwt(key1(), c), TokenError::kWrongTokenUse);
}

TEST_F(VerifierTest, ExpiredAndExpMissing) {
  json::object c = claims();
  c["exp"] = kNow;  // must be in the future
  expect_refused(sign_jwt(key1(), c), TokenError::kExpired);
  c["exp"] = kNow - 1;
  expect_refused(sign_jwt(key1(), c), TokenError::kExpired);
  c["exp"] = kNow + 1;
  EXPECT_TRUE(verifier_.verify(sign_jwt(key1(), c)).ok());
  c.erase("exp");
  expect_refused(sign_jwt(key1(), c), TokenError::kExpMissing);
}

TEST_F(VerifierTest, NotYetValidAndIssuedInFuture) {
  json::object c = claims();
  c["nbf"] = kNow + 1;
  expect_refused(sign_jwt(key1(), c), TokenError::kNotYetValid);
  c["nbf"] = kNow;
  EXPECT_TRUE(verifier_.verify(sign_jwt(key1(), c)).ok());
  c = claims();
  c["iat"] = kNow + 1;
  expect_refused(sign_jwt(key1(), c), TokenError::kIssuedInFuture);
  c["iat"] = kNow;
  EXPECT_TRUE(verifier_.verify(sign_jwt(key1(), c)).ok());
  c.erase("iat");
  expect_refused(sign_jwt(key1(), c), TokenError::kIatMissing);
}

// exp, iat and nbf outside the years 0000-9999 are refused as such, never clamped, wrapped or
// compared: an exp of 1e300 is not "in the future", and an nbf of -1e300 is not "long past".
TEST_F(VerifierTest, TimesOutsideTheRepresentableYearsAreRefused) {
  const json::value far_future[] = {json::value(1e300), json::value(std::uint64_t{1} << 63),
                                    json::value(core::kMaxEpochSeconds + 1),
                                    json::value(static_cast<double>(core::kMaxEpochSeconds) + 1.0),
                                    json::value(std::int64_t{9223372036854775807})};
  const json::value far_past[] = {json::value(-1e300), json::value(core::kMinEpochSeconds - 1),
                                  json::value(std::int64_t{-9223372036854775807 - 1})};
  for (const char* claim : {"exp", "iat", "nbf"}) {
    for (const auto& values :
         {std::span<const json::value>(far_future), std::span<const json::value>(far_past)}) {
      for (const json::value& v : values) {
        SCOPED_TRACE(std::string(claim) + "=" + json::serialize(v));
        json::object c = claims();
        c[claim] = v;
        expect_refused(sign_jwt(key1(), c), TokenError::kTimeOutOfRange);
      }
    }
  }
  // The edges themselves are representable and compared as usual.
  json::object c = claims();
  c["exp"] = core::kMaxEpochSeconds;
  c["nbf"] = core::kMinEpochSeconds;
  const VerifyResult r = verifier_.verify(sign_jwt(key1(), c));
  ASSERT_TRUE(r.ok()) << to_string(r.error) << ": " << r.detail;
  EXPECT_EQ(r.token->exp, core::kMaxEpochSeconds);
  EXPECT_EQ(r.token->nbf, core::kMinEpochSeconds);
  c["exp"] = core::kMinEpochSeconds;
  expect_refused(sign_jwt(key1(), c), TokenError::kExpired);
}

TEST_F(VerifierTest, ClockSkewWidensEveryTimeCheck) {
  const AccessTokenVerifier skewed(VerifierConfig{kRegion, kPool, std::chrono::seconds(30), 16384},
                                   cache_, clock_);
  json::object c = claims();
  c["exp"] = kNow - 29;
  c["iat"] = kNow + 30;
  c["nbf"] = kNow + 30;
  EXPECT_TRUE(skewed.verify(sign_jwt(key1(), c)).ok());
  c["exp"] = kNow - 30;
  EXPECT_EQ(skewed.verify(sign_jwt(key1(), c)).error, TokenError::kExpired);
  c["exp"] = kNow + 100;
  c["nbf"] = kNow + 31;
  EXPECT_EQ(skewed.verify(sign_jwt(key1(), c)).error, TokenError::kNotYetValid);
  c["nbf"] = kNow;
  c["iat"] = kNow + 31;
  EXPECT_EQ(skewed.verify(sign_jwt(key1(), c)).error, TokenError::kIssuedInFuture);
}

TEST_F(VerifierTest, ClientIdAndScopeMissing) {
  json::object c = claims();
  c.erase("client_id");
  expect_refused(sign_jwt(key1(), c), TokenError::kClientIdMissing);
  c = claims();
  c.erase("scope");
  expect_refused(sign_jwt(key1(), c), TokenError::kScopeMissing);
}

TEST_F(VerifierTest, ExpiryFollowsTheClock) {
  const std::string jwt = sign_jwt(key1(), claims());
  EXPECT_TRUE(verifier_.verify(jwt).ok());
  clock_.advance(std::chrono::seconds(3600));
  expect_refused(jwt, TokenError::kExpired);
}

}  // namespace
}  // namespace agm::oauth
