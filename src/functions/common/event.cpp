#include "functions/common/event.hpp"

#include <vector>

#include "core/encoding.hpp"

namespace agm::functions {

namespace json = core::json;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i]))
      return false;
  }
  return true;
}

template <typename T>
Field<T> malformed() {
  Field<T> f;
  f.state = Field<T>::State::kMalformed;
  return f;
}

Field<std::string> present(std::string_view v) {
  Field<std::string> f;
  f.state = Field<std::string>::State::kPresent;
  f.value = std::string(v);
  return f;
}

}  // namespace

Field<std::string> header(const json::value& event, std::string_view name) {
  const json::value* headers = core::find(event, "headers");
  if (headers == nullptr || headers->is_null())
    return {};
  const auto* obj = headers->if_object();
  if (obj == nullptr)
    return malformed<std::string>();
  const json::value* found = nullptr;
  for (const auto& kv : *obj) {
    if (iequals(kv.key(), name)) {
      // Two spellings of one header: ambiguous, so refuse rather than pick one.
      if (found != nullptr)
        return malformed<std::string>();
      found = &kv.value();
    }
  }
  if (found == nullptr)
    return {};
  if (!found->is_string())
    return malformed<std::string>();
  return present(found->get_string());
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
    return malformed<std::string>();
  const json::value* pem = core::find(*cur, "clientCertPem");
  if (pem == nullptr || pem->is_null())
    return {};
  if (!pem->is_string())
    return malformed<std::string>();
  return present(pem->get_string());
}

Field<std::string> route_key(const json::value& event) {
  const json::value* v = core::find(event, "routeKey");
  if (v == nullptr || v->is_null())
    return {};
  if (!v->is_string())
    return malformed<std::string>();
  return present(v->get_string());
}

std::optional<std::string> body(const json::value& event) {
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

std::string request_id(const json::value& event) {
  if (auto id = core::get_string_path(event, {"requestContext", "requestId"}))
    return std::string(*id);
  return {};
}

json::object http_result(int status, std::string_view body_text, std::string_view content_type) {
  json::object headers;
  headers["content-type"] = content_type;
  // Token responses carry credentials (RFC 6749 section 5.1): never cached by anyone.
  headers["cache-control"] = "no-store";
  json::object result;
  result["statusCode"] = status;
  result["headers"] = std::move(headers);
  result["body"] = body_text;
  result["isBase64Encoded"] = false;
  return result;
}

std::string oauth_error_body(std::string_view error, std::string_view description) {
  json::object o;
  o["error"] = error;
  if (!description.empty())
    o["error_description"] = description;
  return json::serialize(o);
}

std::optional<std::string_view> strip_auth_scheme(std::string_view header_value,
                                                  std::string_view scheme) {
  const std::string_view v = core::trim(header_value);
  if (v.size() <= scheme.size() || !iequals(v.substr(0, scheme.size()), scheme) ||
      v[scheme.size()] != ' ')
    return std::nullopt;
  const std::string_view rest = core::trim(v.substr(scheme.size() + 1));
  if (rest.empty())
    return std::nullopt;
  return rest;
}

std::vector<std::string> split_scopes(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ')
      ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ')
      ++j;
    if (j > i)
      out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty())
      out += ' ';
    out += s;
  }
  return out;
}

}  // namespace agm::functions
