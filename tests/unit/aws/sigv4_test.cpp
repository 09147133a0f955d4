// SigV4 pieces the conformance vectors do not cover: S3's single encoding, and the
// signer's behaviour on our own requests (Host from the URL, replaced headers, missing input).
#include <gtest/gtest.h>

#include "aws/sigv4.hpp"
#include "core/time.hpp"

namespace agm::aws {
namespace {

SigningParams params() {
  SigningParams p;
  p.region = "eu-west-1";
  p.service = "dynamodb";
  p.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  p.time = *core::parse_rfc3339("2026-11-27T12:00:00Z");
  return p;
}

TEST(CanonicalUri, S3KeepsTheWirePath) {
  EXPECT_EQ(canonical_uri("/bucket/my%20key//x", false, false), "/bucket/my%20key//x");
  EXPECT_EQ(canonical_uri("/bucket/my%20key", true, true), "/bucket/my%2520key");
  EXPECT_EQ(canonical_uri("", true, true), "/");
}

TEST(CanonicalQuery, SortsAndEncodesOnce) {
  EXPECT_EQ(canonical_query("b=2&a=%2F&a=1&c"), "a=%2F&a=1&b=2&c=");
  EXPECT_EQ(canonical_query("k=a b+c"), "k=a%20b%2Bc");
}

TEST(Sign, AddsHostFromUrlAndReplacesStaleHeaders) {
  net::HttpRequest r;
  r.method = "POST";
  r.url = "http://127.0.0.1:8000/";
  r.headers = {{"X-Amz-Target", "DynamoDB_20120810.GetItem"},
               {"Authorization", "stale"},
               {"X-Amz-Date", "19990101T000000Z"}};
  r.body = "{}";
  const SignedParts parts = sign_request(r, params());
  int auth = 0;
  int date = 0;
  std::string host;
  for (const auto& h : r.headers) {
    auth += h.name == "Authorization" ? 1 : 0;
    date += h.name == "X-Amz-Date" ? 1 : 0;
    if (h.name == "Host") {
      host = h.value;
    }
  }
  EXPECT_EQ(auth, 1);
  EXPECT_EQ(date, 1);
  EXPECT_EQ(host, "127.0.0.1:8000");
  EXPECT_NE(parts.canonical_request.find("host:127.0.0.1:8000\n"), std::string::npos);
  EXPECT_NE(parts.authorization.find("SignedHeaders=host;x-amz-date;x-amz-target,"),
            std::string::npos);
  EXPECT_NE(
      parts.authorization.find("Credential=AKIDEXAMPLE/20261127/eu-west-1/dynamodb/aws4_request"),
      std::string::npos);
}

TEST(Sign, SessionTokenIsSignedUnlessOmitted) {
  SigningParams p = params();
  p.credentials.session_token = "TOKEN";
  net::HttpRequest r;
  r.url = "https://example.com/";
  const SignedParts parts = sign_request(r, p);
  EXPECT_NE(parts.canonical_request.find("x-amz-security-token:TOKEN\n"), std::string::npos);
  p.omit_session_token = true;
  net::HttpRequest r2;
  r2.url = "https://example.com/";
  const SignedParts parts2 = sign_request(r2, p);
  EXPECT_EQ(parts2.canonical_request.find("x-amz-security-token"), std::string::npos);
  bool sent = false;
  for (const auto& h : r2.headers) {
    sent = sent || (h.name == "X-Amz-Security-Token" && h.value == "TOKEN");
  }
  EXPECT_TRUE(sent);
}

TEST(Sign, DifferentSecretsGiveDifferentSignatures) {
  net::HttpRequest a;
  a.url = "https://example.com/";
  net::HttpRequest b = a;
  SigningParams p = params();
  const auto sa = sign_request(a, p).signature;
  p.credentials.secret_access_key = "other";
  EXPECT_NE(sign_request(b, p).signature, sa);
}

TEST(Sign, FailsClosedWithoutHostOrCredentials) {
  net::HttpRequest r;
  EXPECT_THROW(sign_request(r, params()), core::Error);
  net::HttpRequest r2;
  r2.url = "https://example.com/";
  SigningParams p = params();
  p.credentials.secret_access_key.clear();
  EXPECT_THROW(sign_request(r2, p), core::Error);
}

}  // namespace
}  // namespace agm::aws
