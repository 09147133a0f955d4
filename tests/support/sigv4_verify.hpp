#pragma once
// Server-side SigV4 check for the LoopbackServer tests: rebuilds the request from what the server
// received, re-signs it with our signer and compares. Also requires that `required` headers are
// in SignedHeaders, so a client that forgets to sign one fails.
#include <algorithm>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "aws/sigv4.hpp"
#include "core/crypto.hpp"
#include "core/time.hpp"
#include "support/loopback_server.hpp"

namespace agm::test {

struct AuthParts {
  std::string access_key_id, date, region, service;
  std::vector<std::string> signed_headers;
  std::string signature;
};

// "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/ssm/aws4_request, SignedHeaders=a;b,
// Signature=hex". Returns a reason on failure, empty on success.
inline std::string parse_authorization(const std::string& header, AuthParts& out) {
  const std::string prefix = "AWS4-HMAC-SHA256 ";
  if (header.rfind(prefix, 0) != 0) {
    return "not AWS4-HMAC-SHA256: " + header;
  }
  std::string rest = header.substr(prefix.size());
  std::string credential;
  std::string signed_headers;
  std::stringstream parts(rest);
  std::string item;
  while (std::getline(parts, item, ',')) {
    while (!item.empty() && item.front() == ' ') {
      item.erase(0, 1);
    }
    if (item.rfind("Credential=", 0) == 0) {
      credential = item.substr(11);
    } else if (item.rfind("SignedHeaders=", 0) == 0) {
      signed_headers = item.substr(14);
    } else if (item.rfind("Signature=", 0) == 0) {
      out.signature = item.substr(10);
    }
  }
  std::vector<std::string> scope;
  std::stringstream cs(credential);
  while (std::getline(cs, item, '/')) {
    scope.push_back(item);
  }
  if (scope.size() != 5 || scope[4] != "aws4_request") {
    return "bad Credential: " + credential;
  }
  out.access_key_id = scope[0];
  out.date = scope[1];
  out.region = scope[2];
  out.service = scope[3];
  std::stringstream hs(signed_headers);
  while (std::getline(hs, item, ';')) {
    out.signed_headers.push_back(item);
  }
  if (out.signed_headers.empty() || out.signature.size() != 64) {
    return "missing SignedHeaders or Signature";
  }
  return {};
}

inline std::optional<core::TimePoint> parse_amz_date(const std::string& d) {
  if (d.size() != 16) {
    return std::nullopt;
  }
  return core::parse_rfc3339(d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) + "T" +
                             d.substr(9, 2) + ":" + d.substr(11, 2) + ":" + d.substr(13, 2) + "Z");
}

struct VerifyOptions {
  aws::Credentials credentials;
  std::string region;
  std::string service;
  bool s3 = false;
  std::vector<std::string> required;  // lower-case header names that must be signed
};

// Empty string when the received request carries a valid signature; otherwise why not.
inline std::string verify_sigv4(const agm::test::HttpRequest& received, const VerifyOptions& opt) {
  const auto auth_it = received.headers.find("authorization");
  if (auth_it == received.headers.end()) {
    return "no Authorization header";
  }
  AuthParts auth;
  if (auto why = parse_authorization(auth_it->second, auth); !why.empty()) {
    return why;
  }
  if (auth.access_key_id != opt.credentials.access_key_id || auth.region != opt.region ||
      auth.service != opt.service) {
    return "wrong credential scope in " + auth_it->second;
  }
  for (const auto& r : opt.required) {
    if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), r) ==
        auth.signed_headers.end()) {
      return "header '" + r + "' is not signed";
    }
  }
  const auto date_it = received.headers.find("x-amz-date");
  if (date_it == received.headers.end()) {
    return "no X-Amz-Date";
  }
  auto time = parse_amz_date(date_it->second);
  if (!time || date_it->second.substr(0, 8) != auth.date) {
    return "bad X-Amz-Date " + date_it->second;
  }
  net::HttpRequest rebuilt;
  rebuilt.method = received.method;
  const auto host_it = received.headers.find("host");
  if (host_it == received.headers.end()) {
    return "no Host header";
  }
  rebuilt.url = "http://" + host_it->second + received.target;
  rebuilt.body = received.body;
  for (const auto& name : auth.signed_headers) {
    if (name == "x-amz-date" || name == "x-amz-security-token" ||
        (opt.s3 && name == "x-amz-content-sha256")) {
      continue;  // the signer adds these itself
    }
    const auto it = received.headers.find(name);
    if (it == received.headers.end()) {
      return "signed header '" + name + "' was not received";
    }
    rebuilt.headers.push_back({name, it->second});
  }
  if (opt.s3) {
    const auto sha = received.headers.find("x-amz-content-sha256");
    if (sha == received.headers.end() || sha->second != core::sha256_hex(received.body)) {
      return "x-amz-content-sha256 missing or not the body's hash";
    }
  }
  aws::SigningParams params;
  params.region = opt.region;
  params.service = opt.service;
  params.credentials = opt.credentials;
  params.time = *time;
  params.normalize_path = !opt.s3;
  params.double_uri_encode = !opt.s3;
  params.sign_body = opt.s3;
  const aws::SignedParts expected = aws::sign_request(rebuilt, params);
  if (expected.signature != auth.signature) {
    return "signature mismatch; canonical request we expected:\n" + expected.canonical_request;
  }
  return {};
}

}  // namespace agm::test
