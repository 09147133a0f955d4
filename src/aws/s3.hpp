#pragma once
// S3 PutObject (the truststore bundle). SigV4's S3 variant: no path normalisation, single URI
// encoding, x-amz-content-sha256 signed. Path-style URLs when an endpoint override is set
// (emulators), virtual-hosted otherwise. Errors come as XML:
// <Error><Code>..</Code><Message>..</Message></Error>.
#include <chrono>
#include <functional>
#include <string>

#include "aws/client.hpp"

namespace agm::aws {

class S3 {
 public:
  explicit S3(ClientConfig config);
  // Returns x-amz-version-id ("" if the bucket is unversioned). Throws AwsError/TransportError.
  std::string put_object(const std::string& bucket, const std::string& key, const std::string& body,
                         const std::string& content_type, Deadline deadline);
  // The URL an object is addressed by (exposed for tests).
  [[nodiscard]] std::string object_url(const std::string& bucket, const std::string& key) const;
  void set_sleeper(std::function<void(std::chrono::milliseconds)> sleeper);

 private:
  ClientConfig config_;
  bool path_style_;
  net::HttpClient http_;
  std::function<void(std::chrono::milliseconds)> sleeper_;
};

// Parses S3's XML error body; falls back to "HttpError<status>".
AwsError parse_s3_error(const net::HttpResponse& response);

}  // namespace agm::aws
