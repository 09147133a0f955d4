// SigV4 canonicalisation: net::parse_url, canonical_uri, canonical_query and sign_request on
// arbitrary text. Input: "<url>\n<header name>: <value>\n...\n\n<body>". Properties: nothing but
// core::Error escapes sign_request; signing is deterministic (same request, same signature); a
// canonical query never holds a raw space or '+'; the signature is 64 hex digits.
#include <cstdlib>

#include "aws/sigv4.hpp"
#include "common/fuzz_support.hpp"
#include "net/url.hpp"

namespace {

agm::net::HttpRequest parse(std::string_view input) {
  agm::net::HttpRequest r;
  r.method = "POST";
  const auto head_end = input.find("\n\n");
  std::string_view head = input.substr(0, head_end);
  if (head_end != std::string_view::npos)
    r.body = std::string(input.substr(head_end + 2));
  const auto eol = head.find('\n');
  r.url = std::string(head.substr(0, eol));
  head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 1);
  while (!head.empty()) {
    const auto e = head.find('\n');
    const std::string_view line = head.substr(0, e);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos)
      r.headers.push_back(
          {std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
    head = e == std::string_view::npos ? std::string_view() : head.substr(e + 1);
  }
  return r;
}

bool hex64(const std::string& s) {
  if (s.size() != 64)
    return false;
  for (const char c : s) {
    if ((c < '0' || c > '9') && (c < 'a' || c > 'f'))
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = agm::test::as_view(data, size);
  const agm::net::HttpRequest request = parse(input);
  if (const auto url = agm::net::parse_url(request.url)) {
    for (const bool normalize : {true, false}) {
      (void)agm::aws::canonical_uri(url->path, normalize, normalize);
    }
    const std::string q = agm::aws::canonical_query(url->query);
    if (q.find(' ') != std::string::npos || q.find('+') != std::string::npos)
      std::abort();
  }
  agm::aws::SigningParams params;
  params.region = "us-east-1";
  params.service = "service";
  params.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token"};
  params.time = agm::test::fixed_clock().now();
  for (const bool s3 : {false, true}) {
    params.normalize_path = !s3;
    params.double_uri_encode = !s3;
    params.sign_body = s3;
    try {
      agm::net::HttpRequest a = request;
      agm::net::HttpRequest b = request;
      const auto pa = agm::aws::sign_request(a, params);
      const auto pb = agm::aws::sign_request(b, params);
      if (pa.signature != pb.signature || !hex64(pa.signature))
        std::abort();
    } catch (const agm::core::Error&) {
    }
  }
  return 0;
}
