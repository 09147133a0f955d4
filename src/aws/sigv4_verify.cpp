#include "aws/sigv4_verify.hpp"

#include <algorithm>
#include <sstream>
#include <utility>
#include <variant>
#include <vector>

#include "aws/sigv4.hpp"
#include "core/crypto.hpp"
#include "core/time.hpp"

namespace agm::aws {
namespace {

struct Authorization {
  std::string access_key_id, date, region, service, signature;
  std::vector<std::string> signed_headers;
};

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, sep)) {
    out.push_back(item);
  }
  return out;
}

// "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b,
// Signature=hex"
std::string parse(const std::string& header, Authorization& out) {
  static const std::string kPrefix = "AWS4-HMAC-SHA256 ";
  if (!header.starts_with(kPrefix)) {
    return "not an AWS4-HMAC-SHA256 Authorization header";
  }
  std::string credential;
  for (auto item : split(header.substr(kPrefix.size()), ',')) {
    item.erase(0, item.find_first_not_of(' '));
    if (item.starts_with("Credential=")) {
      credential = item.substr(11);
    } else if (item.starts_with("SignedHeaders=")) {
      out.signed_headers = split(item.substr(14), ';');
    } else if (item.starts_with("Signature=")) {
      out.signature = item.substr(10);
    }
  }
  const auto scope = split(credential, '/');
  if (scope.size() != 5 || scope[4] != "aws4_request" || out.signed_headers.empty() ||
      out.signature.size() != 64) {
    return "malformed Authorization header";
  }
  out.access_key_id = scope[0];
  out.date = scope[1];
  out.region = scope[2];
  out.service = scope[3];
  return {};
}

std::optional<core::TimePoint> amz_date(const std::string& d) {
  if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z') {
    return std::nullopt;
  }
  return core::parse_rfc3339(d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) + "T" +
                             d.substr(9, 2) + ":" + d.substr(11, 2) + ":" + d.substr(13, 2) + "Z");
}

SignatureCheck refused(std::string why) {
  return {SignatureErrc::kRefused, std::move(why)};
}

// The request as the client must have signed it: the signed headers as received, less those the
// signer adds itself.
std::variant<net::HttpRequest, SignatureCheck> rebuild(const ReceivedRequest& request,
                                                       const Authorization& auth, bool s3) {
  const auto host_it = request.headers.find("host");
  if (host_it == request.headers.end()) {
    return refused("no Host header");
  }
  net::HttpRequest rebuilt;
  rebuilt.method = request.method;
  rebuilt.url = "http://" + host_it->second + request.target;
  rebuilt.body = request.body;
  for (const auto& name : auth.signed_headers) {
    if (name == "x-amz-date" || name == "x-amz-security-token" ||
        (s3 && name == "x-amz-content-sha256")) {
      continue;  // the signer adds these itself
    }
    const auto it = request.headers.find(name);
    if (it == request.headers.end()) {
      return refused("signed header " + name + " was not received");
    }
    rebuilt.headers.push_back({name, it->second});
  }
  return rebuilt;
}

}  // namespace

SignatureCheck verify_signature(const ReceivedRequest& request, const VerifyParams& params) {
  const auto auth_it = request.headers.find("authorization");
  if (auth_it == request.headers.end()) {
    return refused("no Authorization header");
  }
  Authorization auth;
  if (auto why = parse(auth_it->second, auth); !why.empty()) {
    return refused(why);
  }
  if (auth.access_key_id != params.credentials.access_key_id || auth.service != params.service ||
      (!params.region.empty() && auth.region != params.region)) {
    return refused("the credential scope names another key, service or region");
  }
  for (const auto& name : params.required) {
    if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), name) ==
        auth.signed_headers.end()) {
      return refused("header " + name + " is not signed");
    }
  }
  const auto date_it = request.headers.find("x-amz-date");
  const auto time = date_it == request.headers.end() ? std::nullopt : amz_date(date_it->second);
  if (!time || date_it->second.substr(0, 8) != auth.date) {
    return refused("missing or malformed X-Amz-Date");
  }
  if (params.s3) {
    const auto sha = request.headers.find("x-amz-content-sha256");
    if (sha == request.headers.end() || sha->second != core::sha256_hex(request.body)) {
      return refused("x-amz-content-sha256 missing or not the body's hash");
    }
  }
  auto rebuilt = rebuild(request, auth, params.s3);
  if (auto* refusal = std::get_if<SignatureCheck>(&rebuilt)) {
    return std::move(*refusal);
  }
  SigningParams sp;
  sp.region = auth.region;
  sp.service = params.service;
  sp.credentials = params.credentials;
  if (const auto token = request.headers.find("x-amz-security-token");
      token != request.headers.end()) {
    sp.credentials.session_token = token->second;
  }
  sp.time = *time;
  sp.normalize_path = !params.s3;
  sp.double_uri_encode = !params.s3;
  sp.sign_body = params.s3;
  const SignedParts expected = sign_request(std::get<net::HttpRequest>(rebuilt), sp);
  if (expected.signature != auth.signature) {
    return {SignatureErrc::kMismatch,
            "the signature does not match; the canonical request should have been:\n" +
                expected.canonical_request};
  }
  return {};
}

}  // namespace agm::aws
