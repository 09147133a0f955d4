// DynamoRegistry against dynalite (the DynamoDB API on a free loopback port): the table from
// create_table_request, register/find/revoke/set_status/list, the named errors, and an unreachable
// registry reported as RegistryError within its call budget.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "aws/dynamodb.hpp"
#include "mtls/cached_registry.hpp"
#include "mtls/dynamo_registry.hpp"
#include "mtls/registry.hpp"
#include "support/admitted.hpp"
#include "support/dynalite.hpp"
#include "support/dynamodb_tables.hpp"
#include "support/process.hpp"
#include "support/test_pki.hpp"

namespace agm::mtls {
namespace {

using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kTable = "agm-cert-registry-test";
const core::TimePoint kNow = core::from_epoch_seconds(1780000000);

aws::ClientConfig config_for(const std::string& endpoint) {
  aws::ClientConfig c;
  c.region = "eu-west-1";
  c.endpoint = endpoint;
  c.credentials = {"AKIDLOCAL", "local-secret", ""};
  c.http.connect_timeout = std::chrono::milliseconds(500);
  return c;
}

std::string code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const RegistryError& e) {
    return e.code();
  }
  return "no error";
}

ClientCertificate new_cert(const std::string& cn) {
  agm::test::TestCertSpec spec;
  spec.subject = {{"O", "Example"}, {"CN", cn}};
  return ClientCertificate::from_pem(agm::test::make_test_cert(spec).cert_pem);
}

class RegistryAgainstDynalite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dynalite_ = std::make_unique<agm::test::Dynalite>();
    aws::DynamoDb db(config_for(dynalite_->endpoint()));
    ASSERT_NO_THROW(test::create_table_and_wait(db, DynamoRegistry::create_table_request(kTable)));
  }
  static void TearDownTestSuite() { dynalite_.reset(); }

  static std::unique_ptr<agm::test::Dynalite> dynalite_;
  aws::DynamoDb db_{config_for(dynalite_->endpoint())};
  DynamoRegistry registry_{db_, kTable};
};

std::unique_ptr<agm::test::Dynalite> RegistryAgainstDynalite::dynalite_;

TEST_F(RegistryAgainstDynalite, CreateTableRequestHasKeyAndIndex) {
  const auto d = test::describe_table(db_, kTable);
  ASSERT_TRUE(d.has_value());
  const auto& key = d->at("KeySchema").as_array();
  ASSERT_EQ(key.size(), 1U);
  EXPECT_EQ(key[0].at("AttributeName").as_string(), "thumbprint");
  const auto& gsis = d->at("GlobalSecondaryIndexes").as_array();
  ASSERT_EQ(gsis.size(), 1U);
  EXPECT_EQ(gsis[0].at("IndexName").as_string(), "client_id-index");
}

TEST_F(RegistryAgainstDynalite, RegisterFindRoundTrip) {
  const ClientCertificate cert = new_cert("roundtrip");
  const RegistryRecord record = RegistryRecord::from_certificate(
      cert, "client-rt", std::vector<std::string>{"mtls-api/health.read"}, kNow);
  registry_.register_new(record);
  const auto found = registry_.find(cert.thumbprint);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->client_id, "client-rt");
  EXPECT_EQ(found->status, CertStatus::kActive);
  EXPECT_EQ(found->subject_dn, "CN=roundtrip,O=Example");
  EXPECT_EQ(found->serial_number, cert.serial_number);
  EXPECT_EQ(found->not_after, cert.not_after);
  EXPECT_EQ(found->scopes, record.scopes);
  EXPECT_EQ(found->created_at, kNow);
  EXPECT_FALSE(found->revoked_at.has_value());
}

TEST_F(RegistryAgainstDynalite, UnknownIsNotFound) {
  EXPECT_FALSE(registry_.find(std::string(64, 'e')).has_value());
  EXPECT_FALSE(registry_.find("").has_value());
  EXPECT_FALSE(registry_.find("not-a-thumbprint").has_value());
}

