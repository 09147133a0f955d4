#pragma once
// The X-Amz-Target JSON protocols (DynamoDB 1.0, Cognito IdP and SSM 1.1): sign, send, parse the
// answer, turn an error body into AwsError, retry what is retryable within a deadline.
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "aws/credentials.hpp"
#include "aws/endpoint.hpp"
#include "core/error.hpp"
#include "net/http.hpp"

namespace agm::aws {

struct RetryPolicy {
  int max_attempts = 4;
  std::chrono::milliseconds base_delay{25};
  std::chrono::milliseconds max_delay{1000};
};

struct ClientConfig {
  std::string region;
  std::string endpoint;  // "https://dynamodb.eu-west-1.amazonaws.com" or "http://127.0.0.1:8000"
  Credentials credentials;
  net::HttpOptions http;
  RetryPolicy retry;

  // region from AWS_REGION/AWS_DEFAULT_REGION, endpoint via resolve_endpoint, credentials from env,
  // http.ca_file from AWS_CA_BUNDLE when set (as the SDKs do); throws core::ConfigError naming the
  // missing variable.
  static ClientConfig from_env(std::string_view service_env_suffix, std::string_view host_prefix);
};

// code() is the AWS error code without namespace prefix, e.g. "ConditionalCheckFailedException",
// "ResourceNotFoundException".
class AwsError : public core::Error {
 public:
  AwsError(std::string code, const std::string& message, long http_status, bool retryable);
  [[nodiscard]] long http_status() const;
  [[nodiscard]] bool retryable() const;

 private:
  long http_status_;
  bool retryable_;
};

// Parses an AWS JSON error answer: `__type` ("com.amazonaws.dynamodb.v20120810#Code" or
// "Code:http://..." or "Code") or the x-amzn-ErrorType header, and `message` / `Message`.
// Falls back to "HttpError<status>" when the body says nothing useful.
AwsError parse_json_error(const net::HttpResponse& response);
// Throttling codes and 5xx are retryable.
bool is_retryable_code(std::string_view code);

// Full-jitter exponential backoff: a random delay in [0, min(max_delay, base_delay * 2^attempt)]
// for attempt = 0, 1, ...
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt);

// Retries throttling (ThrottlingException, ProvisionedThroughputExceededException,
// RequestLimitExceeded, TooManyRequestsException...), 5xx and TransportErrors with exponential
// backoff and full jitter, never past `deadline` (then throws the last error, or TransportError
// "DeadlineExceeded"). TransportErrors that cannot heal by retrying (TlsError, InvalidRequest,
// ResponseTooLarge) are thrown at once. NOT thread-safe (it owns one HttpClient): one per thread.
class JsonClient {
 public:
  JsonClient(ClientConfig config, std::string signing_service, std::string target_prefix,
             std::string content_type);

  // POSTs `body` with X-Amz-Target: <target_prefix>.<action>; returns the parsed answer ({} for
  // an empty body). Throws AwsError or TransportError.
  boost::json::value call(std::string_view action, const boost::json::value& body,
                          Deadline deadline);

  [[nodiscard]] const ClientConfig& config() const;
  // For tests: replaces the sleep between attempts (default std::this_thread::sleep_for).
  void set_sleeper(std::function<void(std::chrono::milliseconds)> sleeper);

 private:
  ClientConfig config_;
  std::string signing_service_;
  std::string target_prefix_;
  std::string content_type_;
  net::HttpClient http_;
  std::function<void(std::chrono::milliseconds)> sleeper_;
};

// Runs `attempt` with the retry rules above (shared by JsonClient and S3). `attempt` gets the time
// left before the deadline and throws AwsError or TransportError; the last error is rethrown when
// attempts or time run out. Callers capture their result in the lambda.
void run_with_retries(const RetryPolicy& policy, Deadline deadline,
                      const std::function<void(std::chrono::milliseconds)>& sleeper,
                      const std::function<void(std::chrono::milliseconds remaining)>& attempt);

}  // namespace agm::aws
