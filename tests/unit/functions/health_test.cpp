#include <gtest/gtest.h>

#include <sstream>

#include "functions/health/handler.hpp"
#include "support/fixtures.hpp"
#include "support/invoke.hpp"

namespace agm::functions::health {
namespace {

namespace json = core::json;
using namespace agm::test;

class HealthTest : public ::testing::Test {
 protected:
  HealthTest() : cert(pki.client("client-a", 10)), other(pki.client("client-b", 10)) {}
  json::object event(const std::string& pem, const std::string& approved_thumbprint) {
    EventSpec s;
    s.cert_pem = pem;
    s.authorizer_lambda =
        json::object{{"client_id", "client-a"}, {"cert_thumbprint", approved_thumbprint}};
    return make_event(s);
  }
  static int status(const json::object& r) {
    return static_cast<int>(r.at("statusCode").as_int64());
  }

  TestPki pki;
  pki::KeyAndCert cert, other;
  core::ManualClock clock{agm::core::SystemClock().now()};
  std::ostringstream log_out;
  core::Logger logger{core::LogLevel::kDebug, &log_out};
};

TEST_F(HealthTest, MatchingCertificateIs200WithItsDescription) {
  const auto c = mtls::ClientCertificate::from_pem(cert.cert_pem);
  const auto r = test::respond(Handler(clock, logger), event(cert.cert_pem, c.thumbprint));
  ASSERT_EQ(status(r), 200) << log_out.str();
  const auto body = core::parse_json(r.at("body").as_string()).value();
  EXPECT_EQ(core::get_string(body, "status").value(), "ok");
  EXPECT_EQ(core::get_string(body, "client_id").value(), "client-a");
  const auto* certificate = core::find(body, "certificate");
  ASSERT_NE(certificate, nullptr);
  EXPECT_EQ(core::get_string(*certificate, "subject").value(), c.subject_dn);
  EXPECT_EQ(core::get_string(*certificate, "issuer").value(), c.issuer_dn);
  EXPECT_EQ(core::get_string(*certificate, "serial_number").value(), c.serial_number);
  EXPECT_EQ(core::get_string(*certificate, "not_after").value(), core::format_rfc3339(c.not_after));
  const auto days = core::get_int(*certificate, "days_remaining").value();
  EXPECT_GE(days, 9);
  EXPECT_LE(days, 10);
}

TEST_F(HealthTest, AnotherCertificateThanTheApprovedOneIs403) {
  const auto approved = mtls::ClientCertificate::from_pem(other.cert_pem).thumbprint;
  const auto r = test::respond(Handler(clock, logger), event(cert.cert_pem, approved));
  EXPECT_EQ(status(r), 403);
  EXPECT_EQ(r.at("body").as_string(), R"({"message":"Forbidden"})");
  EXPECT_NE(log_out.str().find("cert_mismatch"), std::string::npos);
}

TEST_F(HealthTest, ExpiredCertificateIs403) {
  const auto c = mtls::ClientCertificate::from_pem(cert.cert_pem);
  clock.set(c.not_after + std::chrono::seconds(1));
  EXPECT_EQ(status(test::respond(Handler(clock, logger), event(cert.cert_pem, c.thumbprint))), 403);
  EXPECT_NE(log_out.str().find("cert_expired"), std::string::npos);
}

TEST_F(HealthTest, MissingAuthorizerContextOrCertificateOrJunkIs403) {
  const auto c = mtls::ClientCertificate::from_pem(cert.cert_pem);
  const Handler h(clock, logger);
  EventSpec s;
  s.cert_pem = cert.cert_pem;
  EXPECT_EQ(status(test::respond(h, make_event(s))), 403);
  EXPECT_EQ(status(test::respond(h, event("", c.thumbprint))), 403);
  EXPECT_EQ(status(test::respond(h, event("garbage", c.thumbprint))), 403);
  EXPECT_NE(test::invoke(h, "[1,2").get_payload().find("\"statusCode\":403"), std::string::npos);
}

}  // namespace
}  // namespace agm::functions::health