TEST_F(RegistryAgainstDynalite, RegisterTwiceIsAlreadyRegistered) {
  const RegistryRecord record =
      RegistryRecord::from_certificate(new_cert("twice"), "client-2", std::nullopt, kNow);
  registry_.register_new(record);
  RegistryRecord again = record;
  again.client_id = "someone-else";
  EXPECT_EQ(code_of([&] { registry_.register_new(again); }), "already_registered");
  // The first registration stands.
  EXPECT_EQ(registry_.find(record.thumbprint)->client_id, "client-2");
}

TEST_F(RegistryAgainstDynalite, RevokeUnknownIsNotFound) {
  EXPECT_EQ(code_of([&] { (void)registry_.revoke(std::string(64, 'f'), "gone", kNow); }),
            "not_found");
  EXPECT_EQ(code_of([&] {
              (void)registry_.set_status(std::string(64, 'f'), CertStatus::kSuspended, kNow);
            }),
            "not_found");
  // The failed revoke did not create an item.
  EXPECT_FALSE(registry_.find(std::string(64, 'f')).has_value());
}

TEST_F(RegistryAgainstDynalite, RevokeThenFindShowsRevoked) {
  const RegistryRecord record =
      RegistryRecord::from_certificate(new_cert("revoked"), "client-3", std::nullopt, kNow);
  registry_.register_new(record);
  const core::TimePoint later = kNow + seconds(3600);
  const UpdatedRecord returned = registry_.revoke(record.thumbprint, "key compromise", later);
  ASSERT_TRUE(returned.record.has_value()) << returned.malformed;
  EXPECT_EQ(returned.record->status, CertStatus::kRevoked);
  EXPECT_TRUE(returned.malformed.empty());
  const auto found = registry_.find(record.thumbprint);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, CertStatus::kRevoked);
  EXPECT_EQ(found->revoked_at, later);
  EXPECT_EQ(found->revocation_reason, "key compromise");
  EXPECT_EQ(found->updated_at, later);
  EXPECT_EQ(found->created_at, kNow);
  EXPECT_FALSE(test::admitted_at(*found, later));
}

TEST_F(RegistryAgainstDynalite, SetStatusSuspendsAndReactivates) {
  const RegistryRecord record =
      RegistryRecord::from_certificate(new_cert("suspended"), "client-4", std::nullopt, kNow);
  registry_.register_new(record);
  EXPECT_EQ(registry_.set_status(record.thumbprint, CertStatus::kSuspended, kNow).record->status,
            CertStatus::kSuspended);
  EXPECT_EQ(registry_.find(record.thumbprint)->status, CertStatus::kSuspended);
  EXPECT_EQ(registry_.set_status(record.thumbprint, CertStatus::kActive, kNow).record->status,
            CertStatus::kActive);
}

TEST_F(RegistryAgainstDynalite, ListByClientIdUsesTheIndex) {
  std::vector<std::string> mine;
  for (int i = 0; i < 3; ++i) {
    const auto r = RegistryRecord::from_certificate(new_cert("list-" + std::to_string(i)),
                                                    "client-list", std::nullopt, kNow);
    registry_.register_new(r);
    mine.push_back(r.thumbprint);
  }
  registry_.register_new(
      RegistryRecord::from_certificate(new_cert("other"), "client-other", std::nullopt, kNow));
  const auto listed = registry_.list(std::string("client-list"));
  ASSERT_EQ(listed.records.size(), 3U);
  EXPECT_TRUE(listed.malformed.empty());
  for (const auto& r : listed.records) {
    EXPECT_EQ(r.client_id, "client-list");
    EXPECT_NE(std::find(mine.begin(), mine.end(), r.thumbprint), mine.end());
  }
  EXPECT_TRUE(registry_.list(std::string("nobody")).records.empty());
  const auto all = registry_.list(std::nullopt);
  EXPECT_GE(all.records.size(), 4U);
}

