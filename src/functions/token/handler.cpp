#include "functions/token/handler.hpp"

#include <algorithm>
#include <exception>
#include <utility>
#include <variant>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "metrics/recorder.hpp"
#include "mtls/admission.hpp"
#include "mtls/certificate.hpp"
#include "oauth/protocol.hpp"

namespace agm::functions::token {

namespace json = core::json;

namespace {

constexpr std::size_t kMaxBodyBytes =
    std::size_t{8} * 1024;  // a client_credentials request is tiny

}  // namespace

// A result the handler returns, with the reason that goes to the log.
struct Handler::Outcome {
  HttpResponse response;
  std::variant<Reason, mtls::Reason> reason;
  std::string detail;
};

struct Handler::Caller {
  std::string client_id;
  std::string thumbprint;
};

namespace {

using Outcome = Handler::Outcome;

std::string_view reason_name(const std::variant<Reason, mtls::Reason>& reason) {
  return std::visit([](auto r) { return to_string(r); }, reason);
}

Outcome oauth_error(int status, std::string_view error, std::string_view description,
                    std::variant<Reason, mtls::Reason> reason, std::string detail = {}) {
  Outcome o{HttpResponse::json(status, oauth::error_body(error, description)), reason,
            std::move(detail)};
  o.response.set_header("pragma", "no-cache");
  if (status == 401)  // RFC 6749 section 5.2: invalid_client over Basic carries the challenge
    o.response.set_header("www-authenticate", "Basic");
  return o;
}

// An answer of ours without the OAuth error headers (503, 502, 500).
Outcome server_side(int status, std::string_view error, std::string_view description,
                    std::variant<Reason, mtls::Reason> reason, std::string detail) {
  return Outcome{HttpResponse::json(status, oauth::error_body(error, description)), reason,
                 std::move(detail)};
}

Outcome invalid_request(std::string_view description, std::string detail = {}) {
  return oauth_error(400, "invalid_request", description, Reason::kInvalidRequest,
                     std::move(detail));
}

Outcome invalid_client(Reason reason) {
  return oauth_error(401, "invalid_client", "client authentication failed", reason);
}

// RFC 8705 section 2: the certificate is part of client authentication, so a certificate that
// fails any check is RFC 6749's invalid_client (401 with the Basic challenge), which OAuth
// libraries report as such. One description for every certificate failure: the precise reason
// is only logged.
Outcome certificate_refused(mtls::Reason reason, std::string detail = {}) {
  return oauth_error(401, "invalid_client", "client certificate authentication failed", reason,
                     std::move(detail));
}

// RFC 6749 section 5.2: "The requested scope is invalid, unknown, malformed, or exceeds the scope
// granted by the resource owner."
Outcome invalid_scope(std::string scope) {
  return oauth_error(400, "invalid_scope", "a requested scope is not allowed for this certificate",
                     mtls::Reason::kScopeNotAllowed, std::move(scope));
}

// The form body: grant_type=client_credentials[&scope=...][&client_id=...] (RFC 6749 section
// 4.4.2). Unknown parameters are ignored (section 3.2) and not forwarded.
struct Form {
  std::optional<std::string> grant_type, scope, client_id;
};

std::variant<Form, Outcome> read_form(const HttpRequest& request) {
  if (!request.body)
    return invalid_request("malformed request body", "body_malformed");
  if (request.body->size() > kMaxBodyBytes)
    return invalid_request("request body too large", "body_too_large");
  const auto pairs = core::parse_form(*request.body);
  if (!pairs)
    return invalid_request("malformed request body", "body_malformed");
  Form form;
  for (const auto& [name, value] : *pairs) {
    std::optional<std::string>* slot = nullptr;
    if (name == "grant_type")
      slot = &form.grant_type;
    else if (name == "scope")
      slot = &form.scope;
    else if (name == "client_id")
      slot = &form.client_id;
    if (slot == nullptr)
      continue;
    if (slot->has_value())  // section 3.2: parameters MUST NOT be included more than once
      return invalid_request("repeated parameter " + name, "parameter_repeated");
    *slot = value;
  }
  if (!form.grant_type)
    return invalid_request("grant_type is required", "grant_type_missing");
  if (*form.grant_type != "client_credentials") {
    return oauth_error(400, "unsupported_grant_type", "only client_credentials is supported",
                       Reason::kUnsupportedGrantType);
  }
  return form;
}

// Client authentication: HTTP Basic (RFC 6749 section 2.3.1). The client id, or the refusal.
std::variant<std::string, Outcome> basic_client_id(const Field<std::string>& authorization) {
  if (authorization.malformed())
    return invalid_request("malformed request", "headers_malformed");
  if (!authorization.present())
    return invalid_client(Reason::kBasicMissing);
  const auto credentials_b64 = oauth::strip_auth_scheme(authorization.value, "Basic");
  if (!credentials_b64)
    return invalid_client(Reason::kBasicMissing);
  const auto credentials = core::base64_decode(*credentials_b64);
  const auto colon = credentials ? credentials->find(':') : std::string::npos;
  if (!credentials || colon == std::string::npos || colon == 0 || colon + 1 == credentials->size())
    return invalid_client(Reason::kBasicMalformed);
  // Section 2.3.1: the id is form-urlencoded before it goes into the Basic header.
  const auto user = core::percent_decode(credentials->substr(0, colon), true);
  if (!user || user->empty())
    return invalid_client(Reason::kBasicMalformed);
  return *user;
}

}  // namespace

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::kIssued:
      return "issued";
    case Reason::kInvalidRequest:
      return "invalid_request";
    case Reason::kUnsupportedGrantType:
      return "unsupported_grant_type";
    case Reason::kBasicMissing:
      return "basic_missing";
    case Reason::kBasicMalformed:
      return "basic_malformed";
    case Reason::kTokenEndpointUnreachable:
      return "token_endpoint_unreachable";
    case Reason::kTokenEndpointInvalidAnswer:
      return "token_endpoint_invalid_answer";
    case Reason::kTokenEndpointError:
      return "token_endpoint_error";
    case Reason::kInternalError:
      return "internal_error";
  }
  return "internal_error";
}

