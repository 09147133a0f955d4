// RegistryRecord <-> DynamoDB item, and CachedRegistry's TTL rules with a ManualClock.
#include "mtls/registry.hpp"
#include "mtls/cached_registry.hpp"
#include "mtls/dynamo_registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "support/admitted.hpp"
#include "support/test_pki.hpp"

namespace agm::mtls {
namespace {

using std::chrono::seconds;

const core::TimePoint kNow = core::from_epoch_seconds(1780000000);  // 2026-05-28

RegistryRecord sample_record() {
  const auto cert = ClientCertificate::from_pem(agm::test::make_test_cert({}).cert_pem);
  return RegistryRecord::from_certificate(cert, "client-abc",
                                          std::vector<std::string>{"api/read", "api/write"}, kNow);
}

TEST(RegistryRecord, FromCertificateCopiesTheCertificate) {
  const auto cert = ClientCertificate::from_pem(agm::test::make_test_cert({}).cert_pem);
  const auto r = RegistryRecord::from_certificate(cert, "cid", std::nullopt, kNow);
  EXPECT_EQ(r.thumbprint, cert.thumbprint);
  EXPECT_EQ(r.client_id, "cid");
  EXPECT_EQ(r.status, CertStatus::kActive);
  EXPECT_EQ(r.serial_number, cert.serial_number);
  EXPECT_EQ(r.subject_dn, cert.subject_dn);
  EXPECT_EQ(r.issuer_dn, cert.issuer_dn);
  EXPECT_EQ(r.not_before, cert.not_before);
  EXPECT_EQ(r.not_after, cert.not_after);
  EXPECT_EQ(r.created_at, kNow);
  EXPECT_EQ(r.updated_at, kNow);
  EXPECT_FALSE(r.scopes.has_value());
  EXPECT_TRUE(r.allows_scope("anything"));
  EXPECT_TRUE(test::admitted_at(r, kNow));
  EXPECT_FALSE(test::admitted_at(r, cert.not_after + seconds(1)));
}

TEST(RegistryRecord, ItemWireFormatMatchesTheContract) {
  RegistryRecord r = sample_record();
  r.status = CertStatus::kRevoked;
  r.revoked_at = kNow + seconds(60);
  r.revocation_reason = "key compromise";
  const aws::Item item = to_item(r);
  EXPECT_EQ(item.at("thumbprint").at("S").as_string(), r.thumbprint);
  EXPECT_EQ(item.at("client_id").at("S").as_string(), "client-abc");
  EXPECT_EQ(item.at("status").at("S").as_string(), "REVOKED");
  EXPECT_EQ(item.at("not_before").at("S").as_string(), "2026-01-01T00:00:00Z");
  EXPECT_EQ(item.at("not_after").at("S").as_string(), "2027-01-01T00:00:00Z");
  EXPECT_EQ(item.at("created_at").at("S").as_string(), core::format_rfc3339(kNow));
  EXPECT_EQ(item.at("revoked_at").at("S").as_string(), core::format_rfc3339(kNow + seconds(60)));
  EXPECT_EQ(item.at("revocation_reason").at("S").as_string(), "key compromise");
  EXPECT_EQ(boost::json::serialize(item.at("scopes")), R"({"SS":["api/read","api/write"]})");

  const RegistryRecord back = record_from_item(item);
  EXPECT_EQ(back.thumbprint, r.thumbprint);
  EXPECT_EQ(back.status, CertStatus::kRevoked);
  EXPECT_EQ(back.scopes, r.scopes);
  EXPECT_EQ(back.revoked_at, r.revoked_at);
  EXPECT_EQ(back.revocation_reason, r.revocation_reason);
  EXPECT_EQ(back.subject_dn, r.subject_dn);
  EXPECT_EQ(back.not_after, r.not_after);
  EXPECT_FALSE(test::admitted_at(back, kNow));
  EXPECT_TRUE(back.allows_scope("api/read"));
  EXPECT_FALSE(back.allows_scope("api/admin"));
}

TEST(RegistryRecord, AbsentOrEmptyScopesAreNotWritten) {
  RegistryRecord r = sample_record();
  r.scopes.reset();
  EXPECT_FALSE(to_item(r).contains("scopes"));
  r.scopes = std::vector<std::string>{};
  EXPECT_FALSE(to_item(r).contains("scopes"));
  EXPECT_FALSE(to_item(r).contains("revoked_at"));
  r.scopes = std::vector<std::string>{"b", "a", "b"};
  EXPECT_EQ(boost::json::serialize(to_item(r).at("scopes")), R"({"SS":["a","b"]})");
}

TEST(RegistryRecord, MalformedItemsAreRefusedByName) {
  const aws::Item good = to_item(sample_record());
  auto expect_malformed = [](const aws::Item& item, const char* why) {
    try {
      (void)record_from_item(item);
      ADD_FAILURE() << "accepted: " << why;
    } catch (const RegistryError& e) {
      EXPECT_EQ(e.code(), "record_malformed") << why;
    }
  };
  for (const char* name : {"thumbprint", "client_id", "status", "serial_number", "subject_dn",
                           "issuer_dn", "not_before", "not_after", "created_at", "updated_at"}) {
    aws::Item item = good;
    item.erase(name);
    expect_malformed(item, name);
  }
  aws::Item item = good;
  item["status"] = boost::json::parse(R"({"S":"active"})");
  expect_malformed(item, "lowercase status");
  item = good;
  item["status"] = boost::json::parse(R"({"N":"1"})");
  expect_malformed(item, "status of type N");
  item = good;
  item["not_after"] = boost::json::parse(R"({"S":"tomorrow"})");
  expect_malformed(item, "bad time");
  item = good;
  item["scopes"] = boost::json::parse(R"({"S":"api/read"})");
  expect_malformed(item, "scopes of type S");
  item = good;
  item["thumbprint"] = boost::json::parse(R"({"S":"ABCDEF"})");
  expect_malformed(item, "bad thumbprint");
  item = good;
  item["client_id"] = boost::json::parse(R"({"S":""})");
  expect_malformed(item, "empty client_id");
  item = good;
  item["client_id"] = "plain string";
  expect_malformed(item, "not an attribute value");
}

TEST(CertStatus, RoundTrip) {
  for (const auto s : {CertStatus::kActive, CertStatus::kSuspended, CertStatus::kRevoked}) {
    EXPECT_EQ(parse_status(to_string(s)), s);
  }
  EXPECT_FALSE(parse_status("active").has_value());
  EXPECT_FALSE(parse_status("").has_value());
}

// A reader that counts calls and can be told to fail.
class FakeReader final : public RegistryReader {
 public:
  std::optional<RegistryRecord> find(const std::string& thumbprint) override {
    ++calls;
    if (fail)
      throw RegistryError(mtls::RegistryErrc::kUnavailable, "down");
    const auto it = records.find(thumbprint);
    if (it == records.end())
      return std::nullopt;
    return it->second;
  }
  std::map<std::string, RegistryRecord> records;
  int calls = 0;
  bool fail = false;
};

class CachedRegistryTest : public ::testing::Test {
 protected:
  CachedRegistryTest() : clock_(kNow) {
    record_ = sample_record();
    inner_.records[record_.thumbprint] = record_;
  }
  core::ManualClock clock_;
  FakeReader inner_;
  RegistryRecord record_;
};

TEST_F(CachedRegistryTest, HitWithinTtlThenRefetchAfter) {
  CachedRegistry cache(inner_, clock_, seconds(30), seconds(5));
  ASSERT_TRUE(cache.find(record_.thumbprint).has_value());
  EXPECT_EQ(inner_.calls, 1);
  // Revoked in the table: the cache still answers from memory within the TTL (documented bound).
  inner_.records[record_.thumbprint].status = CertStatus::kRevoked;
  clock_.advance(seconds(29));
  EXPECT_EQ(cache.find(record_.thumbprint)->status, CertStatus::kActive);
  EXPECT_EQ(inner_.calls, 1);
  clock_.advance(seconds(1));
  EXPECT_EQ(cache.find(record_.thumbprint)->status, CertStatus::kRevoked);
  EXPECT_EQ(inner_.calls, 2);
}

TEST_F(CachedRegistryTest, MissCachedForNegativeTtlOnly) {
  CachedRegistry cache(inner_, clock_, seconds(30), seconds(5));
  const std::string unknown(64, 'a');
  EXPECT_FALSE(cache.find(unknown).has_value());
  EXPECT_FALSE(cache.find(unknown).has_value());
  EXPECT_EQ(inner_.calls, 1);
  RegistryRecord later = record_;
  later.thumbprint = unknown;
  inner_.records[unknown] = later;
  clock_.advance(seconds(4));
  EXPECT_FALSE(cache.find(unknown).has_value());
  EXPECT_EQ(inner_.calls, 1);
  clock_.advance(seconds(1));
  EXPECT_TRUE(cache.find(unknown).has_value());
  EXPECT_EQ(inner_.calls, 2);
}

TEST_F(CachedRegistryTest, ErrorsAreNotCached) {
  CachedRegistry cache(inner_, clock_, seconds(30), seconds(5));
  inner_.fail = true;
  EXPECT_THROW((void)cache.find(record_.thumbprint), RegistryError);
  EXPECT_THROW((void)cache.find(record_.thumbprint), RegistryError);
  EXPECT_EQ(inner_.calls, 2);
  inner_.fail = false;
  EXPECT_TRUE(cache.find(record_.thumbprint).has_value());
  EXPECT_EQ(inner_.calls, 3);
  // A cached answer does not hide a later outage past its TTL either.
  inner_.fail = true;
  EXPECT_TRUE(cache.find(record_.thumbprint).has_value());
  clock_.advance(seconds(30));
  EXPECT_THROW((void)cache.find(record_.thumbprint), RegistryError);
}

TEST_F(CachedRegistryTest, TtlZeroDisables) {
  CachedRegistry cache(inner_, clock_, seconds(0), seconds(5));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(cache.find(record_.thumbprint).has_value());
    EXPECT_FALSE(cache.find(std::string(64, 'b')).has_value());
  }
  EXPECT_EQ(inner_.calls, 6);
}

TEST_F(CachedRegistryTest, NegativeTtlZeroDoesNotCacheMisses) {
  CachedRegistry cache(inner_, clock_, seconds(30), seconds(0));
  EXPECT_FALSE(cache.find(std::string(64, 'c')).has_value());
  EXPECT_FALSE(cache.find(std::string(64, 'c')).has_value());
  EXPECT_EQ(inner_.calls, 2);
}

TEST_F(CachedRegistryTest, BoundedSize) {
  CachedRegistry cache(inner_, clock_, seconds(30), seconds(30), 4);
  for (int i = 0; i < 10; ++i) {
    clock_.advance(seconds(1));
    (void)cache.find(std::string(63, 'd') + static_cast<char>('0' + i));
  }
  EXPECT_EQ(inner_.calls, 10);
  // The most recent ones are still cached; the oldest were evicted.
  (void)cache.find(std::string(63, 'd') + '9');
  EXPECT_EQ(inner_.calls, 10);
  (void)cache.find(std::string(63, 'd') + '0');
  EXPECT_EQ(inner_.calls, 11);
}

TEST_F(CachedRegistryTest, ConcurrentFindsAreSerialisedToTheInnerReader) {
  // FakeReader is not thread-safe (plain int counter): the cache's lock must cover it.
  CachedRegistry cache(inner_, clock_, seconds(30), seconds(5), 8);
  std::vector<std::thread> threads;
  std::atomic<int> found{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (cache.find(i % 2 == 0 ? record_.thumbprint
                                  : std::string(63, 'e') + static_cast<char>('0' + (i + t) % 10)))
          found.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(found.load(), 8 * 250);
  // 1 hit-able record + 10 distinct misses, capacity 8: some evictions, far fewer calls than finds.
  EXPECT_LT(inner_.calls, 8 * 500);
  EXPECT_GE(inner_.calls, 11);
}

}  // namespace
}  // namespace agm::mtls
