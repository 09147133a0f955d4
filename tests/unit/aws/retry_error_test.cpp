// AWS error parsing (JSON and S3 XML), retry classification, backoff bounds and deadlines.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "aws/client.hpp"
#include "aws/s3.hpp"

namespace agm::aws {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

net::HttpResponse response(long status, std::string body,
                           std::vector<net::HttpHeader> headers = {}) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(AwsErrorParsing, DynamoDbTypeWithNamespaceAndLowercaseMessage) {
  const AwsError e = parse_json_error(response(
      400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",)"
           R"("message":"The conditional request failed"})"));
  EXPECT_EQ(e.code(), "ConditionalCheckFailedException");
  EXPECT_EQ(e.http_status(), 400);
  EXPECT_FALSE(e.retryable());
  EXPECT_NE(std::string(e.what()).find("The conditional request failed"), std::string::npos);
}

TEST(AwsErrorParsing, CapitalMessageAndBareType) {
  const AwsError e = parse_json_error(response(
      400, R"({"__type":"ResourceNotFoundException","Message":"User pool does not exist."})"));
  EXPECT_EQ(e.code(), "ResourceNotFoundException");
  EXPECT_NE(std::string(e.what()).find("User pool does not exist."), std::string::npos);
}

TEST(AwsErrorParsing, CoralSuffixAndHeaderFallback) {
  EXPECT_EQ(
      parse_json_error(
          response(
              400,
              R"({"__type":"ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/"})"))
          .code(),
      "ValidationException");
  EXPECT_EQ(
      parse_json_error(response(400, "", {{"x-amzn-errortype", "AccessDeniedException:http://x/"}}))
          .code(),
      "AccessDeniedException");
}

TEST(AwsErrorParsing, ThrottlingAnd5xxAreRetryable) {
  EXPECT_TRUE(
      parse_json_error(
          response(
              400,
              R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"})"))
          .retryable());
  EXPECT_TRUE(parse_json_error(response(400, R"({"__type":"ThrottlingException"})")).retryable());
  EXPECT_TRUE(
      parse_json_error(response(400, R"({"__type":"TooManyRequestsException"})")).retryable());
  EXPECT_TRUE(parse_json_error(response(400, R"({"__type":"RequestLimitExceeded"})")).retryable());
  const AwsError e = parse_json_error(response(503, "<html>busy</html>"));
  EXPECT_EQ(e.code(), "HttpError503");
  EXPECT_TRUE(e.retryable());
  EXPECT_FALSE(parse_json_error(response(400, R"({"__type":"ValidationException"})")).retryable());
  EXPECT_FALSE(parse_json_error(response(403, "not json")).retryable());
}

TEST(AwsErrorParsing, S3Xml) {
  const AwsError e = parse_s3_error(response(
      403,
      R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access &amp; Denied</Message><RequestId>1</RequestId></Error>)"));
  EXPECT_EQ(e.code(), "AccessDenied");
  EXPECT_NE(std::string(e.what()).find("Access & Denied"), std::string::npos);
  EXPECT_FALSE(e.retryable());
  EXPECT_TRUE(parse_s3_error(response(503, "<Error><Code>SlowDown</Code></Error>")).retryable());
  EXPECT_EQ(parse_s3_error(response(500, "")).code(), "HttpError500");
}

TEST(Backoff, FullJitterWithinExponentialCap) {
  const RetryPolicy p{
      .max_attempts = 10, .base_delay = milliseconds(25), .max_delay = milliseconds(1000)};
  for (int attempt = 0; attempt < 8; ++attempt) {
    const auto cap = std::min<std::int64_t>(1000, 25LL << attempt);
    std::int64_t max_seen = 0;
    for (int i = 0; i < 500; ++i) {
      const auto d = backoff_delay(p, attempt).count();
      ASSERT_GE(d, 0);
      ASSERT_LE(d, cap) << "attempt " << attempt;
      max_seen = std::max(max_seen, d);
    }
    // Jitter spans the range: with 500 samples the maximum is close to the cap.
    EXPECT_GE(max_seen, cap / 2) << "attempt " << attempt;
  }
  EXPECT_LE(backoff_delay(p, 1000).count(), 1000);  // no overflow for large attempt numbers
}

TEST(Retries, RetryableErrorsAreRetriedUpToMaxAttempts) {
  const RetryPolicy p{
      .max_attempts = 4, .base_delay = milliseconds(1), .max_delay = milliseconds(4)};
  int calls = 0;
  std::vector<milliseconds> sleeps;
  EXPECT_THROW(
      run_with_retries(
          p, Clock::now() + std::chrono::seconds(10), [&](milliseconds d) { sleeps.push_back(d); },
          [&](milliseconds) {
            ++calls;
            throw AwsError("ThrottlingException", "slow down", 400, true);
          }),
      AwsError);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(sleeps.size(), 3U);
}

TEST(Retries, SucceedsAfterTransientFailures) {
  const RetryPolicy p{
      .max_attempts = 4, .base_delay = milliseconds(1), .max_delay = milliseconds(4)};
  int calls = 0;
  run_with_retries(
      p, Clock::now() + std::chrono::seconds(10), [](milliseconds) {},
      [&](milliseconds) {
        if (++calls < 3) {
          throw net::TransportError(net::TransportErrc::kConnect, "refused");
        }
      });
  EXPECT_EQ(calls, 3);
}

TEST(Retries, NonRetryableErrorsAreThrownAtOnce) {
  const RetryPolicy p;
  int calls = 0;
  try {
    run_with_retries(
        p, Clock::now() + std::chrono::seconds(10), [](milliseconds) {},
        [&](milliseconds) {
          ++calls;
          throw AwsError("ConditionalCheckFailedException", "no", 400, false);
        });
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "ConditionalCheckFailedException");
  }
  EXPECT_EQ(calls, 1);
  calls = 0;
  EXPECT_THROW(run_with_retries(
                   p, Clock::now() + std::chrono::seconds(10), [](milliseconds) {},
                   [&](milliseconds) {
                     ++calls;
                     throw net::TransportError(net::TransportErrc::kTls, "bad certificate");
                   }),
               net::TransportError);
  EXPECT_EQ(calls, 1);
}

TEST(Retries, DeadlineIsRespectedWithRealSleeps) {
  // Many attempts, long backoff, short deadline: must stop at the deadline, not after 20 attempts.
  const RetryPolicy p{
      .max_attempts = 20, .base_delay = milliseconds(50), .max_delay = milliseconds(400)};
  const auto start = Clock::now();
  const auto deadline = start + milliseconds(300);
  std::vector<milliseconds> remaining_seen;
  try {
    run_with_retries(
        p, deadline, [](milliseconds d) { std::this_thread::sleep_for(d); },
        [&](milliseconds remaining) {
          remaining_seen.push_back(remaining);
          std::this_thread::sleep_for(milliseconds(20));
          throw net::TransportError(net::TransportErrc::kTimeout, "slow");
        });
    FAIL();
  } catch (const net::TransportError& e) {
    EXPECT_EQ(e.code(), "Timeout");  // the last real error, not a generic one
  }
  const auto elapsed = Clock::now() - start;
  EXPECT_LE(elapsed, milliseconds(300) + milliseconds(250));
  ASSERT_FALSE(remaining_seen.empty());
  for (const auto r : remaining_seen) {
    EXPECT_LE(r, milliseconds(300));
  }
}

TEST(Retries, PassedDeadlineIsDeadlineExceeded) {
  int calls = 0;
  try {
    run_with_retries(
        RetryPolicy{}, Clock::now() - milliseconds(1), [](milliseconds) {},
        [&](milliseconds) { ++calls; });
    FAIL();
  } catch (const net::TransportError& e) {
    EXPECT_EQ(e.code(), "DeadlineExceeded");
  }
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace agm::aws
