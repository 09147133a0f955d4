#include "oauth/protocol.hpp"

#include "core/encoding.hpp"
#include "core/json.hpp"

namespace agm::oauth {

namespace json = boost::json;

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

std::string error_body(std::string_view error, std::string_view description) {
  json::object o;
  o["error"] = error;
  if (!description.empty())
    o["error_description"] = description;
  return json::serialize(o);
}

std::optional<std::string_view> strip_auth_scheme(std::string_view header_value,
                                                  std::string_view scheme) {
  const std::string_view v = core::trim(header_value);
  if (v.size() <= scheme.size() || !core::iequals(v.substr(0, scheme.size()), scheme) ||
      v[scheme.size()] != ' ')
    return std::nullopt;
  const std::string_view rest = core::trim(v.substr(scheme.size() + 1));
  if (rest.empty())
    return std::nullopt;
  return rest;
}

std::string client_credentials_form(const std::vector<std::string>& scopes,
                                    std::string_view cert_thumbprint) {
  std::string body = "grant_type=client_credentials";
  if (!scopes.empty())
    body += "&scope=" + core::percent_encode(join_scopes(scopes));
  if (!cert_thumbprint.empty()) {
    json::object metadata;
    metadata["cert_thumbprint"] = cert_thumbprint;
    body += "&aws_client_metadata=" + core::percent_encode(json::serialize(metadata));
  }
  return body;
}

std::string basic_authorization(std::string_view client_id, std::string_view client_secret) {
  return "Basic " + core::base64_encode(core::percent_encode(client_id) + ":" +
                                        core::percent_encode(client_secret));
}

}  // namespace agm::oauth
