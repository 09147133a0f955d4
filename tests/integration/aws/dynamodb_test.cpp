// DynamoDB client against dynalite (the DynamoDB API, in memory, on a free loopback port), plus
// retry and failure behaviour against a LoopbackServer and a closed port.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "aws/dynamodb.hpp"
#include "core/json.hpp"
#include "support/dynalite.hpp"
#include "support/dynamodb_tables.hpp"
#include "support/loopback_server.hpp"
#include "support/process.hpp"

namespace agm::aws {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr const char* kTable = "agm-clients";

ClientConfig config_for(const std::string& endpoint) {
  ClientConfig c;
  c.region = "eu-west-1";
  c.endpoint = endpoint;
  c.credentials = {"AKIDLOCAL", "local-secret", ""};
  return c;
}

Deadline soon() {
  return Clock::now() + std::chrono::seconds(10);
}

json::object registry_table_request() {
  return json::object{
      {"TableName", kTable},
      {"BillingMode", "PAY_PER_REQUEST"},
      {"AttributeDefinitions",
       json::array{json::object{{"AttributeName", "thumbprint"}, {"AttributeType", "S"}},
                   json::object{{"AttributeName", "client_id"}, {"AttributeType", "S"}}}},
      {"KeySchema",
       json::array{json::object{{"AttributeName", "thumbprint"}, {"KeyType", "HASH"}}}},
      {"GlobalSecondaryIndexes",
       json::array{json::object{
           {"IndexName", "client_id-index"},
           {"KeySchema",
            json::array{json::object{{"AttributeName", "client_id"}, {"KeyType", "HASH"}}}},
           {"Projection", json::object{{"ProjectionType", "ALL"}}}}}}};
}

Item record(const std::string& thumbprint, const std::string& client_id,
            const std::string& status) {
  return Item{{"thumbprint", json::object{{"S", thumbprint}}},
              {"client_id", json::object{{"S", client_id}}},
              {"status", json::object{{"S", status}}},
              {"scopes", json::object{{"SS", json::array{"agm/health.read", "agm/token"}}}}};
}

Item key(const std::string& thumbprint) {
  return Item{{"thumbprint", json::object{{"S", thumbprint}}}};
}

std::string s_attr(const Item& item, const char* name) {
  const json::value holder(item);  // get_string_path views into a value: keep it alive
  auto v = core::get_string_path(holder, {name, "S"});
  return v ? std::string(*v) : std::string("<missing>");
}

class DynamoDbAgainstDynalite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dynalite_ = std::make_unique<agm::test::Dynalite>();
    DynamoDb db(config_for(dynalite_->endpoint()));
    ASSERT_NO_THROW(test::create_table_and_wait(db, registry_table_request()));
  }
  static void TearDownTestSuite() { dynalite_.reset(); }

  static std::unique_ptr<agm::test::Dynalite> dynalite_;
  DynamoDb db_{config_for(dynalite_->endpoint())};
};

std::unique_ptr<agm::test::Dynalite> DynamoDbAgainstDynalite::dynalite_;

TEST_F(DynamoDbAgainstDynalite, DescribeTableShowsKeyAndIndex) {
  auto d = test::describe_table(db_, kTable);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(core::get_string(*d, "TableName"), kTable);
  const auto* gsis = d->if_contains("GlobalSecondaryIndexes");
  ASSERT_NE(gsis, nullptr);
  ASSERT_TRUE(gsis->is_array());
  ASSERT_EQ(gsis->get_array().size(), 1U);
  EXPECT_EQ(core::get_string(gsis->get_array()[0], "IndexName"), "client_id-index");
  EXPECT_FALSE(test::describe_table(db_, "no-such-table").has_value());
}

