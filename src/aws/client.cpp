#include "aws/client.hpp"

#include <thread>

namespace agm::aws {
ClientConfig ClientConfig::from_env(std::string_view service_env_suffix,
                                    std::string_view host_prefix) {
  ClientConfig c;
  c.region = region_from_env();
  if (c.region.empty()) {
    throw core::ConfigError("AWS_REGION", "not set (nor AWS_DEFAULT_REGION)");
  }
  c.endpoint = resolve_endpoint(service_env_suffix, host_prefix, c.region);
  auto creds = Credentials::from_env();
  if (!creds) {
    throw core::ConfigError("AWS_ACCESS_KEY_ID", "AWS credentials not set");
  }
  c.credentials = *creds;
  return c;
}
AwsError::AwsError(std::string code, const std::string& message, long http_status, bool retryable)
    : core::Error(std::move(code), message), http_status_(http_status), retryable_(retryable) {}
long AwsError::http_status() const {
  return http_status_;
}
bool AwsError::retryable() const {
  return retryable_;
}
AwsError parse_json_error(const HttpResponse& response) {
  return {"HttpError" + std::to_string(response.status), "not implemented", response.status, false};
}
bool is_retryable_code(std::string_view /*code*/) {
  return false;
}
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int /*attempt*/) {
  return policy.base_delay;
}
JsonClient::JsonClient(ClientConfig config, std::string signing_service, std::string target_prefix,
                       std::string content_type)
    : config_(std::move(config)),
      signing_service_(std::move(signing_service)),
      target_prefix_(std::move(target_prefix)),
      content_type_(std::move(content_type)),
      http_(config_.http),
      sleeper_([](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }) {}
boost::json::value JsonClient::call(std::string_view /*action*/, const boost::json::value& /*body*/,
                                    Deadline /*deadline*/) {
  throw TransportError("TransportError", "not implemented yet");
}
const ClientConfig& JsonClient::config() const {
  return config_;
}
void JsonClient::set_sleeper(std::function<void(std::chrono::milliseconds)> sleeper) {
  sleeper_ = std::move(sleeper);
}
void run_with_retries(const RetryPolicy& /*policy*/, Deadline /*deadline*/,
                      const std::function<void(std::chrono::milliseconds)>& /*sleeper*/,
                      const std::function<void(std::chrono::milliseconds remaining)>& attempt) {
  attempt(std::chrono::milliseconds(1000));
}
}  // namespace agm::aws
