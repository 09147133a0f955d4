#pragma once
// AWS Signature Version 4 (header variant).
// Why our own: the AWS SDK for C++ is not packaged in Debian 12 and pulls in far more than four
// requests need. Canonical request per
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
// Checked byte for byte against the aws-c-auth conformance vectors
// (tests/unit/aws/sigv4_conformance_test.cpp).
#include <string>
#include <string_view>

#include "aws/credentials.hpp"
#include "aws/http.hpp"
#include "core/time.hpp"

namespace agm::aws {

struct SigningParams {
  std::string region;
  std::string service;
  Credentials credentials;
  core::TimePoint time;
  bool normalize_path = true;       // false for S3
  bool sign_body = false;           // add x-amz-content-sha256 (S3)
  bool omit_session_token = false;  // add X-Amz-Security-Token after signing (not signed)
};

struct SignedParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lowercase hex
  std::string authorization;
};

// Adds X-Amz-Date, X-Amz-Security-Token (when a session token), x-amz-content-sha256 (sign_body)
// and Authorization to `request` (which must carry a Host header or a URL), returns the parts.
// Existing Authorization / X-Amz-Date / X-Amz-Security-Token headers are replaced.
// Throws core::Error("SigningError") when neither a Host header nor a URL host is present.
SignedParts sign_request(HttpRequest& request, const SigningParams& params);

// Pieces, exposed for tests and for servers that verify signatures.
// The canonical URI of `path` (without query): segments URI-encoded (encoded twice unless
// `normalize_path` is false, as SigV4 wants for every service but S3), '.' and '..' removed
// and empty segments collapsed when normalizing.
std::string canonical_uri(std::string_view path, bool normalize_path);
// The canonical query string of `query` (without '?'): pairs sorted by encoded key then value,
// every key and value percent-encoded (after decoding what was already encoded).
std::string canonical_query(std::string_view query);

}  // namespace agm::aws
