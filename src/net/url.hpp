#pragma once
// URL parsing for the HTTP client and the SigV4 signer (which signs the Host header the client
// sends): the parts both need, in the forms both need (default port dropped from `host`, host
// lower-cased, an IPv6 literal's brackets kept in `host` and removed in `hostname`).
#include <optional>
#include <string>
#include <string_view>

namespace agm::net {

// The parts of a URL the signer and the HTTP client need. `host` keeps a non-default port.
struct UrlParts {
  std::string scheme;    // lower-case
  std::string host;      // "example.com" or "127.0.0.1:8000": the Host header
  std::string hostname;  // "example.com", "127.0.0.1", "::1" (no brackets): what to connect to
  std::string port;      // as written, or "443" / "80" for https / http; may be empty otherwise
  std::string path;      // "/" when empty
  std::string query;     // without '?', may be empty
  bool has_userinfo = false;  // "user:pass@" before the host (dropped from `host`)
};
// nullopt when `url` has no "scheme://" or no host.
std::optional<UrlParts> parse_url(std::string_view url);

}  // namespace agm::net
