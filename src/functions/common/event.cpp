#include "functions/common/event.hpp"

#include "core/encoding.hpp"
#include "core/json_arena.hpp"

namespace agm::functions {

namespace json = core::json;

namespace {

template <typename T>
Field<T> malformed() {
  return Field<T>::malformed_field();
}

Field<std::string> string_field(const json::value* v) {
  if (v == nullptr || v->is_null())
    return {};
  if (!v->is_string())
    return Field<std::string>::malformed_field();
  return Field<std::string>::present_as(std::string(v->get_string()));
}

Headers parse_headers(const json::value& event) {
  Headers h;
  const json::value* headers = core::find(event, "headers");
  if (headers == nullptr || headers->is_null())
    return h;
  const auto* obj = headers->if_object();
  if (obj == nullptr) {
    h.malformed = true;
    return h;
  }
  for (const auto& kv : *obj) {
    auto [it, inserted] = h.by_name.try_emplace(core::to_lower(kv.key()));
    // Two spellings of one header: ambiguous, so refuse rather than pick one.
    it->second = inserted ? string_field(&kv.value()) : malformed<std::string>();
    if (inserted && !it->second.present())
      it->second = malformed<std::string>();
  }
  return h;
}

Field<std::string> client_cert_pem(const json::value& event) {
  const json::value* cur = &event;
  for (const std::string_view key : {"requestContext", "authentication", "clientCert"}) {
    if (!cur->is_object())
      return malformed<std::string>();
    cur = core::find(*cur, key);
    if (cur == nullptr || cur->is_null())
      return {};
  }
  if (!cur->is_object())
    return Field<std::string>::malformed_field();
  return string_field(core::find(*cur, "clientCertPem"));
}

std::optional<std::string> decoded_body(const json::value& event) {
  const json::value* b = core::find(event, "body");
  if (b == nullptr || b->is_null())
    return std::string();
  if (!b->is_string())
    return std::nullopt;
  bool encoded = false;
  if (const json::value* e = core::find(event, "isBase64Encoded"); e != nullptr && !e->is_null()) {
    if (!e->is_bool())
      return std::nullopt;
    encoded = e->get_bool();
  }
  if (!encoded)
    return std::string(b->get_string());
  return core::base64_decode(b->get_string());
}

std::optional<std::string> string_at(const json::value& event,
                                     std::initializer_list<std::string_view> path) {
  if (auto v = core::get_string_path(event, path))
    return std::string(*v);
  return std::nullopt;
}

void parse_common(const json::value& event, RequestEvent& out) {
  if (!event.is_object()) {
    out.shape = EventShape::kNotObject;
    return;
  }
  const json::value* rc = core::find(event, "requestContext");
  out.shape = rc != nullptr && rc->is_object() ? EventShape::kOk : EventShape::kNoRequestContext;
  out.route_key = string_field(core::find(event, "routeKey"));
  out.request_id = string_at(event, {"requestContext", "requestId"}).value_or("");
  out.headers = parse_headers(event);
  out.client_cert_pem = client_cert_pem(event);
}

template <typename Event>
Event parse_payload(std::string_view payload) {
  // Read into the typed request's own strings and dropped; an event is a few KB.
  core::JsonArena<8192> arena;
  const auto event = core::parse_json(payload, core::kJsonMaxDepth, arena.storage());
  if (!event) {
    Event out;
    out.shape = EventShape::kNotJson;
    return out;
  }
  return Event::from_json(*event);
}

}  // namespace

Field<std::string> Headers::get(std::string_view lower_name) const {
  if (malformed)
    return Field<std::string>::malformed_field();
  const auto it = by_name.find(lower_name);
  return it == by_name.end() ? Field<std::string>{} : it->second;
}

HttpRequest HttpRequest::from_json(const json::value& event) {
  HttpRequest r;
  parse_common(event, r);
  if (r.shape == EventShape::kNotObject)
    return r;
  r.body = decoded_body(event);
  r.authorizer_client_id =
      string_at(event, {"requestContext", "authorizer", "lambda", "client_id"});
  r.authorizer_cert_thumbprint =
      string_at(event, {"requestContext", "authorizer", "lambda", "cert_thumbprint"});
  return r;
}

HttpRequest HttpRequest::parse(std::string_view payload, std::string_view /*invocation_id*/) {
  return parse_payload<HttpRequest>(payload);
}

AuthorizerRequest AuthorizerRequest::from_json(const json::value& event) {
  AuthorizerRequest r;
  parse_common(event, r);
  return r;
}

AuthorizerRequest AuthorizerRequest::parse(std::string_view payload,
                                           std::string_view /*invocation_id*/) {
  return parse_payload<AuthorizerRequest>(payload);
}

HttpResponse HttpResponse::json(int status, std::string body_text, std::string_view content_type) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"content-type", std::string(content_type)}, {"cache-control", "no-store"}};
  r.body = std::move(body_text);
  return r;
}

void HttpResponse::set_header(std::string_view lower_name, std::string value) {
  for (auto& [name, v] : headers) {
    if (name == lower_name) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::string(lower_name), std::move(value));
}

json::object HttpResponse::to_json() const {
  json::object h;
  for (const auto& [name, value] : headers)
    h[name] = value;
  json::object result;
  result["statusCode"] = status;
  result["headers"] = std::move(h);
  result["body"] = body;
  result["isBase64Encoded"] = false;
  return result;
}

std::string HttpResponse::serialize() const {
  return json::serialize(to_json());
}

lambda::invocation_response HttpResponse::to_invocation() const {
  return lambda::invocation_response::success(serialize(), "application/json");
}

lambda::invocation_response AuthorizerResponse::to_invocation() const {
  return lambda::invocation_response::success(serialize(), "application/json");
}

std::string AuthorizerResponse::serialize() const {
  json::object response;
  response["isAuthorized"] = authorized;
  if (!context.empty())
    response["context"] = context;
  return json::serialize(response);
}

}  // namespace agm::functions
