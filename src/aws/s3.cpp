#include "aws/s3.hpp"

#include <thread>
#include <utility>

#include "aws/sigv4.hpp"

namespace agm::aws {

namespace {

using std::chrono::milliseconds;

// The text of the first <tag>...</tag>, with the five predefined XML entities decoded.
std::string xml_text(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const auto start = xml.find(open);
  if (start == std::string_view::npos) {
    return {};
  }
  const auto from = start + open.size();
  const auto end = xml.find(close, from);
  if (end == std::string_view::npos) {
    return {};
  }
  std::string_view raw = xml.substr(from, end - from);
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool matched = false;
      for (const auto& [entity, ch] : kEntities) {
        if (raw.substr(i, entity.size()) == entity) {
          out.push_back(ch);
          i += entity.size() - 1;
          matched = true;
          break;
        }
      }
      if (!matched) {
        out.push_back('&');
      }
    } else {
      out.push_back(raw[i]);
    }
  }
  return out;
}

}  // namespace

AwsError parse_s3_error(const net::HttpResponse& response) {
  std::string code = xml_text(response.body, "Code");
  std::string message = xml_text(response.body, "Message");
  const long status = response.status;
  if (code.empty()) {
    code = "HttpError" + std::to_string(status);
  }
  const bool retryable = status >= 500 || status == 429 || is_retryable_code(code);
  return {code,
          code + ": " + (message.empty() ? "(no message)" : message) + " (HTTP " +
              std::to_string(status) + ")",
          status, retryable};
}

S3::S3(ClientConfig config)
    : config_(std::move(config)),
      path_style_(config_.endpoint != "https://s3." + config_.region + ".amazonaws.com"),
      http_(config_.http),
      sleeper_([](milliseconds d) { std::this_thread::sleep_for(d); }) {
  while (!config_.endpoint.empty() && config_.endpoint.back() == '/') {
    config_.endpoint.pop_back();
  }
  if (config_.endpoint.empty()) {
    throw core::ConfigError("AWS_ENDPOINT_URL_S3", "no endpoint for s3");
  }
}

void S3::set_sleeper(std::function<void(milliseconds)> sleeper) {
  sleeper_ = std::move(sleeper);
}

// The key is encoded once, keeping '/': S3 signs the path exactly as sent (no double encoding).
std::string S3::object_url(const std::string& bucket, const std::string& key) const {
  // Bucket names with dots do not match the *.s3 wildcard certificate: use path style for them.
  if (path_style_ || bucket.find('.') != std::string::npos) {
    return config_.endpoint + "/" + bucket + "/" + encode_path(key);
  }
  const auto scheme_end = config_.endpoint.find("://");
  return config_.endpoint.substr(0, scheme_end + 3) + bucket + "." +
         config_.endpoint.substr(scheme_end + 3) + "/" + encode_path(key);
}

std::string S3::put_object(const std::string& bucket, const std::string& key,
                           const std::string& body, const std::string& content_type,
                           Deadline deadline) {
  if (bucket.empty() || key.empty()) {
    throw AwsError("InvalidRequest", "S3 PutObject: bucket and key must not be empty", 0, false);
  }
  const std::string url = object_url(bucket, key);
  std::string version;
  run_with_retries(config_.retry, deadline, sleeper_, [&](milliseconds remaining) {
    net::HttpRequest request;
    request.method = "PUT";
    request.url = url;
    request.body = body;
    if (!content_type.empty()) {
      request.headers.push_back({"Content-Type", content_type});
    }
    SigningParams params;
    params.region = config_.region;
    params.service = "s3";
    params.credentials = config_.credentials;
    params.time = core::SystemClock().now();
    params.normalize_path = false;
    params.double_uri_encode = false;
    params.sign_body = true;
    sign_request(request, params);
    const net::HttpResponse response =
        http_.send(request, std::min(remaining, config_.http.timeout));
    if (response.status < 200 || response.status >= 300) {
      throw parse_s3_error(response);
    }
    version = response.header("x-amz-version-id").value_or("");
  });
  return version;
}

}  // namespace agm::aws