TEST_F(RegistryAgainstDynalite, MalformedItemIsReportedAsSuch) {
  aws::Item item;
  item["thumbprint"] = boost::json::object{{"S", std::string(64, '9')}};
  item["client_id"] = boost::json::object{{"S", "x"}};
  item["status"] = boost::json::object{{"S", "MAYBE"}};
  db_.put_item(kTable, item, SteadyClock::now() + seconds(5));
  EXPECT_EQ(code_of([&] { (void)registry_.find(std::string(64, '9')); }), "record_malformed");
  // A listing names it instead of failing; a readable record of the same client is still listed.
  registry_.register_new(
      RegistryRecord::from_certificate(new_cert("beside-malformed"), "x", std::nullopt, kNow));
  const Listing listed = registry_.list(std::string("x"));
  EXPECT_EQ(listed.records.size(), 1U);
  ASSERT_EQ(listed.malformed.size(), 1U);
  EXPECT_EQ(listed.malformed[0].thumbprint, std::string(64, '9'));
  EXPECT_NE(listed.malformed[0].reason.find("MAYBE"), std::string::npos)
      << listed.malformed[0].reason;
  // A revoke still revokes it, and says what is wrong with the rest.
  const UpdatedRecord revoked = registry_.revoke(std::string(64, '9'), "gone", kNow);
  EXPECT_FALSE(revoked.record.has_value());
  EXPECT_NE(revoked.malformed.find("missing attribute serial_number"), std::string::npos)
      << revoked.malformed;
  EXPECT_EQ(revoked.item.at("status").at("S").as_string(), "REVOKED");
}

TEST_F(RegistryAgainstDynalite, CachedRegistryInFrontOfDynamo) {
  const RegistryRecord record =
      RegistryRecord::from_certificate(new_cert("cached"), "client-5", std::nullopt, kNow);
  registry_.register_new(record);
  core::ManualClock clock(kNow);
  CachedRegistry cache(registry_, clock, seconds(30), seconds(5));
  EXPECT_EQ(cache.find(record.thumbprint)->status, CertStatus::kActive);
  (void)registry_.revoke(record.thumbprint, "", kNow);
  EXPECT_EQ(cache.find(record.thumbprint)->status, CertStatus::kActive);  // within TTL
  clock.advance(seconds(30));
  const auto after = cache.find(record.thumbprint);
  EXPECT_EQ(after->status, CertStatus::kRevoked);
  EXPECT_FALSE(after->revocation_reason.has_value());
}

TEST(RegistryUnreachable, FindFailsWithRegistryErrorWithinBudget) {
  const std::uint16_t port = agm::test::free_port();  // nothing listens here
  aws::DynamoDb db(config_for("http://127.0.0.1:" + std::to_string(port)));
  DynamoRegistry registry(db, kTable, std::chrono::milliseconds(800));
  const auto start = SteadyClock::now();
  EXPECT_EQ(code_of([&] { (void)registry.find(std::string(64, 'a')); }), "registry_unavailable");
  EXPECT_LT(SteadyClock::now() - start, seconds(3));
  EXPECT_EQ(code_of([&] {
              registry.register_new(
                  RegistryRecord::from_certificate(new_cert("x"), "c", std::nullopt, kNow));
            }),
            "registry_unavailable");
  EXPECT_EQ(code_of([&] { (void)registry.revoke(std::string(64, 'a'), "r", kNow); }),
            "registry_unavailable");
  EXPECT_EQ(code_of([&] { (void)registry.list(std::nullopt); }), "registry_unavailable");
}

TEST(RegistryUnreachable, MissingTableIsUnavailable) {
  agm::test::Dynalite dynalite;
  aws::DynamoDb db(config_for(dynalite.endpoint()));
  DynamoRegistry registry(db, "no-such-table");
  EXPECT_EQ(code_of([&] { (void)registry.find(std::string(64, 'a')); }), "registry_unavailable");
}

}  // namespace
}  // namespace agm::mtls
