#pragma once
// AWS Signature Version 4 (header variant).
// Why our own: the AWS SDK for C++ is not packaged in Debian 12 and pulls in far more than four
// requests need. Canonical request per
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
// Checked byte for byte against the aws-c-auth conformance vectors
// (tests/unit/aws/sigv4_conformance_test.cpp).
#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.hpp"
#include "core/time.hpp"
#include "net/http.hpp"

namespace agm::aws {

struct SigningParams {
  std::string region;
  std::string service;
  Credentials credentials;
  core::TimePoint time;
  bool normalize_path = true;       // false for S3
  bool sign_body = false;           // add x-amz-content-sha256 (S3)
  bool omit_session_token = false;  // add X-Amz-Security-Token after signing (not signed)
  // URI-encode the request path (which is already encoded on the wire) once more, as SigV4 wants
  // for every service but S3. S3 sets this false: its canonical URI is the wire path as-is.
  bool double_uri_encode = true;
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
SignedParts sign_request(net::HttpRequest& request, const SigningParams& params);

// Pieces, exposed for tests and for servers that verify signatures.
// Percent-encodes every byte outside RFC 3986's unreserved set, keeping '/' (uppercase hex), as
// SigV4 encodes a path and S3 encodes an object key.
std::string encode_path(std::string_view path);

// The canonical URI of `path` (the wire path, without query): '.' and '..' removed and empty
// segments collapsed when `normalize_path`; then, with `double_uri_encode`, every byte but the
// unreserved ones and '/' percent-encoded.
std::string canonical_uri(std::string_view path, bool normalize_path,
                          bool double_uri_encode = true);
// The canonical query string of `query` (without '?'): pairs sorted by encoded key then value,
// every key and value percent-encoded (after decoding what was already encoded).
std::string canonical_query(std::string_view query);
// The SigV4 signing key (kSigning) for a date ("YYYYMMDD"), region and service.
std::string signing_key(std::string_view secret_access_key, std::string_view date,
                        std::string_view region, std::string_view service);

}  // namespace agm::aws
