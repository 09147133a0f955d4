#include "functions/token/handler.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "functions/common/event.hpp"
#include "mtls/certificate.hpp"

namespace agm::functions::token {

namespace json = core::json;

namespace {

constexpr std::size_t kMaxBodyBytes =
    std::size_t{8} * 1024;  // a client_credentials request is tiny

// A result the handler returns, with the reason that goes to the log.
struct Outcome {
  json::object result;
  std::string reason;
  std::string detail;
};

Outcome oauth_error(int status, std::string_view error, std::string_view description,
                    std::string reason, std::string detail = {}) {
  Outcome o{http_result(status, oauth_error_body(error, description)), std::move(reason),
            std::move(detail)};
  auto& headers = o.result["headers"].as_object();
  headers["pragma"] = "no-cache";
  if (status == 401)  // RFC 6749 section 5.2: invalid_client over Basic carries the challenge
    headers["www-authenticate"] = "Basic";
  return o;
}

Outcome invalid_request(std::string_view description, std::string detail = {}) {
  return oauth_error(400, "invalid_request", description, "invalid_request", std::move(detail));
}

Outcome invalid_client(std::string reason) {
  return oauth_error(401, "invalid_client", "client authentication failed", std::move(reason));
}

// RFC 8705 section 2: the certificate is part of client authentication, so a certificate that
// fails any check is RFC 6749's invalid_client (401 with the Basic challenge), which OAuth
// libraries report as such. One description for every certificate failure: the precise reason
// is only logged.
Outcome certificate_refused(std::string reason, std::string detail = {}) {
  return oauth_error(401, "invalid_client", "client certificate authentication failed",
                     std::move(reason), std::move(detail));
}

// RFC 6749 section 5.2: "The requested scope is invalid, unknown, malformed, or exceeds the scope
// granted by the resource owner."
Outcome invalid_scope(std::string scope) {
  return oauth_error(400, "invalid_scope", "a requested scope is not allowed for this certificate",
                     "scope_not_allowed", std::move(scope));
}

}  // namespace

Config Config::from_env(const EnvLookup& env) {
  Config c;
  c.region = require_env(env, "AWS_REGION");
  c.cert_table_name = require_env(env, "CERT_TABLE_NAME");
  c.token_url = require_url(env, "COGNITO_TOKEN_URL");
  c.settings.cert_bound_tokens = env_bool(env, "CERT_BOUND_TOKENS", false);
  return c;
}

std::string cognito_form_body(const std::vector<std::string>& scopes,
                              const std::string& thumbprint) {
  std::string body = "grant_type=client_credentials";
  if (!scopes.empty())
    body += "&scope=" + core::percent_encode(join_scopes(scopes));
  if (!thumbprint.empty()) {
    json::object metadata;
    metadata["cert_thumbprint"] = thumbprint;
    body += "&aws_client_metadata=" + core::percent_encode(json::serialize(metadata));
  }
  return body;
}

Handler::Handler(Settings settings, mtls::RegistryReader& registry, TokenEndpoint& endpoint,
                 const core::Clock& clock, const core::Logger& logger)
    : settings_(settings),
      registry_(registry),
      endpoint_(endpoint),
      clock_(clock),
      logger_(logger) {}

json::object Handler::respond(const json::value& event) const {
  try {
    return respond_unchecked(event);
  } catch (const std::exception& e) {
    try {
      logger_.error("token request failed", {{"reason", "internal_error"}, {"detail", e.what()}});
    } catch (...) {  // NOLINT(bugprone-empty-catch): the response matters more than the log
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): fall through to the 500 below
  }
  return http_result(500, oauth_error_body("server_error", "internal error"));
}

json::object Handler::respond_unchecked(const json::value& event) const {
  std::string client_id;
  std::string thumbprint;
  const auto finish = [&](Outcome o) {
    json::object fields;
    fields["reason"] = o.reason;
    fields["status"] = o.result["statusCode"];
    if (!client_id.empty())
      fields["client_id"] = client_id;
    if (!thumbprint.empty())
      fields["cert_thumbprint"] = thumbprint;
    if (auto id = request_id(event); !id.empty())
      fields["request_id"] = id;
    if (!o.detail.empty())
      fields["detail"] = o.detail;
    if (o.reason == "issued")
      logger_.info("token request", fields);
    else
      logger_.warn("token request refused", fields);
    return std::move(o.result);
  };

  if (!event.is_object() || core::find(event, "requestContext") == nullptr ||
      !core::find(event, "requestContext")->is_object())
    return finish(invalid_request("malformed request", "event_malformed"));

  // The form body: grant_type=client_credentials[&scope=...] (RFC 6749 section 4.4.2).
  const auto raw_body = body(event);
  if (!raw_body)
    return finish(invalid_request("malformed request body", "body_malformed"));
  if (raw_body->size() > kMaxBodyBytes)
    return finish(invalid_request("request body too large", "body_too_large"));
  const auto form = core::parse_form(*raw_body);
  if (!form)
    return finish(invalid_request("malformed request body", "body_malformed"));
  std::optional<std::string> grant_type;
  std::optional<std::string> scope_param;
  std::optional<std::string> client_id_param;
  for (const auto& [name, value] : *form) {
    std::optional<std::string>* slot = nullptr;
    if (name == "grant_type")
      slot = &grant_type;
    else if (name == "scope")
      slot = &scope_param;
    else if (name == "client_id")
      slot = &client_id_param;
    if (slot == nullptr)
      continue;  // unknown parameters are ignored (RFC 6749 section 3.2) and not forwarded
    if (slot->has_value())  // section 3.2: parameters MUST NOT be included more than once
      return finish(invalid_request("repeated parameter " + name, "parameter_repeated"));
    *slot = value;
  }
  if (!grant_type)
    return finish(invalid_request("grant_type is required", "grant_type_missing"));
  if (*grant_type != "client_credentials") {
    return finish(oauth_error(400, "unsupported_grant_type", "only client_credentials is supported",
                              "unsupported_grant_type"));
  }

  // Client authentication: HTTP Basic (RFC 6749 section 2.3.1).
  const auto auth = header(event, "authorization");
  if (auth.malformed())
    return finish(invalid_request("malformed request", "headers_malformed"));
  if (!auth.present())
    return finish(invalid_client("basic_missing"));
  const auto credentials_b64 = strip_auth_scheme(auth.value, "Basic");
  if (!credentials_b64)
    return finish(invalid_client("basic_missing"));
  const auto credentials = core::base64_decode(*credentials_b64);
  const auto colon = credentials ? credentials->find(':') : std::string::npos;
  if (!credentials || colon == std::string::npos || colon == 0 || colon + 1 == credentials->size())
    return finish(invalid_client("basic_malformed"));
  // Section 2.3.1: the id is form-urlencoded before it goes into the Basic header.
  const auto basic_user = core::percent_decode(credentials->substr(0, colon), true);
  if (!basic_user || basic_user->empty())
    return finish(invalid_client("basic_malformed"));
  client_id = *basic_user;
  if (client_id_param && *client_id_param != client_id)
    return finish(invalid_request("client_id does not match the authenticated client",
                                  "client_id_param_mismatch"));

  // The certificate: present, registered, ACTIVE, inside its own and the record's validity,
  // registered to the authenticating client, allowed the requested scopes.
  const auto pem = client_cert_pem(event);
  if (pem.malformed())
    return finish(invalid_request("malformed request", "event_malformed"));
  if (!pem.present() || pem.value.empty())
    return finish(certificate_refused("cert_missing"));
  mtls::ClientCertificate cert;
  try {
    cert = mtls::ClientCertificate::from_pem(pem.value);
  } catch (const core::Error& e) {
    return finish(certificate_refused("cert_invalid", e.code()));
  }
  thumbprint = cert.thumbprint;
  std::optional<mtls::RegistryRecord> record;
  try {
    // No cache here: issuance is rare, and a revocation must stop issuance at once.
    record = registry_.find(cert.thumbprint);
  } catch (const core::Error& e) {
    if (e.code() == "record_malformed")
      return finish(certificate_refused("record_malformed", e.what()));
    return finish(Outcome{http_result(503, oauth_error_body("temporarily_unavailable")),
                          "registry_unavailable", e.what()});
  }
  if (!record)
    return finish(certificate_refused("cert_not_registered"));
  if (record->thumbprint != cert.thumbprint)
    return finish(certificate_refused("registry_mismatch"));
  if (record->status == mtls::CertStatus::kRevoked)
    return finish(certificate_refused("cert_revoked"));
  if (record->status != mtls::CertStatus::kActive)
    return finish(certificate_refused("cert_suspended"));
  const core::TimePoint now = clock_.now();
  if (now < cert.not_before)
    return finish(certificate_refused("cert_not_yet_valid"));
  if (now > cert.not_after)
    return finish(certificate_refused("cert_expired"));
  if (now < record->not_before)
    return finish(certificate_refused("record_not_yet_valid"));
  if (now > record->not_after)
    return finish(certificate_refused("record_expired"));
  if (record->client_id != client_id)
    return finish(certificate_refused("client_mismatch", "registered to " + record->client_id));

  std::vector<std::string> scopes = split_scopes(scope_param.value_or(""));
  if (record->scopes) {
    if (scopes.empty()) {
      // The record restricts the certificate's scopes and the client named none: Cognito would
      // grant every scope of the app client, so ask for exactly the record's scopes instead.
      scopes = *record->scopes;
    }
    for (const auto& s : scopes) {
      if (!record->allows_scope(s))
        return finish(invalid_scope(s));
    }
  }

  const std::string form_body =
      cognito_form_body(scopes, settings_.cert_bound_tokens ? cert.thumbprint : std::string());
  oauth::TokenEndpointResponse answer;
  try {
    answer = endpoint_.request(auth.value, form_body);
  } catch (const std::exception& e) {
    return finish(
        Outcome{http_result(502, oauth_error_body("server_error", "token endpoint unreachable")),
                "token_endpoint_unreachable", e.what()});
  }
  // Cognito answers JSON, success or error; anything else (an HTML error page, a truncated body)
  // is not passed on as if it were a token response.
  if (!core::parse_json(answer.body) || answer.status < 200 || answer.status > 599) {
    return finish(Outcome{
        http_result(502, oauth_error_body("server_error", "invalid answer from token endpoint")),
        "token_endpoint_invalid_answer", "status " + std::to_string(answer.status)});
  }
  Outcome o{http_result(static_cast<int>(answer.status), answer.body,
                        answer.content_type.empty() ? "application/json" : answer.content_type),
            answer.status == 200 ? "issued" : "token_endpoint_error",
            answer.status == 200 ? std::string() : "status " + std::to_string(answer.status)};
  o.result["headers"].as_object()["pragma"] = "no-cache";
  return finish(std::move(o));
}

std::string Handler::handle(std::string_view payload) const {
  try {
    const auto event = core::parse_json(payload);
    if (!event) {
      return json::serialize(
          http_result(400, oauth_error_body("invalid_request", "malformed request")));
    }
    return json::serialize(respond(*event));
  } catch (...) {
    return R"({"statusCode":500,"headers":{"content-type":"application/json"},"body":"{\"error\":\"server_error\"}"})";
  }
}

}  // namespace agm::functions::token