Config Config::from_env(const EnvLookup& env) {
  Config c;
  c.region = require_env(env, "AWS_REGION");
  c.cert_table_name = require_env(env, "CERT_TABLE_NAME");
  c.token_url = require_url(env, "COGNITO_TOKEN_URL");
  c.settings.cert_bound_tokens = env_bool(env, "CERT_BOUND_TOKENS", false);
  c.settings.token_cache = env_bool(env, "TOKEN_CACHE", true);
  return c;
}

Handler::Handler(Settings settings, mtls::RegistryReader& registry, TokenEndpoint& endpoint,
                 const core::Clock& clock, const core::Logger& logger)
    : settings_(settings),
      registry_(registry),
      endpoint_(endpoint),
      clock_(clock),
      logger_(logger) {
  if (settings_.token_cache)
    cache_.emplace();
}

HttpResponse Handler::handle(const HttpRequest& request) const {
  if (request.shape == EventShape::kNotJson)
    return HttpResponse::json(400, oauth::error_body("invalid_request", "malformed request"));
  Caller caller;
  try {
    Outcome outcome = respond(request, caller);
    log(outcome, caller, request);
    return std::move(outcome.response);
  } catch (const std::exception& e) {
    metrics::record_token_request(to_string(Reason::kInternalError));
    try {
      logger_.error("token request failed", {{"reason", "internal_error"}, {"detail", e.what()}});
    } catch (...) {  // NOLINT(bugprone-empty-catch): the response matters more than the log
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): fall through to the 500 below
  }
  return HttpResponse::json(500, oauth::error_body("server_error", "internal error"));
}

lambda::invocation_response Handler::fallback() {
  return lambda::invocation_response::success(
      R"({"statusCode":500,"headers":{"content-type":"application/json"},"body":"{\"error\":\"server_error\"}"})",
      "application/json");
}

void Handler::log(const Outcome& outcome, const Caller& caller, const HttpRequest& request) const {
  json::object fields;
  metrics::record_token_request(reason_name(outcome.reason));
  fields["reason"] = reason_name(outcome.reason);
  fields["status"] = outcome.response.status;
  if (!caller.client_id.empty())
    fields["client_id"] = caller.client_id;
  if (!caller.thumbprint.empty())
    fields["cert_thumbprint"] = caller.thumbprint;
  if (!request.request_id.empty())
    fields["request_id"] = request.request_id;
  if (!outcome.detail.empty())
    fields["detail"] = outcome.detail;
  if (outcome.reason == std::variant<Reason, mtls::Reason>(Reason::kIssued))
    logger_.info("token request", fields);
  else
    logger_.warn("token request refused", fields);
}

