// Every EMF line the functions can emit is valid Embedded Metric Format, and the validator itself
// refuses each broken rule (so a pass means something).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "metrics/emf.hpp"
#include "metrics/metrics.hpp"
#include "metrics/recorder.hpp"
#include "mtls/reason.hpp"
#include "unit/metrics/emf_validator.hpp"

namespace agm::metrics {
namespace {

namespace json = boost::json;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

class Recorded : public ::testing::Test {
 protected:
  void SetUp() override { install(out_, "mtls-test-authorizer"); }
  void TearDown() override { uninstall(); }
  std::vector<std::string> lines() const { return lines_of(out_.str()); }
  std::ostringstream out_;
};

void expect_valid(const std::string& line) {
  const auto errors = test::emf_violations(line);
  EXPECT_TRUE(errors.empty()) << line << "\n" << (errors.empty() ? "" : errors.front());
}

TEST_F(Recorded, InstallRecordsOneColdStart) {
  const auto l = lines();
  ASSERT_EQ(l.size(), 1U);
  expect_valid(l[0]);
  const auto doc = json::parse(l[0]).as_object();
  EXPECT_EQ(doc.at("ColdStart").to_number<double>(), 1);
  EXPECT_EQ(doc.at("Function").as_string(), "mtls-test-authorizer");
  EXPECT_EQ(doc.at("_aws").at("CloudWatchMetrics").at(0).at("Namespace").as_string(), kNamespace);
}

TEST_F(Recorded, EveryDecisionReasonIsAValidLineWithItsReasonAsDimension) {
  const int last = static_cast<int>(mtls::Reason::kInternalError);
  for (int i = 0; i <= last; ++i) {
    const auto reason = static_cast<mtls::Reason>(i);
    record_decision(reason == mtls::Reason::kAllowed, mtls::to_string(reason));
  }
  const auto l = lines();
  ASSERT_EQ(l.size(), static_cast<std::size_t>(last) + 2);  // + the cold start
  for (int i = 0; i <= last; ++i) {
    const auto& line = l[static_cast<std::size_t>(i) + 1];
    expect_valid(line);
    const auto doc = json::parse(line).as_object();
    const auto reason = static_cast<mtls::Reason>(i);
    EXPECT_EQ(doc.at("Reason").as_string(), mtls::to_string(reason));
    EXPECT_EQ(doc.at("Decision").as_string(), reason == mtls::Reason::kAllowed ? "Allow" : "Deny");
    EXPECT_EQ(doc.at("AuthorizerDecision").to_number<double>(), 1);
    // Two dimension sets: by reason, and by decision alone (the deny-spike alarm's metric).
    EXPECT_EQ(doc.at("_aws").at("CloudWatchMetrics").at(0).at("Dimensions").as_array().size(), 2U);
  }
}

TEST_F(Recorded, TokenExpiryAndDependencyLinesAreValid) {
  record_token_request("issued");
  record_token_request("cert_revoked");
  record_client_certificate_expiry(std::chrono::hours(24 * 10 + 12));
  record_dependency(Dependency::kRegistry, std::chrono::microseconds(2500), false);
  record_dependency(Dependency::kCognito, std::chrono::milliseconds(40), true);
  const auto l = lines();
  ASSERT_EQ(l.size(), 6U);
  for (const auto& line : l)
    expect_valid(line);
  EXPECT_EQ(json::parse(l[2]).at("Outcome").as_string(), "cert_revoked");
  EXPECT_DOUBLE_EQ(json::parse(l[3]).at("ClientCertificateDaysToExpiry").to_number<double>(), 10.5);
  EXPECT_DOUBLE_EQ(json::parse(l[4]).at("DependencyLatency").to_number<double>(), 2.5);
  EXPECT_EQ(json::parse(l[4]).at("DependencyFailure").to_number<double>(), 0);
  EXPECT_EQ(json::parse(l[5]).at("Dependency").as_string(), "Cognito");
  EXPECT_EQ(json::parse(l[5]).at("DependencyFailure").to_number<double>(), 1);
}

TEST_F(Recorded, WatcherLinesAreValidAndCarryTheirValue) {
  record_certificates_expiring_soon(3);
  record_registry_certificate_expiry(-2);  // an ACTIVE certificate that has expired
  record_truststore_ca_expiry(3650);
  record_truststore_warnings(0);
  const auto l = lines();
  ASSERT_EQ(l.size(), 5U);
  for (const auto& line : l)
    expect_valid(line);
  EXPECT_EQ(json::parse(l[1]).at("CertificatesExpiringSoon").to_number<double>(), 3);
  EXPECT_EQ(json::parse(l[2]).at("RegistryCertificateDaysToExpiry").to_number<double>(), -2);
  EXPECT_EQ(json::parse(l[3]).at("TruststoreCaDaysToExpiry").to_number<double>(), 3650);
  EXPECT_EQ(json::parse(l[4]).at("TruststoreWarnings").to_number<double>(), 0);
  EXPECT_EQ(json::parse(l[4]).at("Function").as_string(), "mtls-test-authorizer");
}

// A certificate valid to 9999-12-31 (RFC 5280's "no expiration") is further away than a 64-bit
// nanosecond count reaches; the days must come out exact, not wrapped.
TEST_F(Recorded, ExpiryBeyond2262IsExactNotWrapped) {
  const auto now = core::from_epoch_seconds(1796187505);
  const auto not_after = core::from_civil(9999, 12, 31, 23, 59, 59);
  ASSERT_TRUE(not_after);
  record_client_certificate_expiry(*not_after - now);
  const auto l = lines();
  ASSERT_EQ(l.size(), 2U);
  expect_valid(l[1]);
  EXPECT_DOUBLE_EQ(json::parse(l[1]).at("ClientCertificateDaysToExpiry").to_number<double>(),
                   static_cast<double>(253402300799 - 1796187505) / 86400.0);
}

TEST_F(Recorded, DependencyCallCountsAFailureWhenItsScopeThrows) {
  { const DependencyCall ok(Dependency::kJwks); }
  try {
    const DependencyCall call(Dependency::kJwks);
    throw std::runtime_error("down");
  } catch (
      const std::runtime_error&) {  // NOLINT(bugprone-empty-catch): the scope's exit is the test
  }
  {
    DependencyCall refused(Dependency::kCognito);
    refused.failed();
  }
  const auto l = lines();
  ASSERT_EQ(l.size(), 4U);
  EXPECT_EQ(json::parse(l[1]).at("DependencyFailure").to_number<double>(), 0);
  EXPECT_EQ(json::parse(l[2]).at("DependencyFailure").to_number<double>(), 1);
  EXPECT_EQ(json::parse(l[3]).at("DependencyFailure").to_number<double>(), 1);
}

TEST(Recorder, EmitsNothingUntilInstalled) {
  std::ostringstream out;
  record_token_request("issued");  // no sink: dropped
  install(out, "f");
  uninstall();
  record_token_request("issued");
  EXPECT_EQ(lines_of(out.str()).size(), 1U);  // the cold start only
}

TEST(Lines, EveryLineRespectsTheLimitsOfTheFormat) {
  for (const Line* line : {&kDecisionLine, &kCertificateExpiryLine, &kTokenLine, &kDependencyLine,
                           &kColdStartLine, &kExpiringSoonLine, &kRegistryExpiryLine,
                           &kTruststoreExpiryLine, &kTruststoreWarningsLine}) {
    EXPECT_LE(line->metrics.size(), 100U);
    for (const auto& set : line->dimension_sets)
      EXPECT_LE(set.size(), 30U);
    EXPECT_TRUE(test::emf_units().contains(to_string(line->metrics.front().unit)));
  }
}

TEST(ToEmf, RefusesASampleThatDoesNotFillItsLine) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_THROW((void)to_emf(kTokenLine, {{{"TokenRequest", 1}}, {}}, now), std::invalid_argument);
  EXPECT_THROW((void)to_emf(kTokenLine, {{}, {{kDimFunction, "f"}, {kDimOutcome, "issued"}}}, now),
               std::invalid_argument);
  EXPECT_THROW((void)to_emf(kTokenLine,
                            {{{"TokenRequest", 1}, {"Other", 1}},
                             {{kDimFunction, "f"}, {kDimOutcome, "issued"}}},
                            now),
               std::invalid_argument);
  EXPECT_THROW((void)to_emf(kTokenLine,
                            {{{"TokenRequest", 1}},
                             {{kDimFunction, "f"}, {kDimOutcome, "issued"}, {kDimReason, "x"}}},
                            now),
               std::invalid_argument);
}

// The validator refuses each rule broken (otherwise the tests above would prove nothing).
TEST(Validator, RefusesEachBrokenRule) {
  const std::string good =
      to_emf(kTokenLine, {{{"TokenRequest", 1}}, {{kDimFunction, "f"}, {kDimOutcome, "issued"}}},
             std::chrono::system_clock::now());
  ASSERT_TRUE(test::emf_violations(good).empty());
  const auto broken = [&](auto&& edit) {
    json::value doc = json::parse(good);
    edit(doc.as_object());
    return test::emf_violations(json::serialize(doc));
  };
  auto directive = [](json::object& d) -> json::object& {
    return d["_aws"].as_object()["CloudWatchMetrics"].as_array()[0].as_object();
  };
  EXPECT_FALSE(test::emf_violations("not json").empty());
  EXPECT_FALSE(test::emf_violations("prefix {\"_aws\":{}}").empty());
  EXPECT_FALSE(broken([](json::object& d) { d.erase("_aws"); }).empty());
  EXPECT_FALSE(broken([](json::object& d) { d["_aws"].as_object().erase("Timestamp"); }).empty());
  EXPECT_FALSE(broken([](json::object& d) { d["_aws"].as_object()["Timestamp"] = "now"; }).empty());
  EXPECT_FALSE(
      broken([](json::object& d) { d["_aws"].as_object().erase("CloudWatchMetrics"); }).empty());
  EXPECT_FALSE(broken([&](json::object& d) { directive(d)["Namespace"] = ""; }).empty());
  EXPECT_FALSE(broken([&](json::object& d) { directive(d)["Namespace"] = "AWS/Lambda"; }).empty());
  EXPECT_FALSE(broken([&](json::object& d) { directive(d)["Extra"] = 1; }).empty());
  EXPECT_FALSE(broken([](json::object& d) { d.erase("TokenRequest"); }).empty());
  EXPECT_FALSE(broken([](json::object& d) { d["TokenRequest"] = "1"; }).empty());
  EXPECT_FALSE(broken([](json::object& d) { d.erase("Outcome"); }).empty());
  EXPECT_FALSE(broken([](json::object& d) { d["Outcome"] = 3; }).empty());
  EXPECT_FALSE(broken([&](json::object& d) {
                 directive(d)["Metrics"].as_array()[0].as_object()["Unit"] = "Days";
               }).empty());
  EXPECT_FALSE(broken([&](json::object& d) {
                 directive(d)["Metrics"].as_array()[0].as_object()["StorageResolution"] = 5;
               }).empty());
  EXPECT_FALSE(broken([&](json::object& d) {
                 json::array set;
                 for (int i = 0; i < 31; ++i) {
                   const std::string name = "D" + std::to_string(i);
                   d[name] = "v";
                   set.emplace_back(name);
                 }
                 directive(d)["Dimensions"].as_array().push_back(std::move(set));
               }).empty());
  EXPECT_FALSE(broken([&](json::object& d) {
                 json::array metrics;
                 for (int i = 0; i < 101; ++i) {
                   const std::string name = "M" + std::to_string(i);
                   d[name] = 1;
                   metrics.push_back(json::object{{"Name", name}, {"Unit", "Count"}});
                 }
                 directive(d)["Metrics"] = std::move(metrics);
               }).empty());
}

}  // namespace
}  // namespace agm::metrics
