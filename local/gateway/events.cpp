#include "local/gateway/events.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <stdexcept>

#include "core/encoding.hpp"
#include "core/openssl.hpp"
#include "mtls/certificate.hpp"

namespace agm::local {

namespace json = boost::json;

namespace {

// gmtime_r on a 64-bit time_t covers every representable year; the seconds never pass through a
// nanosecond clock (which wraps past 2262).
std::string format_utc(std::int64_t epoch_seconds, const char* fmt) {
  const auto tt = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos)
      break;
    start = pos + 1;
  }
  return out;
}

// Payload 2.0 passes a body as text only for text content types; anything else is base64.
// Guess from observed HTTP API behaviour: application/x-www-form-urlencoded bodies arrive
// base64-encoded (the token function decodes them), as does a body without a content type.
bool is_text_content_type(std::string_view content_type) {
  std::string ct = core::to_lower(core::trim(content_type.substr(0, content_type.find(';'))));
  if (ct.starts_with("text/"))
    return true;
  if (ct == "application/json" || ct == "application/xml" || ct == "application/javascript") {
    return true;
  }
  return ct.ends_with("+json") || ct.ends_with("+xml");
}

// Segment match of a route path template against a request path.
bool match_path(std::string_view tmpl, std::string_view path,
                std::map<std::string, std::string>& params) {
  auto t = split(tmpl, '/');
  auto p = split(path, '/');
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::string_view seg = t[i];
    bool is_param = seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
    if (is_param && seg.ends_with("+}")) {
      if (i != t.size() - 1 || i >= p.size())
        return false;
      std::string rest;
      for (std::size_t j = i; j < p.size(); ++j) {
        if (j > i)
          rest += '/';
        rest += p[j];
      }
      if (rest.empty())
        return false;
      params[std::string(seg.substr(1, seg.size() - 3))] = rest;
      return true;
    }
    if (i >= p.size())
      return false;
    if (is_param) {
      if (p[i].empty())
        return false;
      params[std::string(seg.substr(1, seg.size() - 2))] = std::string(p[i]);
    } else if (seg != p[i]) {
      return false;
    }
  }
  return t.size() == p.size();
}

json::object query_parameters(std::string_view raw_query) {
  std::map<std::string, std::string> qs;
  for (auto part : split(raw_query, '&')) {
    if (part.empty())
      continue;
    auto eq = part.find('=');
    auto k = part.substr(0, eq);
    auto v = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    // Guess: values are percent-decoded ('+' kept); a bad escape passes through as sent.
    std::string key = core::percent_decode(k, false).value_or(std::string(k));
    std::string val = core::percent_decode(v, false).value_or(std::string(v));
    auto [it, inserted] = qs.try_emplace(key, val);
    if (!inserted)
      it->second += "," + val;
  }
  json::object q;
  for (const auto& [k, v] : qs)
    q[k] = v;
  return q;
}

json::object client_cert_context(const ClientCertInfo& c) {
  return json::object{
      {"clientCert", json::object{{"clientCertPem", c.pem},
                                  {"subjectDN", c.subject_dn},
                                  {"issuerDN", c.issuer_dn},
                                  {"serialNumber", c.serial_number},
                                  {"validity", json::object{{"notBefore", c.not_before},
                                                            {"notAfter", c.not_after}}}}}};
}

