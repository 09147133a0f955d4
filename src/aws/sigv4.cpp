#include "aws/sigv4.hpp"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "net/url.hpp"

namespace agm::aws {

namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Trims and collapses every run of whitespace (including folded line breaks) to one space, as the
// canonical header value requires.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(c);
  }
  return out;
}

// Headers a proxy or the HTTP stack may change in transit: never signed.
bool is_unsigned_header(std::string_view lower_name) {
  return lower_name == "authorization" || lower_name == "user-agent" ||
         lower_name == "x-amzn-trace-id" || lower_name == "expect" || lower_name == "connection";
}

void remove_headers(std::vector<net::HttpHeader>& headers, std::string_view name) {
  std::erase_if(headers, [&](const net::HttpHeader& h) { return core::iequals(h.name, name); });
}

const net::HttpHeader* find_header(const std::vector<net::HttpHeader>& headers,
                                   std::string_view name) {
  for (const auto& h : headers) {
    if (core::iequals(h.name, name)) {
      return &h;
    }
  }
  return nullptr;
}

std::string hmac(std::string_view key, std::string_view data) {
  return core::hmac_sha256(key, data);
}

}  // namespace

std::string canonical_uri(std::string_view path, bool normalize_path, bool double_uri_encode) {
  std::string p(path.empty() ? std::string_view("/") : path);
  if (normalize_path) {
    // RFC 3986 dot-segment removal plus collapsing of empty segments, as the SDKs do.
    std::vector<std::string_view> segments;
    std::string_view rest(p);
    bool trailing_slash = false;
    std::size_t pos = 0;
    while (pos <= rest.size()) {
      const auto next = rest.find('/', pos);
      const std::string_view seg =
          rest.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
      const bool last = next == std::string_view::npos;
      if (seg == "..") {
        if (!segments.empty()) {
          segments.pop_back();
        }
        trailing_slash = last;
      } else if (seg == "." || seg.empty()) {
        trailing_slash = last;
      } else {
        segments.push_back(seg);
        trailing_slash = false;
      }
      if (last) {
        break;
      }
      pos = next + 1;
    }
    std::string out;
    for (const auto& seg : segments) {
      out += '/';
      out += seg;
    }
    if (out.empty() || trailing_slash) {
      out += '/';
    }
    p = std::move(out);
  }
  if (!double_uri_encode) {
    return p;
  }
  return encode_path(p);
}

std::string encode_path(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size() * 3);
  for (char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || c == '/') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4U]);
      out.push_back(kHex[c & 0x0FU]);
    }
  }
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto amp = query.find('&', pos);
    if (amp == std::string_view::npos) {
      amp = query.size();
    }
    const std::string_view piece = query.substr(pos, amp - pos);
    if (!piece.empty()) {
      const auto eq = piece.find('=');
      const std::string_view raw_key = piece.substr(0, eq);
      const std::string_view raw_value =
          eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
      // Decode first so that already-encoded and raw parameters end up encoded exactly once.
      auto key = core::percent_decode(raw_key, false);
      auto value = core::percent_decode(raw_value, false);
      pairs.emplace_back(core::percent_encode(key ? *key : std::string(raw_key)),
                         core::percent_encode(value ? *value : std::string(raw_value)));
    }
    pos = amp + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) {
      out += '&';
    }
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string signing_key(std::string_view secret_access_key, std::string_view date,
                        std::string_view region, std::string_view service) {
  const std::string k_date = hmac("AWS4" + std::string(secret_access_key), date);
  const std::string k_region = hmac(k_date, region);
  const std::string k_service = hmac(k_region, service);
  return hmac(k_service, "aws4_request");
}

SignedParts sign_request(net::HttpRequest& request, const SigningParams& params) {
  if (params.credentials.access_key_id.empty() || params.credentials.secret_access_key.empty()) {
    throw core::Error("SigningError", "cannot sign without AWS credentials");
  }
  std::optional<net::UrlParts> url;
  if (!request.url.empty()) {
    url = net::parse_url(request.url);
    if (!url) {
      throw core::Error("SigningError", "cannot sign: invalid URL '" + request.url + "'");
    }
  }
  if (find_header(request.headers, "host") == nullptr) {
    if (!url) {
      throw core::Error("SigningError", "cannot sign: request has neither a Host header nor a URL");
    }
    request.headers.push_back({"Host", url->host});
  }
  const std::string path = url ? url->path : "/";
  const std::string query = url ? url->query : "";

  for (const char* name : {"authorization", "x-amz-date", "x-amz-security-token"}) {
    remove_headers(request.headers, name);
  }
  if (params.sign_body) {
    remove_headers(request.headers, "x-amz-content-sha256");
  }

  const std::string amz_date = core::format_amz_date(params.time);
  const std::string date = amz_date.substr(0, 8);
  const std::string payload_hash = core::sha256_hex(request.body);
  const bool has_token = !params.credentials.session_token.empty();
  if (has_token) {
    request.headers.push_back({"X-Amz-Security-Token", params.credentials.session_token});
  }
  request.headers.push_back({"X-Amz-Date", amz_date});
  if (params.sign_body) {
    request.headers.push_back({"x-amz-content-sha256", payload_hash});
  }

  // Canonical headers: lower-case names, sorted; duplicates joined by ',' in arrival order.
  std::map<std::string, std::string> canonical;
  for (const auto& h : request.headers) {
    std::string name = core::to_lower(h.name);
    if (is_unsigned_header(name) || (params.omit_session_token && name == "x-amz-security-token")) {
      continue;
    }
    auto [it, inserted] = canonical.try_emplace(name, canonical_header_value(h.value));
    if (!inserted) {
      it->second += ',';
      it->second += canonical_header_value(h.value);
    }
  }
  std::string canonical_headers;
  std::string signed_headers;
  for (const auto& [name, value] : canonical) {
    canonical_headers.append(name).append(":").append(value).append("\n");
    if (!signed_headers.empty()) {
      signed_headers += ';';
    }
    signed_headers += name;
  }

  SignedParts parts;
  parts.canonical_request = request.method + "\n" +
                            canonical_uri(path, params.normalize_path, params.double_uri_encode) +
                            "\n" + canonical_query(query) + "\n" + canonical_headers + "\n" +
                            signed_headers + "\n" + payload_hash;
  const std::string scope = date + "/" + params.region + "/" + params.service + "/aws4_request";
  parts.string_to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" +
                         core::sha256_hex(parts.canonical_request);
  const std::string key =
      signing_key(params.credentials.secret_access_key, date, params.region, params.service);
  parts.signature = core::hex_encode(hmac(key, parts.string_to_sign));
  parts.authorization = "AWS4-HMAC-SHA256 Credential=" + params.credentials.access_key_id + "/" +
                        scope + ", SignedHeaders=" + signed_headers +
                        ", Signature=" + parts.signature;
  request.headers.push_back({"Authorization", parts.authorization});
  return parts;
}

}  // namespace agm::aws