Handler::Outcome Handler::respond(const HttpRequest& request, Caller& caller) const {
  if (request.shape != EventShape::kOk)
    return invalid_request("malformed request", "event_malformed");
  auto form = read_form(request);
  if (auto* refused = std::get_if<Outcome>(&form))
    return std::move(*refused);
  const Form& params = std::get<Form>(form);

  const Field<std::string> authorization = request.headers.get("authorization");
  auto client_id = basic_client_id(authorization);
  if (auto* refused = std::get_if<Outcome>(&client_id))
    return std::move(*refused);
  caller.client_id = std::get<std::string>(client_id);
  if (params.client_id && *params.client_id != caller.client_id)
    return invalid_request("client_id does not match the authenticated client",
                           "client_id_param_mismatch");

  std::vector<std::string> scopes = oauth::split_scopes(params.scope.value_or(""));
  if (auto refused = admit(request, caller, scopes))
    return std::move(*refused);
  // Only now, with the certificate admitted by the registry on this very request.
  const oauth::TokenCacheKey key{caller.client_id, caller.thumbprint, scopes};
  if (cache_) {
    if (auto hit = cache_->find(key, authorization.value, clock_.now())) {
      Outcome o{HttpResponse::json(200, hit->body()), Reason::kIssued, "token_cache_hit"};
      o.response.set_header("pragma", "no-cache");
      return o;
    }
  }
  const core::TimePoint requested_at = clock_.now();
  Outcome o = forward(authorization.value, scopes,
                      settings_.cert_bound_tokens ? caller.thumbprint : std::string());
  if (cache_ && o.response.status == 200)
    cache_->store(key, authorization.value, o.response.body, requested_at);
  return o;
}

std::optional<Handler::Outcome> Handler::admit(const HttpRequest& request, Caller& caller,
                                               std::vector<std::string>& scopes) const {
  const auto& pem = request.client_cert_pem;
  if (pem.malformed())
    return invalid_request("malformed request", "event_malformed");
  if (!pem.present() || pem.value.empty())
    return certificate_refused(mtls::Reason::kCertMissing);
  mtls::ClientCertificate cert;
  try {
    cert = mtls::ClientCertificate::from_pem(pem.value);
  } catch (const core::Error& e) {
    return certificate_refused(mtls::Reason::kCertInvalid, e.code());
  }
  caller.thumbprint = cert.thumbprint;
  // No registry cache here: a revocation must stop issuance at once (the token cache is looked
  // at only after this check).
  mtls::Admission admission =
      mtls::admit_certificate(registry_, mtls::Presented::certificate(cert), clock_.now());
  if (admission.reason == mtls::Reason::kRegistryUnavailable) {
    return server_side(503, "temporarily_unavailable", {}, admission.reason,
                       std::move(admission.detail));
  }
  // The record restricts the certificate's scopes and the client named none: Cognito would grant
  // every scope of the app client, so ask for exactly the record's scopes instead.
  if (admission.admitted() && scopes.empty() && admission.record->scopes)
    scopes = *admission.record->scopes;
  mtls::admit_client(admission, caller.client_id, scopes);
  if (admission.reason == mtls::Reason::kScopeNotAllowed)
    return invalid_scope(std::move(admission.detail));
  if (!admission.admitted())
    return certificate_refused(admission.reason, std::move(admission.detail));
  return std::nullopt;
}

Handler::Outcome Handler::forward(const std::string& authorization,
                                  const std::vector<std::string>& scopes,
                                  const std::string& thumbprint) const {
  oauth::TokenEndpointResponse answer;
  try {
    answer = endpoint_.request(authorization, oauth::client_credentials_form(scopes, thumbprint));
  } catch (const std::exception& e) {
    return server_side(502, "server_error", "token endpoint unreachable",
                       Reason::kTokenEndpointUnreachable, e.what());
  }
  // Cognito answers JSON, success or error; anything else (an HTML error page, a truncated body)
  // is not passed on as if it were a token response.
  const std::string status = "status " + std::to_string(answer.status);
  if (!core::parse_json(answer.body) || answer.status < 200 || answer.status > 599) {
    return server_side(502, "server_error", "invalid answer from token endpoint",
                       Reason::kTokenEndpointInvalidAnswer, status);
  }
  const bool issued = answer.status == 200;
  Outcome o{
      HttpResponse::json(static_cast<int>(answer.status), std::move(answer.body),
                         answer.content_type.empty() ? "application/json" : answer.content_type),
      issued ? Reason::kIssued : Reason::kTokenEndpointError, issued ? std::string() : status};
  o.response.set_header("pragma", "no-cache");
  return o;
}

}  // namespace agm::functions::token