TEST_F(DynamoDbAgainstDynalite, PutGetUpdateQueryRoundTrip) {
  db_.put_item(kTable, record("aa11", "client-a", "ACTIVE"), soon());
  db_.put_item(kTable, record("bb22", "client-a", "ACTIVE"), soon());
  db_.put_item(kTable, record("cc33", "client-b", "ACTIVE"), soon());

  auto got = db_.get_item(kTable, key("aa11"), soon(), true);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(s_attr(*got, "client_id"), "client-a");
  EXPECT_EQ(*got, record("aa11", "client-a", "ACTIVE"));
  EXPECT_FALSE(db_.get_item(kTable, key("zz99"), soon(), true).has_value());

  const Expression update{"SET #s = :revoked, revoked_at = :at", json::object{{"#s", "status"}},
                          json::object{{":revoked", json::object{{"S", "REVOKED"}}},
                                       {":at", json::object{{"S", "2026-11-28T00:00:00Z"}}},
                                       {":active", json::object{{"S", "ACTIVE"}}}}};
  const Item updated = db_.update_item(kTable, key("bb22"), update, soon(), "#s = :active");
  EXPECT_EQ(s_attr(updated, "status"), "REVOKED");
  EXPECT_EQ(s_attr(updated, "revoked_at"), "2026-11-28T00:00:00Z");
  EXPECT_EQ(s_attr(updated, "client_id"), "client-a");  // ALL_NEW

  const Expression by_client{
      "client_id = :c", {}, json::object{{":c", json::object{{"S", "client-a"}}}}};
  auto items = db_.query(kTable, "client_id-index", by_client, soon());
  ASSERT_EQ(items.size(), 2U);
  std::vector<std::string> thumbprints;
  for (const auto& i : items) {
    thumbprints.push_back(s_attr(i, "thumbprint"));
  }
  std::sort(thumbprints.begin(), thumbprints.end());
  EXPECT_EQ(thumbprints, (std::vector<std::string>{"aa11", "bb22"}));

  const Expression by_key{"thumbprint = :t", {}, json::object{{":t", json::object{{"S", "cc33"}}}}};
  auto one = db_.query(kTable, "", by_key, soon());
  ASSERT_EQ(one.size(), 1U);
  EXPECT_EQ(s_attr(one[0], "client_id"), "client-b");

  EXPECT_GE(db_.scan(kTable, soon()).size(), 3U);

  db_.delete_item(kTable, key("cc33"), soon());
  EXPECT_FALSE(db_.get_item(kTable, key("cc33"), soon(), true).has_value());
}

TEST_F(DynamoDbAgainstDynalite, ScanFollowsLastEvaluatedKey) {
  // dynalite pages at 1 MB: 40 items of ~40 KB need at least two pages.
  const std::string big(40 * 1024, 'x');
  for (int i = 0; i < 40; ++i) {
    Item item = record("page-" + std::to_string(i), "client-pages", "ACTIVE");
    item["blob"] = json::object{{"S", big}};
    db_.put_item(kTable, item, soon());
  }
  // The raw first page must be partial, or this test would not exercise pagination.
  const json::value first = db_.client().call("Scan", json::object{{"TableName", kTable}}, soon());
  ASSERT_NE(core::find(first, "LastEvaluatedKey"), nullptr);
  const auto all = db_.scan(kTable, soon());
  const auto pages = std::count_if(all.begin(), all.end(), [](const Item& i) {
    return s_attr(i, "client_id") == "client-pages";
  });
  EXPECT_EQ(pages, 40);
  const Expression by_client{
      "client_id = :c", {}, json::object{{":c", json::object{{"S", "client-pages"}}}}};
  EXPECT_EQ(db_.query(kTable, "client_id-index", by_client, soon()).size(), 40U);
}

