#pragma once
// The watcher function (issue 18; run daily by EventBridge Scheduler): what is about to expire,
// gathered by mtls::gather_expiry_report (the same code as `mtlsctl report`), recorded as metrics
// (one line per measured value), and, when something is due, one notification (SNS) listing the
// client ids, thumbprints and dates. A source that could not be read makes the invocation an error
// (the function's Errors alarm), after everything that could be measured was recorded and sent.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/log.hpp"
#include "core/time.hpp"
#include "functions/common/config.hpp"
#include "lambda/runtime.hpp"
#include "mtls/expiry_report.hpp"

namespace agm::functions::watcher {

struct Config {
  std::string cert_table_name;
  std::chrono::days window{30};  // EXPIRY_WARNING_DAYS, 1..365
  std::string truststore_uri;    // TRUSTSTORE_URI, s3://bucket/key; empty: not checked
  std::string domain_name;       // DOMAIN_NAME; empty: GetDomainName not called
  std::string alert_topic_arn;   // ALERT_TOPIC_ARN; empty: nothing published
  // Throws core::ConfigError naming the variable.
  static Config from_env(const EnvLookup& env);
};

// The Scheduler's payload is whatever the schedule's target Input says: the watcher reads none of
// it (a run is a run), so any payload parses.
struct ScheduledEvent {
  std::string request_id;
  static ScheduledEvent parse(std::string_view payload, std::string_view invocation_id = {});
};

struct WatchResult {
  mtls::ExpiryReport report;
  bool notified = false;
  std::string notify_error;  // the notification failed (the run is then an error)
  // Success: the report's JSON (and "notified"). Error "Watcher.SourceFailed" naming the sources
  // that failed, or "Watcher.NotifyFailed".
  [[nodiscard]] lambda::invocation_response to_invocation() const;
};

// Sends one message (subject, body). Throws on failure.
using Notifier = std::function<void(const std::string& subject, const std::string& message)>;

class Handler {
 public:
  using Request = ScheduledEvent;
  using Response = WatchResult;

  // `notify` empty: nothing is sent (no ALERT_TOPIC_ARN).
  Handler(mtls::ExpirySources sources, Notifier notify, std::chrono::days window,
          const core::Clock& clock, const core::Logger& logger);
  // Never throws.
  [[nodiscard]] WatchResult handle(const ScheduledEvent& event) const;
  static lambda::invocation_response fallback();

 private:
  void record(const mtls::ExpiryReport& report) const;

  mtls::ExpirySources sources_;
  Notifier notify_;
  std::chrono::days window_;
  const core::Clock& clock_;
  const core::Logger& logger_;
};

// The notification's subject (<= 100 ASCII, SNS's limit).
inline constexpr std::string_view kAlertSubject = "aws-api-gateway-mtls: certificates need action";

}  // namespace agm::functions::watcher
