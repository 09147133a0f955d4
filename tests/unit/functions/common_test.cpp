#include <gtest/gtest.h>

#include <set>

#include "core/error.hpp"
#include "functions/common/config.hpp"
#include "functions/common/event.hpp"

namespace agm::functions {
namespace {

namespace json = core::json;

TEST(Event, HeadersAreCaseInsensitiveAndDuplicatesAreMalformed) {
  const auto ev = core::parse_json(R"({"headers":{"Authorization":"Bearer x"}})").value();
  EXPECT_EQ(HttpRequest::from_json(ev).headers.get("authorization").value, "Bearer x");
  const auto dup =
      core::parse_json(R"({"headers":{"authorization":"a","Authorization":"b"}})").value();
  EXPECT_TRUE(HttpRequest::from_json(dup).headers.get("authorization").malformed());
  const auto wrong = core::parse_json(R"({"headers":"x"})").value();
  EXPECT_TRUE(HttpRequest::from_json(wrong).headers.get("authorization").malformed());
  const auto num = core::parse_json(R"({"headers":{"authorization":5}})").value();
  EXPECT_TRUE(HttpRequest::from_json(num).headers.get("authorization").malformed());
  const auto none = core::parse_json(R"({})").value();
  EXPECT_FALSE(HttpRequest::from_json(none).headers.get("authorization").present());
  EXPECT_FALSE(HttpRequest::from_json(none).headers.get("authorization").malformed());
}

TEST(Event, ClientCertPemDistinguishesAbsentFromWrongType) {
  EXPECT_EQ(HttpRequest::from_json(
                core::parse_json(
                    R"({"requestContext":{"authentication":{"clientCert":{"clientCertPem":"P"}}}})")
                    .value())
                .client_cert_pem.value,
            "P");
  EXPECT_FALSE(HttpRequest::from_json(core::parse_json(R"({"requestContext":{}})").value())
                   .client_cert_pem.present());
  EXPECT_TRUE(
      HttpRequest::from_json(core::parse_json(R"({"requestContext":{"authentication":7}})").value())
          .client_cert_pem.malformed());
  EXPECT_TRUE(HttpRequest::from_json(
                  core::parse_json(
                      R"({"requestContext":{"authentication":{"clientCert":{"clientCertPem":1}}}})")
                      .value())
                  .client_cert_pem.malformed());
  EXPECT_TRUE(HttpRequest::from_json(core::parse_json(R"({"requestContext":"x"})").value())
                  .client_cert_pem.malformed());
}

TEST(Event, BodyDecodesBase64AndRefusesBadInput) {
  EXPECT_EQ(
      HttpRequest::from_json(core::parse_json(R"({"body":"YT1i","isBase64Encoded":true})").value())
          .body.value(),
      "a=b");
  EXPECT_EQ(
      HttpRequest::from_json(core::parse_json(R"({"body":"YT1i","isBase64Encoded":false})").value())
          .body.value(),
      "YT1i");
  EXPECT_EQ(HttpRequest::from_json(core::parse_json(R"({})").value()).body.value(), "");
  EXPECT_FALSE(
      HttpRequest::from_json(core::parse_json(R"({"body":"!!","isBase64Encoded":true})").value())
          .body);
  EXPECT_FALSE(HttpRequest::from_json(core::parse_json(R"({"body":3})").value()).body);
  EXPECT_FALSE(
      HttpRequest::from_json(core::parse_json(R"({"body":"a","isBase64Encoded":"yes"})").value())
          .body);
}

TEST(Event, HttpResultIsPayload2StructuredAndNoStore) {
  const auto r = HttpResponse::json(403, R"({"message":"Forbidden"})").to_json();
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
