#include "local/gateway/http_proxy.hpp"

#include <array>

#include "core/encoding.hpp"

namespace agm::local {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

namespace {

// Connection-level headers (RFC 9110 section 7.6.1) belong to one hop; framing is redone.
constexpr std::array<std::string_view, 10> kHopByHop = {
    "connection", "keep-alive",        "proxy-connection", "te",   "trailer",
    "upgrade",    "transfer-encoding", "content-length",   "host", "proxy-authorization"};

bool is_identity_header(std::string_view lower) {
  for (const auto& [header, member] : kIdentityHeaders) {
    if (lower == header)
      return true;
  }
  return false;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

}  // namespace

bool is_hop_by_hop(std::string_view lower) {
  for (auto h : kHopByHop) {
    if (h == lower)
      return true;
  }
  return false;
}

std::string proxy_target(const GatewayRequest& req, const RouteMatch& match,
                         const HttpBackend& backend) {
  std::string path = backend.path;
  if (match.route->route_key == "$default") {
    if (path.ends_with('/'))
      path.pop_back();
    path += req.raw_path;
  } else {
    for (const auto& [name, value] : match.path_parameters) {
      // Guess: the raw (still percent-encoded) segment goes into the URL, keeping it a URL.
      std::string variable = "{" + name;
      std::string greedy = variable;
      greedy += "+}";
      variable += '}';
      path = replace_all(replace_all(path, greedy, value), variable, value);
    }
  }
  std::string query = backend.query;
  if (!req.raw_query.empty()) {
    if (!query.empty())
      query += '&';
    query += req.raw_query;
  }
  return query.empty() ? path : path + "?" + query;
}

ProxyRequest build_proxy_request(const GatewayRequest& req, const RouteMatch& match,
                                 const HttpBackend& backend,
                                 const std::optional<json::object>& authorizer_context) {
  ProxyRequest out{backend.host, backend.port, {}};
  auto& m = out.message;
  m.version(11);
  m.method_string(req.method);
  m.target(proxy_target(req, match, backend));
  for (const auto& [name, value] : req.headers) {
    const std::string lower = core::to_lower(name);
    if (is_hop_by_hop(lower) || is_identity_header(lower))
      continue;  // a client-sent identity header never reaches the backend
    m.insert(name, value);
  }
  m.set(http::field::host, backend.host_header);
  // Guess: HTTP APIs tell the backend who called as a reverse proxy does (Forwarded, RFC 7239).
  m.set(http::field::forwarded, "for=" + req.source_ip + ";proto=https");
  if (authorizer_context) {
    for (const auto& [header, member] : kIdentityHeaders) {
      if (auto it = authorizer_context->find(member);
          it != authorizer_context->end() && it->value().is_string()) {
        m.set(header, std::string(it->value().as_string()));
      }
    }
  }
  m.body() = req.body;
  m.prepare_payload();
  if (req.body.empty() && (req.method == "GET" || req.method == "HEAD"))
    m.erase(http::field::content_length);
  return out;
}

}  // namespace agm::local
