#include "aws/s3.hpp"

#include <thread>

namespace agm::aws {
S3::S3(ClientConfig config)
    : config_(std::move(config)),
      path_style_(true),
      http_(config_.http),
      sleeper_([](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }) {}
std::string S3::put_object(const std::string&, const std::string&, const std::string&,
                           const std::string&, Deadline) {
  return {};
}
std::string S3::object_url(const std::string& bucket, const std::string& key) const {
  return config_.endpoint + "/" + bucket + "/" + key;
}
void S3::set_sleeper(std::function<void(std::chrono::milliseconds)> sleeper) {
  sleeper_ = std::move(sleeper);
}
AwsError parse_s3_error(const HttpResponse& response) {
  return {"HttpError" + std::to_string(response.status), "not implemented", response.status, false};
}
}  // namespace agm::aws