TEST_F(DynamoDbAgainstDynalite, FailedConditionIsConditionalCheckFailedException) {
  const Expression not_exists{"attribute_not_exists(thumbprint)", {}, {}};
  db_.put_item(kTable, record("dd44", "client-d", "ACTIVE"), soon(), not_exists);
  try {
    db_.put_item(kTable, record("dd44", "client-other", "ACTIVE"), soon(), not_exists);
    FAIL() << "expected ConditionalCheckFailedException";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "ConditionalCheckFailedException");
    EXPECT_EQ(e.http_status(), 400);
    EXPECT_FALSE(e.retryable());
  }
  // The first write stands.
  auto got = db_.get_item(kTable, key("dd44"), soon(), true);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(s_attr(*got, "client_id"), "client-d");

  const Expression update{
      "SET #s = :r", json::object{{"#s", "status"}},
      json::object{{":r", json::object{{"S", "REVOKED"}}}, {":a", json::object{{"S", "PENDING"}}}}};
  try {
    (void)db_.update_item(kTable, key("dd44"), update, soon(), "#s = :a");
    FAIL() << "expected ConditionalCheckFailedException";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "ConditionalCheckFailedException");
  }
}

TEST_F(DynamoDbAgainstDynalite, ValidationErrorsAreNotRetried) {
  try {
    (void)db_.get_item("no-such-table", key("x"), soon());
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "ResourceNotFoundException");
    EXPECT_FALSE(e.retryable());
  }
}

TEST(DynamoDbRetries, ServerErrorsAreRetriedToSuccess) {
  int calls = 0;
  std::mutex m;
  agm::test::LoopbackServer server([&](const agm::test::HttpRequest&) {
    const std::lock_guard<std::mutex> lock(m);
    agm::test::HttpResponse r;
    if (++calls <= 2) {
      r.status = 500;
      r.body = R"({"__type":"com.amazon.coral.service#InternalFailure","message":"oops"})";
    } else {
      r.body = R"({"Item":{"thumbprint":{"S":"aa11"}}})";
    }
    return r;
  });
  ClientConfig c = config_for(server.url());
  c.retry.base_delay = milliseconds(5);
  DynamoDb db(c);
  auto got = db.get_item(kTable, key("aa11"), soon());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(s_attr(*got, "thumbprint"), "aa11");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(server.connections_accepted(), 1U);  // retries reuse the kept-alive connection
  for (const auto& r : requests) {
    EXPECT_EQ(r.headers.at("x-amz-target"), "DynamoDB_20120810.GetItem");
    EXPECT_EQ(r.headers.at("content-type"), "application/x-amz-json-1.0");
  }
}

TEST(DynamoDbRetries, ThrottlingExhaustsAttemptsThenThrowsIt) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest&) {
    agm::test::HttpResponse r;
    r.status = 400;
    r.body =
        R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow"})";
    return r;
  });
  ClientConfig c = config_for(server.url());
  c.retry = {.max_attempts = 3, .base_delay = milliseconds(1), .max_delay = milliseconds(5)};
  DynamoDb db(c);
  try {
    (void)db.get_item(kTable, key("aa11"), soon());
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "ProvisionedThroughputExceededException");
  }
  EXPECT_EQ(server.requests().size(), 3U);
}

TEST(DynamoDbRetries, ClosedPortFailsWithinTheDeadlineNamingTheEndpoint) {
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(agm::test::free_port());
  ClientConfig c = config_for(endpoint);
  c.retry = {.max_attempts = 50, .base_delay = milliseconds(20), .max_delay = milliseconds(200)};
  DynamoDb db(c);
  const auto start = Clock::now();
  try {
    (void)db.get_item(kTable, key("aa11"), start + milliseconds(500));
    FAIL() << "expected a TransportError";
  } catch (const net::TransportError& e) {
    EXPECT_EQ(e.code(), "ConnectError");
    EXPECT_NE(std::string(e.what()).find(endpoint), std::string::npos) << e.what();
  }
  EXPECT_LT(Clock::now() - start, milliseconds(500) + milliseconds(300));
}

TEST(DynamoDbRetries, SlowServerIsCutAtTheDeadline) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest&) {
    agm::test::HttpResponse r;
    r.delay = milliseconds(800);
    return r;
  });
  DynamoDb db(config_for(server.url()));
  const auto start = Clock::now();
  EXPECT_THROW((void)db.get_item(kTable, key("aa11"), start + milliseconds(300)),
               net::TransportError);
  EXPECT_LT(Clock::now() - start, milliseconds(300) + milliseconds(300));
}

}  // namespace
}  // namespace agm::aws
