#include "net/url.hpp"

#include "core/encoding.hpp"

namespace agm::net {

std::optional<UrlParts> parse_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return std::nullopt;
  }
  UrlParts parts;
  parts.scheme = core::to_lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  const auto fragment = rest.find('#');
  if (fragment != std::string_view::npos) {
    rest = rest.substr(0, fragment);
  }
  const auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    authority = authority.substr(at + 1);
    parts.has_userinfo = true;
  }
  if (authority.empty()) {
    return std::nullopt;
  }
  std::string host(authority);
  // Drop a default port so the Host we sign is the one a client sends.
  const auto colon = host.rfind(':');
  if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
    const std::string port = host.substr(colon + 1);
    if ((parts.scheme == "https" && port == "443") || (parts.scheme == "http" && port == "80")) {
      host.erase(colon);
    }
  }
  parts.host = core::to_lower(host);
  // hostname and port: an IPv6 literal is "[...]", its port after the ']'. A malformed one leaves
  // hostname empty (nothing to connect to).
  const std::string_view hostport = parts.host;
  std::string_view hostname = hostport;
  std::optional<std::string_view> port;
  if (hostport.starts_with('[')) {
    const auto close = hostport.find(']');
    const bool port_follows = close != std::string_view::npos && close + 1 < hostport.size();
    if (close == std::string_view::npos || (port_follows && hostport[close + 1] != ':')) {
      hostname = {};
    } else {
      hostname = hostport.substr(1, close - 1);
      if (port_follows)
        port = hostport.substr(close + 2);
    }
  } else if (const auto port_colon = hostport.rfind(':'); port_colon != std::string_view::npos) {
    hostname = hostport.substr(0, port_colon);
    port = hostport.substr(port_colon + 1);
  }
  parts.hostname = std::string(hostname);
  if (port && !port->empty()) {  // "host:" is the default port (RFC 3986, 3.2.3)
    parts.port = std::string(*port);
  } else if (parts.scheme == "https" || parts.scheme == "http") {
    parts.port = parts.scheme == "https" ? "443" : "80";
  }
  const auto q = rest.find('?');
  parts.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) {
    parts.query = std::string(rest.substr(q + 1));
  }
  if (parts.path.empty()) {
    parts.path = "/";
  }
  return parts;
}

}  // namespace agm::net
