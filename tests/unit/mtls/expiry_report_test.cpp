// The expiry report the watcher and `mtlsctl report` share: what is in the window, what is not,
// and a source that fails leaving the others' parts intact.
#include "mtls/expiry_report.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/error.hpp"
#include "support/test_pki.hpp"

namespace agm::mtls {
namespace {

using std::chrono::days;
using std::chrono::hours;

const core::TimePoint kNow = core::from_epoch_seconds(1796169600);  // 2026-12-02T00:00:00Z

RegistryRecord record(std::string client, std::string thumb, core::TimePoint not_after,
                      CertStatus status = CertStatus::kActive) {
  RegistryRecord r;
  r.client_id = std::move(client);
  r.thumbprint = std::move(thumb);
  r.status = status;
  r.not_before = kNow - days(300);
  r.not_after = not_after;
  return r;
}

Listing sample_listing() {
  Listing l;
  l.records = {record("far", std::string(64, 'a'), kNow + days(200)),
               record("soon", std::string(64, 'b'), kNow + days(10) + hours(5)),
               record("expired", std::string(64, 'c'), kNow - hours(30)),
               record("revoked", std::string(64, 'd'), kNow + days(1), CertStatus::kRevoked),
               record("edge", std::string(64, 'e'), kNow + days(30))};
  return l;
}

TEST(DaysUntil, RoundsDownAndGoesNegative) {
  EXPECT_EQ(days_until(kNow + days(10) + hours(23), kNow), 10);
  EXPECT_EQ(days_until(kNow, kNow), 0);
  EXPECT_EQ(days_until(kNow - hours(1), kNow), -1);
  const auto far = core::from_civil(9999, 12, 31, 23, 59, 59);
  ASSERT_TRUE(far);
  EXPECT_EQ(days_until(*far, kNow), (253402300799 - 1796169600) / 86400);
}

TEST(RegistryExpiry, ActiveWithinTheWindowEarliestFirst) {
  const auto r = registry_expiry(sample_listing(), kNow, days(30));
  EXPECT_EQ(r.active, 4U);
  ASSERT_EQ(r.expiring.size(), 3U);
  EXPECT_EQ(r.expiring[0].client_id, "expired");
  EXPECT_EQ(r.expiring[0].days_left, -2);
  EXPECT_EQ(r.expiring[1].client_id, "soon");
  EXPECT_EQ(r.expiring[1].days_left, 10);
  EXPECT_EQ(r.expiring[2].client_id, "edge") << "the window's last second is inside it";
  ASSERT_TRUE(r.earliest_days);
  EXPECT_EQ(*r.earliest_days, -2);
  const auto narrow = registry_expiry(sample_listing(), kNow, days(5));
  ASSERT_EQ(narrow.expiring.size(), 1U) << "a REVOKED certificate is never reported";
}

TEST(RegistryExpiry, NoActiveCertificateHasNoEarliest) {
  Listing l;
  l.records = {record("r", std::string(64, 'f'), kNow + days(3), CertStatus::kSuspended)};
  const auto r = registry_expiry(l, kNow, days(30));
  EXPECT_EQ(r.active, 0U);
  EXPECT_FALSE(r.earliest_days);
  EXPECT_TRUE(r.expiring.empty());
}

TEST(TruststoreExpiry, EveryCertificateOfTheBundleEarliestFirst) {
  test::TestCertSpec root;
  root.subject = {{"CN", "Root CA"}};
  root.not_after = core::to_epoch_seconds(kNow + days(3650));
  test::TestCertSpec inter;
  inter.subject = {{"CN", "Intermediate CA"}};
  inter.not_after = core::to_epoch_seconds(kNow + days(20));
  const auto bundle =
      test::make_test_cert(root).cert_pem + "\n" + test::make_test_cert(inter).cert_pem;
  const auto t = truststore_expiry(bundle, kNow, days(30));
  ASSERT_EQ(t.size(), 2U);
  EXPECT_EQ(t[0].subject_dn, "CN=Intermediate CA");
  EXPECT_EQ(t[0].days_left, 20);
  EXPECT_TRUE(t[0].due);
  EXPECT_EQ(t[1].subject_dn, "CN=Root CA");
  EXPECT_FALSE(t[1].due);
  EXPECT_THROW((void)truststore_expiry(bundle.substr(0, bundle.size() / 3), kNow, days(30)),
               core::Error)
      << "a truncated bundle fails, it does not shrink";
}

TEST(GatherExpiryReport, AFailingSourceIsNamedAndTheOthersStillCount) {
  ExpirySources sources;
  sources.registry = [] { return sample_listing(); };
  sources.truststore = []() -> std::string { throw std::runtime_error("NoSuchKey: gone"); };
  sources.truststore_warnings = [] { return std::vector<std::string>{"cert 2 expired"}; };
  const auto report = gather_expiry_report(sources, kNow, days(30));
  ASSERT_TRUE(report.registry);
  EXPECT_EQ(report.registry->expiring.size(), 3U);
  EXPECT_FALSE(report.truststore);
  ASSERT_TRUE(report.truststore_warnings);
  ASSERT_EQ(report.failures.size(), 1U);
  EXPECT_EQ(report.failures[0].source, "truststore");
  EXPECT_EQ(report.failures[0].message, "NoSuchKey: gone");
  EXPECT_TRUE(report.due());
}

TEST(GatherExpiryReport, UnconfiguredSourcesAreSkippedAndNothingIsDue) {
  ExpirySources sources;
  sources.registry = [] {
    Listing l;
    l.records = {record("far", std::string(64, 'a'), kNow + days(200))};
    return l;
  };
  const auto report = gather_expiry_report(sources, kNow, days(30));
  EXPECT_TRUE(report.failures.empty());
  EXPECT_FALSE(report.truststore);
  EXPECT_FALSE(report.truststore_warnings);
  EXPECT_FALSE(report.due());
  EXPECT_NE(to_text(report).find("nothing due"), std::string::npos);
  const auto j = to_json(report);
  EXPECT_EQ(j.at("due").as_bool(), false);
  EXPECT_TRUE(j.at("truststore").is_null());
  EXPECT_EQ(j.at("registry").at("earliest_days").as_int64(), 200);
}

TEST(ExpiryReportText, NamesEachClientThumbprintAndDateAndAMalformedRecord) {
  ExpirySources sources;
  sources.registry = [] {
    Listing l = sample_listing();
    l.malformed = {{std::string(64, '9'), "status: unknown value"}};
    return l;
  };
  const auto report = gather_expiry_report(sources, kNow, days(30));
  const std::string text = to_text(report);
  EXPECT_NE(text.find("client soon  thumbprint " + std::string(64, 'b')), std::string::npos)
      << text;
  EXPECT_NE(text.find(core::format_rfc3339(kNow + days(10) + hours(5))), std::string::npos);
  EXPECT_NE(text.find("MALFORMED record " + std::string(64, '9')), std::string::npos);
  EXPECT_EQ(text.find("client far"), std::string::npos) << "outside the window";
  EXPECT_NE(text.find("action needed"), std::string::npos);
  const auto j = to_json(report);
  EXPECT_EQ(j.at("registry").at("expiring").as_array().size(), 3U);
  EXPECT_EQ(j.at("registry").at("malformed").as_array().size(), 1U);
}

}  // namespace
}  // namespace agm::mtls