json::object request_context(const GatewayRequest& req, const ApiInfo& api,
                             const std::string& route_key) {
  json::object rc;
  rc["accountId"] = api.account_id;
  rc["apiId"] = api.api_id;
  if (req.client_cert)
    rc["authentication"] = client_cert_context(*req.client_cert);
  rc["domainName"] = api.domain_name;
  rc["domainPrefix"] = api.domain_name.substr(0, api.domain_name.find('.'));
  auto ua = req.header_map.find("user-agent");
  rc["http"] = json::object{{"method", req.method},
                            {"path", req.raw_path},
                            {"protocol", req.protocol},
                            {"sourceIp", req.source_ip},
                            {"userAgent", ua == req.header_map.end() ? "" : ua->second}};
  rc["requestId"] = req.request_id;
  rc["routeKey"] = route_key;
  rc["stage"] = api.stage;
  rc["time"] =
      format_utc(std::chrono::floor<std::chrono::seconds>(req.time.time_since_epoch()).count(),
                 "%d/%b/%Y:%H:%M:%S +0000");
  rc["timeEpoch"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(req.time.time_since_epoch()).count();
  return rc;
}

json::object common_event(const GatewayRequest& req, const ApiInfo& api, const RouteMatch& match) {
  const std::string& route_key = match.route->route_key;
  json::object ev;
  ev["version"] = "2.0";
  ev["routeKey"] = route_key;
  ev["rawPath"] = req.raw_path;
  ev["rawQueryString"] = req.raw_query;
  if (!req.cookies.empty()) {
    json::array cookies;
    for (const auto& c : req.cookies)
      cookies.emplace_back(c);
    ev["cookies"] = std::move(cookies);
  }
  json::object hdrs;
  for (const auto& [k, v] : req.header_map)
    hdrs[k] = v;
  ev["headers"] = std::move(hdrs);
  if (!req.raw_query.empty()) {
    json::object q = query_parameters(req.raw_query);
    if (!q.empty())
      ev["queryStringParameters"] = std::move(q);
  }
  if (!match.path_parameters.empty()) {
    json::object pp;
    for (const auto& [k, v] : match.path_parameters)
      pp[k] = v;
    ev["pathParameters"] = std::move(pp);
  }
  ev["requestContext"] = request_context(req, api, route_key);
  return ev;
}

}  // namespace

std::string format_cert_time(core::TimePoint t) {
  return format_utc(core::to_epoch_seconds(t), "%b %e %H:%M:%S %Y GMT");
}

std::string api_gateway_dn(const X509_NAME* name) {
  // XN_FLAG_RFC2253 without XN_FLAG_DN_REV: the relative names in the certificate's own order
  // (C=US,ST=Washington,...,CN=My Client), comma-separated without spaces, as API Gateway's
  // captured payload 2.0 events show them; RFC 4514 escaping of the values (a guess: no captured
  // event shows a value that needs escaping); UTF-8 kept as it is.
  const unsigned long flags =
      XN_FLAG_RFC2253 & ~static_cast<unsigned long>(XN_FLAG_DN_REV | ASN1_STRFLGS_ESC_MSB);
  const core::openssl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, flags) < 0)
    throw std::runtime_error("certificate name cannot be formatted");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string api_gateway_serial(const ASN1_INTEGER* serial) {
  // Decimal, as observed from API Gateway ("serialNumber": "1" for a certificate with serial 1 in
  // the events a public project captured from a real deployment); AWS's documentation shows
  // colon-separated hex instead. docs/local-stack.md names the guess.
  const core::openssl::BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  char* text = bn ? BN_bn2dec(bn.get()) : nullptr;
  if (text == nullptr)
    throw std::runtime_error("certificate serial cannot be formatted");
  std::string out(text);
  OPENSSL_free(text);
  return out;
}

namespace {

ClientCertInfo info_of(const mtls::ClientCertificate& cert, const X509* x509) {
  ClientCertInfo info;
  info.pem = cert.pem;
  info.subject_dn = api_gateway_dn(X509_get_subject_name(x509));
  info.issuer_dn = api_gateway_dn(X509_get_issuer_name(x509));
  info.serial_number = api_gateway_serial(X509_get0_serialNumber(x509));
  info.not_before = format_cert_time(cert.not_before);
  info.not_after = format_cert_time(cert.not_after);
  return info;
}

}  // namespace

