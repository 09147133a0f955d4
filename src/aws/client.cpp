#include "aws/client.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <exception>
#include <random>
#include <thread>
#include <utility>

#include "aws/sigv4.hpp"
#include "core/json.hpp"

namespace agm::aws {

namespace {

using std::chrono::milliseconds;

// The error code from "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" or
// "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/".
std::string strip_code(std::string_view raw) {
  const auto hash = raw.rfind('#');
  if (hash != std::string_view::npos) {
    raw = raw.substr(hash + 1);
  }
  const auto colon = raw.find(':');
  if (colon != std::string_view::npos) {
    raw = raw.substr(0, colon);
  }
  return std::string(raw);
}

std::string shorten(std::string_view text, std::size_t max) {
  if (text.size() <= max) {
    return std::string(text);
  }
  return std::string(text.substr(0, max)) + "...";
}

bool transport_retryable(const net::TransportError& e) {
  // Configuration problems (bad URL, TLS verification) and oversized answers do not get better by
  // trying again; connection failures, resets and timeouts may.
  return e.errc() == net::TransportErrc::kConnect || e.errc() == net::TransportErrc::kTimeout ||
         e.errc() == net::TransportErrc::kOther;
}

// The variable to name when Credentials::from_env() found nothing usable.
std::string creds_missing_variable() {
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");  // startup only
  return id == nullptr || *id == '\0' ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY";
}

milliseconds remaining_until(Deadline deadline) {
  return std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
}

}  // namespace

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
    throw core::ConfigError(creds_missing_variable(), "not set");
  }
  c.credentials = *creds;
  const char* ca = std::getenv("AWS_CA_BUNDLE");  // startup only
  if (ca != nullptr && *ca != '\0') {
    c.http.ca_file = ca;
  }
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

bool is_retryable_code(std::string_view code) {
  static constexpr std::array<std::string_view, 18> kRetryable = {
      "ThrottlingException",
      "Throttling",
      "ThrottledException",
      "RequestThrottledException",
      "RequestThrottled",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
      "InternalServerError",
      "InternalFailure",
      "InternalError",
      "ServiceUnavailable",
      "RequestTimeout",
  };
  return std::find(kRetryable.begin(), kRetryable.end(), code) != kRetryable.end();
}

AwsError parse_json_error(const net::HttpResponse& response) {
  std::string code;
  std::string message;
  if (auto body = core::parse_json(response.body); body && body->is_object()) {
    if (auto t = core::get_string(*body, "__type")) {
      code = strip_code(*t);
    } else if (auto c = core::get_string(*body, "code")) {
      code = strip_code(*c);
    }
    for (const char* key : {"message", "Message", "errorMessage"}) {
      if (auto m = core::get_string(*body, key)) {
        message = std::string(*m);
        break;
      }
    }
  }
  if (code.empty()) {
    if (auto h = response.header("x-amzn-errortype")) {
      code = strip_code(*h);
    }
  }
  const long status = response.status;
  if (code.empty()) {
    code = "HttpError" + std::to_string(status);
    if (message.empty()) {
      message = shorten(response.body, 200);
    }
  }
  const bool retryable = status >= 500 || status == 429 || is_retryable_code(code);
  return {code,
          code + ": " + (message.empty() ? "(no message)" : message) + " (HTTP " +
              std::to_string(status) + ")",
          status, retryable};
}

milliseconds backoff_delay(const RetryPolicy& policy, int attempt) {
  const auto base = std::max<std::int64_t>(policy.base_delay.count(), 0);
  const auto max = std::max<std::int64_t>(policy.max_delay.count(), 0);
  std::int64_t cap = base;
  for (int i = 0; i < attempt && cap < max; ++i) {
    cap *= 2;
  }
  cap = std::min(cap, max);
  if (cap <= 0) {
    return milliseconds(0);
  }
  // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): spreads retries of
  // many clients evenly instead of in synchronized waves.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> dist(0, cap);
  return milliseconds(dist(rng));
}

void run_with_retries(const RetryPolicy& policy, Deadline deadline,
                      const std::function<void(milliseconds)>& sleeper,
                      const std::function<void(milliseconds remaining)>& attempt) {
  const int max_attempts = std::max(policy.max_attempts, 1);
  std::exception_ptr last;
  for (int n = 0; n < max_attempts; ++n) {
    const milliseconds remaining = remaining_until(deadline);
    if (remaining <= milliseconds(0)) {
      break;
    }
    try {
      attempt(remaining);
      return;
    } catch (const AwsError& e) {
      if (!e.retryable()) {
        throw;
      }
      last = std::current_exception();
    } catch (const net::TransportError& e) {
      if (!transport_retryable(e)) {
        throw;
      }
      last = std::current_exception();
    }
    if (n + 1 >= max_attempts) {
      break;
    }
    const milliseconds delay = backoff_delay(policy, n);
    if (delay >= remaining_until(deadline)) {
      break;  // sleeping would take us past the deadline: give up now with the real error
    }
    sleeper(delay);
  }
  if (last) {
    std::rethrow_exception(last);
  }
  throw net::TransportError(net::TransportErrc::kDeadlineExceeded,
                            "deadline passed before the request could be sent");
}

JsonClient::JsonClient(ClientConfig config, std::string signing_service, std::string target_prefix,
                       std::string content_type)
    : config_(std::move(config)),
      signing_service_(std::move(signing_service)),
      target_prefix_(std::move(target_prefix)),
      content_type_(std::move(content_type)),
      http_(config_.http),
      sleeper_([](milliseconds d) { std::this_thread::sleep_for(d); }) {
  if (config_.endpoint.empty()) {
    throw core::ConfigError("AWS_ENDPOINT_URL", "no endpoint for " + signing_service_);
  }
}

const ClientConfig& JsonClient::config() const {
  return config_;
}

void JsonClient::set_sleeper(std::function<void(milliseconds)> sleeper) {
  sleeper_ = std::move(sleeper);
}

boost::json::value JsonClient::call(std::string_view action, const boost::json::value& body,
                                    Deadline deadline) {
  std::string url = config_.endpoint;
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  url += '/';
  const std::string payload = boost::json::serialize(body);
  const std::string target = target_prefix_ + "." + std::string(action);
  boost::json::value result;
  run_with_retries(config_.retry, deadline, sleeper_, [&](milliseconds remaining) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.headers = {{"Content-Type", content_type_}, {"X-Amz-Target", target}};
    request.body = payload;
    SigningParams params;
    params.region = config_.region;
    params.service = signing_service_;
    params.credentials = config_.credentials;
    params.time = core::SystemClock().now();  // signing needs wall-clock time
    sign_request(request, params);
    const net::HttpResponse response =
        http_.send(request, std::min(remaining, config_.http.timeout));
    if (response.status < 200 || response.status >= 300) {
      throw parse_json_error(response);
    }
    if (response.body.empty()) {
      result = boost::json::object();
      return;
    }
    auto parsed = core::parse_json(response.body);
    if (!parsed) {
      throw AwsError("InvalidResponse",
                     target + ": answer is not JSON: " + shorten(response.body, 200),
                     response.status, false);
    }
    result = std::move(*parsed);
  });
  return result;
}

}  // namespace agm::aws
