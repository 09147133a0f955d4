#include "aws/s3.hpp"

#include <utility>

#include "aws/sigv4.hpp"

namespace agm::aws {

namespace {

ClientConfig checked(ClientConfig config) {
  while (!config.endpoint.empty() && config.endpoint.back() == '/') {
    config.endpoint.pop_back();
  }
  if (config.endpoint.empty()) {
    throw core::ConfigError("AWS_ENDPOINT_URL_S3", "no endpoint for s3");
  }
  return config;
}

// S3's SigV4: the path signed exactly as sent, the body's hash signed.
SigningParams s3_signing() {
  SigningParams params;
  params.normalize_path = false;
  params.double_uri_encode = false;
  params.sign_body = true;
  return params;
}

}  // namespace

AwsError parse_s3_error(const net::HttpResponse& response) {
  return parse_xml_error(response);
}

S3::S3(ClientConfig config)
    : config_(checked(std::move(config))),
      path_style_(config_.endpoint != "https://s3." + config_.region + ".amazonaws.com"),
      rest_(config_, "s3", s3_signing(), parse_s3_error) {}

void S3::set_sleeper(std::function<void(std::chrono::milliseconds)> sleeper) {
  rest_.set_sleeper(std::move(sleeper));
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
  net::HttpRequest request;
  request.method = "PUT";
  request.url = object_url(bucket, key);
  request.body = body;
  if (!content_type.empty()) {
    request.headers.push_back({"Content-Type", content_type});
  }
  return rest_.send(request, deadline).header("x-amz-version-id").value_or("");
}

std::string S3::get_object(const std::string& bucket, const std::string& key, Deadline deadline) {
  if (bucket.empty() || key.empty()) {
    throw AwsError("InvalidRequest", "S3 GetObject: bucket and key must not be empty", 0, false);
  }
  net::HttpRequest request;
  request.method = "GET";
  request.url = object_url(bucket, key);
  return rest_.send(request, deadline).body;
}

std::optional<S3Location> parse_s3_uri(std::string_view uri) {
  constexpr std::string_view kScheme = "s3://";
  if (uri.substr(0, kScheme.size()) != kScheme) {
    return std::nullopt;
  }
  const std::string_view rest = uri.substr(kScheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) {
    return std::nullopt;
  }
  return S3Location{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

}  // namespace agm::aws
