#include "aws/sns.hpp"

#include <algorithm>
#include <utility>

#include "aws/sigv4.hpp"
#include "core/encoding.hpp"

namespace agm::aws {

namespace {

constexpr std::size_t kMaxSubject = 100;
constexpr std::size_t kMaxMessage = std::size_t{256} * 1024;

}  // namespace

Sns::Sns(ClientConfig config) : rest_(std::move(config), "sns", SigningParams{}, parse_xml_error) {
  if (rest_.config().endpoint.empty()) {
    throw core::ConfigError("AWS_ENDPOINT_URL_SNS", "no endpoint for sns");
  }
}

std::string Sns::publish(const std::string& topic_arn, const std::string& subject,
                         const std::string& message, Deadline deadline) {
  const bool subject_ok =
      subject.size() <= kMaxSubject &&
      std::all_of(subject.begin(), subject.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (topic_arn.empty() || !subject_ok || message.empty() || message.size() > kMaxMessage) {
    throw AwsError("InvalidParameter",
                   "SNS Publish: topic, subject (<= 100 ASCII) or message (1 B to 256 KiB) invalid",
                   0, false);
  }
  std::string url = rest_.config().endpoint;
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  net::HttpRequest request;
  request.method = "POST";
  request.url = url + "/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = "Action=Publish&Version=2010-03-31&TopicArn=" + core::percent_encode(topic_arn) +
                 "&Subject=" + core::percent_encode(subject) +
                 "&Message=" + core::percent_encode(message);
  return xml_text(rest_.send(request, deadline).body, "MessageId");
}

}  // namespace agm::aws
