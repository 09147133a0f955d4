#include "functions/watcher/handler.hpp"

#include <exception>
#include <utility>

#include "core/json.hpp"
#include "metrics/recorder.hpp"

namespace agm::functions::watcher {

namespace json = boost::json;

Config Config::from_env(const EnvLookup& env) {
  Config c;
  c.cert_table_name = require_env(env, "CERT_TABLE_NAME");
  c.window = std::chrono::days(env_whole_number(env, "EXPIRY_WARNING_DAYS", 30, 1, 365, "days"));
  c.truststore_uri = optional_env(env, "TRUSTSTORE_URI").value_or("");
  if (!c.truststore_uri.empty() && c.truststore_uri.rfind("s3://", 0) != 0) {
    throw core::ConfigError("TRUSTSTORE_URI", "must be s3://bucket/key");
  }
  c.domain_name = optional_env(env, "DOMAIN_NAME").value_or("");
  c.alert_topic_arn = optional_env(env, "ALERT_TOPIC_ARN").value_or("");
  if (!c.alert_topic_arn.empty() && c.alert_topic_arn.rfind("arn:", 0) != 0) {
    throw core::ConfigError("ALERT_TOPIC_ARN", "must be an SNS topic ARN");
  }
  return c;
}

ScheduledEvent ScheduledEvent::parse(std::string_view /*payload*/, std::string_view invocation_id) {
  return ScheduledEvent{std::string(invocation_id)};
}

lambda::invocation_response WatchResult::to_invocation() const {
  if (!report.failures.empty()) {
    std::string sources;
    for (const auto& f : report.failures) {
      sources += (sources.empty() ? "" : ", ") + f.source;
    }
    return lambda::invocation_response::failure("could not read: " + sources,
                                                "Watcher.SourceFailed");
  }
  if (!notify_error.empty()) {
    return lambda::invocation_response::failure("could not publish the notification",
                                                "Watcher.NotifyFailed");
  }
  json::object out = mtls::to_json(report);
  out["notified"] = notified;
  return lambda::invocation_response::success(json::serialize(out), "application/json");
}

Handler::Handler(mtls::ExpirySources sources, Notifier notify, std::chrono::days window,
                 const core::Clock& clock, const core::Logger& logger)
    : sources_(std::move(sources)),
      notify_(std::move(notify)),
      window_(window),
      clock_(clock),
      logger_(logger) {}

void Handler::record(const mtls::ExpiryReport& report) const {
  if (report.registry) {
    metrics::record_certificates_expiring_soon(report.registry->expiring.size());
    if (report.registry->earliest_days) {
      metrics::record_registry_certificate_expiry(*report.registry->earliest_days);
    }
  }
  if (const auto days = report.earliest_ca_days()) {
    metrics::record_truststore_ca_expiry(*days);
  }
  if (report.truststore_warnings) {
    metrics::record_truststore_warnings(report.truststore_warnings->size());
  }
}

WatchResult Handler::handle(const ScheduledEvent& event) const {
  WatchResult result;
  result.report = mtls::gather_expiry_report(sources_, clock_.now(), window_);
  record(result.report);
  for (const auto& f : result.report.failures) {
    // The message is the dependency's error (an AWS error code and text): no secret reaches it.
    logger_.error("watcher_source_failed",
                  {{"request_id", event.request_id}, {"source", f.source}, {"error", f.message}});
  }
  const json::object summary = mtls::to_json(result.report);
  logger_.info("watcher_report", {{"request_id", event.request_id}, {"report", summary}});
  if (result.report.due() && notify_) {
    try {
      notify_(std::string(kAlertSubject), mtls::to_text(result.report));
      result.notified = true;
    } catch (const std::exception& e) {
      result.notify_error = e.what();
      logger_.error("watcher_notify_failed",
                    {{"request_id", event.request_id}, {"error", result.notify_error}});
    }
  }
  return result;
}

lambda::invocation_response Handler::fallback() {
  return lambda::invocation_response::failure("internal error", "Watcher.InternalError");
}

}  // namespace agm::functions::watcher
