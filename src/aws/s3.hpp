#pragma once
// S3 PutObject and GetObject (the truststore bundle). SigV4's S3 variant: no path normalisation,
// single URI encoding, x-amz-content-sha256 signed. Path-style URLs when an endpoint override is
// set (emulators), virtual-hosted otherwise. Errors come as XML:
// <Error><Code>..</Code><Message>..</Message></Error>.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "aws/client.hpp"
#include "aws/rest_client.hpp"

namespace agm::aws {

class S3 {
 public:
  explicit S3(ClientConfig config);
  // Returns x-amz-version-id ("" if the bucket is unversioned). Throws AwsError/TransportError.
  std::string put_object(const std::string& bucket, const std::string& key, const std::string& body,
                         const std::string& content_type, Deadline deadline);
  // The object's bytes. Throws AwsError (NoSuchKey, AccessDenied...) or TransportError.
  std::string get_object(const std::string& bucket, const std::string& key, Deadline deadline);
  // The URL an object is addressed by (exposed for tests).
  [[nodiscard]] std::string object_url(const std::string& bucket, const std::string& key) const;
  void set_sleeper(std::function<void(std::chrono::milliseconds)> sleeper);

 private:
  ClientConfig config_;
  bool path_style_;
  RestClient rest_;
};

// "s3://bucket/key" (the form TRUSTSTORE_URI and API Gateway's truststoreUri use); nullopt for
// anything else, an empty bucket or an empty key.
struct S3Location {
  std::string bucket;
  std::string key;
};
std::optional<S3Location> parse_s3_uri(std::string_view uri);

// S3's XML error body (parse_xml_error).
AwsError parse_s3_error(const net::HttpResponse& response);

}  // namespace agm::aws
