#include <gtest/gtest.h>

#include <set>

#include "core/error.hpp"
#include "support/fixtures.hpp"
#include "functions/common/certificate_cache.hpp"
#include "functions/common/config.hpp"
#include "functions/common/event.hpp"

namespace agm::functions {
namespace {

namespace json = core::json;

TEST(Event, HeadersAreCaseInsensitiveAndDuplicatesAreMalformed) {
  const auto ev = core::parse_json(R"({"headers":{"Authorization":"Bearer x"}})").value();
  EXPECT_EQ(header(ev, "authorization").value, "Bearer x");
  const auto dup =
      core::parse_json(R"({"headers":{"authorization":"a","Authorization":"b"}})").value();
  EXPECT_TRUE(header(dup, "authorization").malformed());
  const auto wrong = core::parse_json(R"({"headers":"x"})").value();
  EXPECT_TRUE(header(wrong, "authorization").malformed());
  const auto num = core::parse_json(R"({"headers":{"authorization":5}})").value();
  EXPECT_TRUE(header(num, "authorization").malformed());
  const auto none = core::parse_json(R"({})").value();
  EXPECT_FALSE(header(none, "authorization").present());
  EXPECT_FALSE(header(none, "authorization").malformed());
}

TEST(Event, ClientCertPemDistinguishesAbsentFromWrongType) {
  EXPECT_EQ(client_cert_pem(
                core::parse_json(
                    R"({"requestContext":{"authentication":{"clientCert":{"clientCertPem":"P"}}}})")
                    .value())
                .value,
            "P");
  EXPECT_FALSE(client_cert_pem(core::parse_json(R"({"requestContext":{}})").value()).present());
  EXPECT_TRUE(
      client_cert_pem(core::parse_json(R"({"requestContext":{"authentication":7}})").value())
          .malformed());
  EXPECT_TRUE(client_cert_pem(
                  core::parse_json(
                      R"({"requestContext":{"authentication":{"clientCert":{"clientCertPem":1}}}})")
                      .value())
                  .malformed());
  EXPECT_TRUE(client_cert_pem(core::parse_json(R"({"requestContext":"x"})").value()).malformed());
}

TEST(Event, BodyDecodesBase64AndRefusesBadInput) {
  EXPECT_EQ(body(core::parse_json(R"({"body":"YT1i","isBase64Encoded":true})").value()).value(),
            "a=b");
  EXPECT_EQ(body(core::parse_json(R"({"body":"YT1i","isBase64Encoded":false})").value()).value(),
            "YT1i");
  EXPECT_EQ(body(core::parse_json(R"({})").value()).value(), "");
  EXPECT_FALSE(body(core::parse_json(R"({"body":"!!","isBase64Encoded":true})").value()));
  EXPECT_FALSE(body(core::parse_json(R"({"body":3})").value()));
  EXPECT_FALSE(body(core::parse_json(R"({"body":"a","isBase64Encoded":"yes"})").value()));
}

TEST(Event, AuthSchemeIsCaseInsensitiveAndNeedsASpaceAndAValue) {
  EXPECT_EQ(strip_auth_scheme("Bearer abc", "Bearer").value(), "abc");
  EXPECT_EQ(strip_auth_scheme("bearer abc", "Bearer").value(), "abc");
  EXPECT_EQ(strip_auth_scheme("BEARER  abc ", "Bearer").value(), "abc");
  EXPECT_FALSE(strip_auth_scheme("Bearerabc", "Bearer"));
  EXPECT_FALSE(strip_auth_scheme("Bearer ", "Bearer"));
  EXPECT_FALSE(strip_auth_scheme("Basic abc", "Bearer"));
  EXPECT_FALSE(strip_auth_scheme("abc", "Bearer"));
}

TEST(Event, ScopesSplitAndJoin) {
  EXPECT_EQ(split_scopes("  a  b c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_scopes("").empty());
  EXPECT_EQ(join_scopes({"a", "b"}), "a b");
}

TEST(Event, HttpResultIsPayload2StructuredAndNoStore) {
  const auto r = http_result(403, R"({"message":"Forbidden"})");
  EXPECT_EQ(r.at("statusCode").as_int64(), 403);
  EXPECT_EQ(r.at("headers").at("content-type").as_string(), "application/json");
  EXPECT_EQ(r.at("headers").at("cache-control").as_string(), "no-store");
  EXPECT_EQ(r.at("body").as_string(), R"({"message":"Forbidden"})");
}

TEST(Config, RequiredOptionalBoolAndSecondsNameTheVariable) {
  const auto env = map_env({{"A", "x"},
                            {"EMPTY", ""},
                            {"B1", "TRUE"},
                            {"B2", "0"},
                            {"BX", "maybe"},
                            {"S", "12"},
                            {"SX", "12s"},
                            {"SN", "-1"}});
  EXPECT_EQ(require_env(env, "A"), "x");
  try {
    require_env(env, "EMPTY");
    FAIL() << "no throw";
  } catch (const core::ConfigError& e) {
    EXPECT_EQ(e.variable(), "EMPTY");
  }
  EXPECT_THROW(require_env(env, "MISSING"), core::ConfigError);
  EXPECT_TRUE(env_bool(env, "B1", false));
  EXPECT_FALSE(env_bool(env, "B2", true));
  EXPECT_TRUE(env_bool(env, "MISSING", true));
  EXPECT_THROW(env_bool(env, "BX", false), core::ConfigError);
  using std::chrono::seconds;
  EXPECT_EQ(env_seconds(env, "S", seconds(30), seconds(0), seconds(60)), seconds(12));
  EXPECT_EQ(env_seconds(env, "MISSING", seconds(30), seconds(0), seconds(60)), seconds(30));
  EXPECT_THROW(env_seconds(env, "SX", seconds(30), seconds(0), seconds(60)), core::ConfigError);
  EXPECT_THROW(env_seconds(env, "SN", seconds(30), seconds(0), seconds(60)), core::ConfigError);
  EXPECT_THROW(env_seconds(env, "S", seconds(30), seconds(0), seconds(10)), core::ConfigError);
}

TEST(Config, LogLevelDefaultsToInfoAndRejectsNonsense) {
  EXPECT_EQ(log_level(map_env({})), core::LogLevel::kInfo);
  EXPECT_EQ(log_level(map_env({{"LOG_LEVEL", "DEBUG"}})), core::LogLevel::kDebug);
  try {
    log_level(map_env({{"LOG_LEVEL", "loud"}}));
    FAIL() << "no throw";
  } catch (const core::ConfigError& e) {
    EXPECT_EQ(e.variable(), "LOG_LEVEL");
  }
}

TEST(Config, CaFileDiscoveryOrder) {
  const auto only = [](std::set<std::string> files) {
    return [files = std::move(files)](const std::string& p) { return files.count(p) > 0; };
  };
  EXPECT_EQ(discover_ca_file(map_env({{"SSL_CERT_FILE", "/x.pem"}}),
                             only({"/x.pem", "/etc/ssl/certs/ca-certificates.crt"})),
            "/x.pem");
  EXPECT_THROW(discover_ca_file(map_env({{"SSL_CERT_FILE", "/nope.pem"}}),
                                only({"/etc/ssl/certs/ca-certificates.crt"})),
               core::ConfigError);
  EXPECT_EQ(discover_ca_file(map_env({}), only({"/etc/ssl/certs/ca-certificates.crt",
                                                "/etc/pki/tls/certs/ca-bundle.crt"})),
            "/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(discover_ca_file(map_env({}), only({"/etc/pki/tls/certs/ca-bundle.crt"})),
            "/etc/pki/tls/certs/ca-bundle.crt");
  EXPECT_EQ(discover_ca_file(map_env({}), only({})), "");
}

TEST(Config, UrlMustBeHttpWithHost) {
  EXPECT_EQ(require_url(map_env({{"U", "https://a/b"}}), "U"), "https://a/b");
  EXPECT_EQ(require_url(map_env({{"U", "http://127.0.0.1:9/x"}}), "U"), "http://127.0.0.1:9/x");
  EXPECT_THROW(require_url(map_env({{"U", "ftp://a"}}), "U"), core::ConfigError);
  EXPECT_THROW(require_url(map_env({{"U", "https://"}}), "U"), core::ConfigError);
  EXPECT_THROW(require_url(map_env({{"U", "https:///x"}}), "U"), core::ConfigError);
}

}  // namespace
}  // namespace agm::functions

namespace agm::functions {
namespace {

TEST(CertificateCache, ReusesParsesOfIdenticalPemNeverCachesFailuresAndStaysBounded) {
  const test::TestPki pki;
  const auto a = pki.client("a").cert_pem;
  const auto b = pki.client("b").cert_pem;
  const auto c = pki.client("c").cert_pem;
  CertificateCache cache(2);
  const auto first = cache.parse(a);
  EXPECT_EQ(cache.parse(a).get(), first.get());
  EXPECT_EQ(first->thumbprint, mtls::ClientCertificate::from_pem(a).thumbprint);
  EXPECT_THROW(cache.parse("not a certificate"), core::Error);
  EXPECT_EQ(cache.size(), 1U);
  cache.parse(b);
  cache.parse(c);  // evicts a, the oldest
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_NE(cache.parse(a).get(), first.get());
  // A different PEM text is a different key, even for the same certificate.
  EXPECT_NE(cache.parse(a + "\n").get(), cache.parse(a).get());
}

}  // namespace
}  // namespace agm::functions
