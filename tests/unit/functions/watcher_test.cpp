// The watcher's handler with its sources and notifier passed in: the metrics of a run, one
// notification when something is due and none otherwise, and a failed source or notification
// making the invocation an error after everything else was done.
#include "functions/watcher/handler.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

#include "core/json.hpp"
#include "metrics/recorder.hpp"

namespace agm::functions::watcher {
namespace {

using std::chrono::days;

const core::TimePoint kNow = core::from_epoch_seconds(1796169600);  // 2026-12-02T00:00:00Z

mtls::RegistryRecord active(std::string client, char thumb, core::TimePoint not_after) {
  mtls::RegistryRecord r;
  r.client_id = std::move(client);
  r.thumbprint = std::string(64, thumb);
  r.not_after = not_after;
  return r;
}

struct Sent {
  std::string subject;
  std::string message;
};

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { metrics::install(metrics_, "watcher"); }
  void TearDown() override { metrics::uninstall(); }

  Notifier notifier() {
    return [this](const std::string& subject, const std::string& message) {
      if (notify_fails_) {
        throw std::runtime_error("AuthorizationError: not allowed");
      }
      sent_.push_back({subject, message});
    };
  }
  mtls::ExpirySources sources(std::vector<mtls::RegistryRecord> records) {
    mtls::ExpirySources s;
    s.registry = [records] { return mtls::Listing{records, {}}; };
    s.truststore_warnings = [this] { return warnings_; };
    return s;
  }
  std::vector<boost::json::object> metric_lines() const {
    std::vector<boost::json::object> out;
    std::istringstream in(metrics_.str());
    for (std::string line; std::getline(in, line);)
      out.push_back(boost::json::parse(line).as_object());
    return out;
  }

  core::ManualClock clock_{kNow};
  std::ostringstream log_;
  core::Logger logger_{core::LogLevel::kInfo, &log_};
  std::ostringstream metrics_;
  std::vector<Sent> sent_;
  std::vector<std::string> warnings_;
  bool notify_fails_ = false;
};

TEST_F(WatcherTest, DueCertificateIsNotifiedOnceAndMeasured) {
  const Handler h(
      sources({active("soon", 'b', kNow + days(9)), active("far", 'a', kNow + days(90))}),
      notifier(), days(30), clock_, logger_);
  const auto result = h.handle(ScheduledEvent::parse("{}", "req-1"));
  ASSERT_EQ(sent_.size(), 1U);
  EXPECT_EQ(sent_[0].subject, kAlertSubject);
  EXPECT_NE(sent_[0].message.find("client soon  thumbprint " + std::string(64, 'b')),
            std::string::npos)
      << sent_[0].message;
  EXPECT_EQ(sent_[0].message.find("client far"), std::string::npos);
  const auto invocation = result.to_invocation();
  EXPECT_TRUE(invocation.is_success());
  const auto lines = metric_lines();  // cold start, expiring soon, earliest, warnings
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(lines[1].at("CertificatesExpiringSoon").to_number<double>(), 1);
  EXPECT_EQ(lines[2].at("RegistryCertificateDaysToExpiry").to_number<double>(), 9);
  EXPECT_EQ(lines[3].at("TruststoreWarnings").to_number<double>(), 0);
}

TEST_F(WatcherTest, NothingDueSendsNothing) {
  const Handler h(sources({active("far", 'a', kNow + days(90))}), notifier(), days(30), clock_,
                  logger_);
  const auto result = h.handle(ScheduledEvent::parse("anything, not even JSON", "req-2"));
  EXPECT_TRUE(sent_.empty());
  EXPECT_FALSE(result.notified);
  EXPECT_TRUE(result.to_invocation().is_success());
}

TEST_F(WatcherTest, ATruststoreWarningAloneIsDue) {
  warnings_ = {"certificate 2 of the truststore is expired"};
  const Handler h(sources({}), notifier(), days(30), clock_, logger_);
  (void)h.handle(ScheduledEvent::parse("{}", "req-3"));
  ASSERT_EQ(sent_.size(), 1U);
  EXPECT_NE(sent_[0].message.find("certificate 2 of the truststore is expired"), std::string::npos);
  const auto lines = metric_lines();  // no ACTIVE certificate: no earliest-expiry line
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[2].at("TruststoreWarnings").to_number<double>(), 1);
}

TEST_F(WatcherTest, AFailedSourceIsAnErrorAfterTheRestWasSent) {
  auto s = sources({active("soon", 'b', kNow + days(3))});
  s.truststore_warnings = []() -> std::vector<std::string> {
    throw std::runtime_error("NotFoundException: Invalid domain name identifier specified");
  };
  const Handler h(s, notifier(), days(30), clock_, logger_);
  const auto invocation = h.handle(ScheduledEvent::parse("{}", "req-4")).to_invocation();
  EXPECT_FALSE(invocation.is_success());
  EXPECT_EQ(sent_.size(), 1U) << "the due certificate is still notified";
  EXPECT_NE(log_.str().find("watcher_source_failed"), std::string::npos);
  EXPECT_NE(log_.str().find("\"source\":\"domain\""), std::string::npos);
}

TEST_F(WatcherTest, AFailedNotificationIsAnError) {
  notify_fails_ = true;
  const Handler h(sources({active("soon", 'b', kNow + days(3))}), notifier(), days(30), clock_,
                  logger_);
  const auto result = h.handle(ScheduledEvent::parse("{}", "req-5"));
  EXPECT_FALSE(result.notified);
  EXPECT_FALSE(result.to_invocation().is_success());
  EXPECT_NE(log_.str().find("watcher_notify_failed"), std::string::npos);
}

TEST_F(WatcherTest, WithoutATopicNothingIsSentAndTheRunSucceeds) {
  const Handler h(sources({active("soon", 'b', kNow + days(3))}), Notifier{}, days(30), clock_,
                  logger_);
  const auto result = h.handle(ScheduledEvent::parse("{}", "req-6"));
  EXPECT_FALSE(result.notified);
  EXPECT_TRUE(result.to_invocation().is_success());
}

TEST(WatcherConfig, ReadsAndChecksItsVariables) {
  const auto c = Config::from_env(map_env({{"CERT_TABLE_NAME", "t"},
                                           {"EXPIRY_WARNING_DAYS", "45"},
                                           {"TRUSTSTORE_URI", "s3://b/truststore.pem"},
                                           {"ALERT_TOPIC_ARN", "arn:aws:sns:eu-west-1:1:t"}}));
  EXPECT_EQ(c.window, days(45));
  EXPECT_EQ(c.truststore_uri, "s3://b/truststore.pem");
  EXPECT_EQ(Config::from_env(map_env({{"CERT_TABLE_NAME", "t"}})).window, days(30));
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"EXPIRY_WARNING_DAYS", "0"},
                                                        {"EXPIRY_WARNING_DAYS", "366"},
                                                        {"EXPIRY_WARNING_DAYS", "30d"},
                                                        {"TRUSTSTORE_URI", "https://b/k"},
                                                        {"ALERT_TOPIC_ARN", "mtls-alerts"}}) {
    try {
      (void)Config::from_env(map_env({{"CERT_TABLE_NAME", "t"}, {name, value}}));
      ADD_FAILURE() << name << "=" << value << " accepted";
    } catch (const core::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW((void)Config::from_env(map_env({})), core::ConfigError);
}

}  // namespace
}  // namespace agm::functions::watcher