std::optional<ClientCertInfo> client_cert_info(const std::string& pem) {
  try {
    const auto cert = mtls::ClientCertificate::from_pem(pem);  // the strict checks
    const auto* der = reinterpret_cast<const unsigned char*>(cert.der.data());
    const core::openssl::X509Ptr x509(d2i_X509(nullptr, &der, static_cast<long>(cert.der.size())));
    if (!x509)
      return std::nullopt;
    return info_of(cert, x509.get());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<ClientCertInfo> client_cert_info(const X509* peer) {
  try {
    return info_of(mtls::ClientCertificate::from_x509(peer), peer);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

GatewayRequest parse_request(std::string method, std::string target,
                             std::vector<std::pair<std::string, std::string>> headers,
                             std::string body) {
  GatewayRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  const auto q = req.target.find('?');
  req.raw_path = req.target.substr(0, q);
  req.raw_query = q == std::string::npos ? std::string() : req.target.substr(q + 1);
  for (const auto& [name, value] : headers) {
    std::string lower = core::to_lower(name);
    if (lower == "cookie") {
      for (auto c : split(value, ';')) {
        auto t = core::trim(c);
        if (!t.empty())
          req.cookies.emplace_back(t);
      }
      continue;
    }
    auto [it, inserted] = req.header_map.try_emplace(lower, value);
    if (!inserted)
      it->second += "," + value;  // repeated headers joined by commas
  }
  req.headers = std::move(headers);
  req.body = std::move(body);
  return req;
}

std::optional<RouteMatch> match_route(const std::vector<RouteConfig>& routes,
                                      const std::string& method, const std::string& raw_path) {
  // Most specific first, as API Gateway: exact path and method, then path parameters, then ANY,
  // then $default.
  for (int pass = 0; pass < 4; ++pass) {
    for (const auto& r : routes) {
      if (r.route_key == "$default")
        continue;
      bool method_ok = pass < 2 ? r.method == method : r.method == "ANY";
      if (!method_ok)
        continue;
      bool templated = r.path.find('{') != std::string::npos;
      if ((pass % 2 == 0) == templated)
        continue;
      RouteMatch m;
      m.route = &r;
      if (!templated ? r.path == raw_path : match_path(r.path, raw_path, m.path_parameters)) {
        return m;
      }
    }
  }
  for (const auto& r : routes) {
    if (r.route_key == "$default")
      return RouteMatch{&r, {}};
  }
  return std::nullopt;
}

json::object build_integration_event(const GatewayRequest& req, const ApiInfo& api,
                                     const RouteMatch& match,
                                     const std::optional<json::object>& authorizer_context) {
  json::object ev = common_event(req, api, match);
  if (authorizer_context) {
    ev["requestContext"].as_object()["authorizer"] = json::object{{"lambda", *authorizer_context}};
  }
  if (!req.body.empty()) {
    auto ct = req.header_map.find("content-type");
    bool text = ct != req.header_map.end() && is_text_content_type(ct->second);
    ev["body"] = text ? req.body : core::base64_encode(req.body);
    ev["isBase64Encoded"] = !text;
  } else {
    ev["isBase64Encoded"] = false;
  }
  return ev;
}

std::optional<std::vector<std::string>> identity_source_values(const AuthorizerConfig& auth,
                                                               const GatewayRequest& req) {
  std::vector<std::string> values;
  for (const auto& source : auth.identity_sources) {
    std::optional<std::string> v;
    if (source.starts_with("$request.header.")) {
      // Empty occurrences are skipped: repeated empty headers would otherwise join to "," and
      // count as present (found by tests/fuzz/gateway). An identity source made only of empty
      // values is missing: 401 without invoking the authorizer.
      const std::string name =
          core::to_lower(source.substr(std::string("$request.header.").size()));
      for (const auto& [k, hv] : req.headers) {
        if (core::to_lower(k) != name || core::trim(hv).empty()) {
          continue;
        }
        v = v ? *v + "," + hv : hv;
      }
    } else if (source.starts_with("$request.querystring.")) {
      std::string name = source.substr(std::string("$request.querystring.").size());
      for (auto part : split(req.raw_query, '&')) {
        auto eq = part.find('=');
        if (part.substr(0, eq) != name || eq == std::string_view::npos)
          continue;
        auto val = core::percent_decode(part.substr(eq + 1), false);
        if (val && !core::trim(*val).empty()) {
          v = v ? *v + "," + *val : *val;
        }
      }
    }
    // "If a specified identity source is missing, null, or empty, API Gateway returns a 401
    // Unauthorized error without calling the authorizer Lambda function."
    if (!v || core::trim(*v).empty())
      return std::nullopt;
    values.push_back(*v);
  }
  return values;
}

std::string route_arn(const ApiInfo& api, const std::string& method, const std::string& raw_path) {
  return "arn:aws:execute-api:" + api.region + ":" + api.account_id + ":" + api.api_id + "/" +
         api.stage + "/" + method + raw_path;
}

json::object build_authorizer_event(const GatewayRequest& req, const ApiInfo& api,
                                    const RouteMatch& match,
                                    const std::vector<std::string>& identity_source) {
  json::object ev = common_event(req, api, match);
  ev["type"] = "REQUEST";
  ev["routeArn"] = route_arn(api, req.method, req.raw_path);
  json::array ids;
  for (const auto& v : identity_source)
    ids.emplace_back(v);
  ev["identitySource"] = std::move(ids);
  return ev;
}

std::optional<AuthorizerDecision> parse_simple_response(std::string_view payload) {
  auto v = core::parse_json(payload);
  if (!v || !v->is_object())
    return std::nullopt;
  auto authorized = core::get_bool(*v, "isAuthorized");
  if (!authorized)
    return std::nullopt;
  AuthorizerDecision d;
  d.authorized = *authorized;
  if (const auto* ctx = core::find(*v, "context")) {
    if (ctx->is_object()) {
      d.context = ctx->as_object();
    } else if (!ctx->is_null()) {
      return std::nullopt;
    }
  }
  return d;
}

std::optional<MappedResponse> map_integration_response(std::string_view payload) {
  auto v = core::parse_json(payload);
  // Guess: a payload that is not JSON cannot be interpreted (AWS documents only the JSON cases).
  if (!v)
    return std::nullopt;
  MappedResponse out;
  if (!v->is_object() || !v->as_object().contains("statusCode")) {
    // "If your function returns valid JSON and doesn't return a statusCode, API Gateway assumes"
    // 200, content-type application/json, and the response as the body.
    out.status = 200;
    out.headers.emplace_back("content-type", "application/json");
    out.body = std::string(payload);
    return out;
  }
  const auto& o = v->as_object();
  auto status = core::get_int(*v, "statusCode");
  if (!status || *status < 100 || *status > 599)
    return std::nullopt;
  out.status = static_cast<int>(*status);
  auto value_text = [](const json::value& x) -> std::string {
    return x.is_string() ? std::string(x.as_string()) : json::serialize(x);
  };
  if (const auto* h = core::find(*v, "headers"); h && !h->is_null()) {
    if (!h->is_object())
      return std::nullopt;
    for (const auto& [k, val] : h->as_object()) {
      out.headers.emplace_back(std::string(k), value_text(val));
    }
  }
  // multiValueHeaders belongs to payload 1.0; 2.0 documents only headers (joined by commas), so
  // it is ignored here as we understand API Gateway does.
  if (const auto* c = core::find(*v, "cookies"); c && !c->is_null()) {
    if (!c->is_array())
      return std::nullopt;
    for (const auto& cookie : c->as_array()) {
      if (!cookie.is_string())
        return std::nullopt;
      out.headers.emplace_back("set-cookie", std::string(cookie.as_string()));
    }
  }
  std::string body;
  if (auto it = o.find("body"); it != o.end() && !it->value().is_null()) {
    body = value_text(it->value());
  }
  if (core::get_bool(*v, "isBase64Encoded").value_or(false)) {
    auto decoded = core::base64_decode(body);
    if (!decoded)
      return std::nullopt;
    body = std::move(*decoded);
  }
  out.body = std::move(body);
  return out;
}

std::string message_body(std::string_view message) {
  return json::serialize(json::object{{"message", message}});
}

}  // namespace agm::local
