#include "functions/authorizer/handler.hpp"

#include <exception>
#include <utility>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "functions/common/event.hpp"
#include "mtls/certificate.hpp"

namespace agm::functions::authorizer {

namespace json = core::json;

namespace {

bool valid_route_key(std::string_view key) {
  if (key == "$default")
    return true;
  const auto space = key.find(' ');
  if (space == std::string_view::npos || space == 0 || space + 1 >= key.size() ||
      key[space + 1] != '/')
    return false;
  for (std::size_t i = 0; i < space; ++i) {
    const char c = key[i];
    if (!((c >= 'A' && c <= 'Z') || c == '*' || c == '_'))  // "ANY" and methods are upper case
      return false;
  }
  return key.find(' ', space + 1) == std::string_view::npos;
}

Decision deny(std::string reason, std::string detail = {}) {
  Decision d;
  d.allowed = false;
  d.reason = std::move(reason);
  d.detail = std::move(detail);
  return d;
}

std::string token_reason(oauth::TokenError error) {
  if (error == oauth::TokenError::kJwksUnavailable)
    return "jwks_unavailable";
  const std::string_view name = oauth::to_string(error);
  if (name.rfind("token_", 0) == 0)
    return std::string(name);
  return "token_" + std::string(name);
}

}  // namespace

RouteScopes parse_route_scopes(std::string_view text) {
  RouteScopes out;
  const auto fail = [](const std::string& why) { throw core::ConfigError("ROUTE_SCOPES", why); };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = std::min(text.find(';', pos), text.size());
    const std::string_view entry = core::trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (entry.empty())
      continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos)
      fail("entry '" + std::string(entry) + "' is not <routeKey>=<scopes>");
    const std::string_view key = core::trim(entry.substr(0, eq));
    if (!valid_route_key(key))
      fail("route key '" + std::string(key) + "' is not 'METHOD /path' or '$default'");
    auto scopes = split_scopes(core::trim(entry.substr(eq + 1)));
    if (scopes.empty())
      fail("route '" + std::string(key) + "' names no scope");
    if (!out.emplace(std::string(key), std::move(scopes)).second)
      fail("route '" + std::string(key) + "' is listed twice");
  }
  if (out.empty())
    fail("names no route");
  return out;
}

Config Config::from_env(const EnvLookup& env) {
  Config c;
  c.region = require_env(env, "AWS_REGION");
  c.cert_table_name = require_env(env, "CERT_TABLE_NAME");
  c.user_pool_id = require_env(env, "COGNITO_USER_POOL_ID");
  if (optional_env(env, "COGNITO_JWKS_URL")) {
    c.jwks_url = require_url(env, "COGNITO_JWKS_URL");
  } else {
    c.jwks_url = "https://cognito-idp." + c.region + ".amazonaws.com/" + c.user_pool_id +
                 "/.well-known/jwks.json";
  }
  c.settings.route_scopes = parse_route_scopes(require_env(env, "ROUTE_SCOPES"));
  c.settings.require_cert_bound_token = env_bool(env, "REQUIRE_CERT_BOUND_TOKEN", false);
  c.registry_cache_ttl = env_seconds(env, "REGISTRY_CACHE_TTL_SECONDS", std::chrono::seconds(30),
                                     std::chrono::seconds(0), std::chrono::seconds(3600));
  c.clock_skew = env_seconds(env, "CLOCK_SKEW_SECONDS", std::chrono::seconds(0),
                             std::chrono::seconds(0), std::chrono::seconds(300));
  return c;
}

Handler::Handler(Settings settings, mtls::RegistryReader& registry,
                 const oauth::AccessTokenVerifier& verifier, const core::Clock& clock,
                 const core::Logger& logger)
    : settings_(std::move(settings)),
      registry_(registry),
      verifier_(verifier),
      clock_(clock),
      logger_(logger) {}

Decision Handler::decide(const json::value& event) const {
  try {
    return decide_unchecked(event);
  } catch (const std::exception& e) {
    return deny("internal_error", e.what());
  } catch (...) {
    return deny("internal_error");
  }
}

Decision Handler::decide_unchecked(const json::value& event) const {
  if (!event.is_object())
    return deny("event_malformed", "event is not an object");
  const json::value* rc = core::find(event, "requestContext");
  if (rc == nullptr || !rc->is_object())
    return deny("event_malformed", "requestContext missing or not an object");

  // The route decides which scope is needed; an unlisted route is never authorized.
  const auto route = route_key(event);
  if (route.malformed())
    return deny("event_malformed", "routeKey is not a string");
  if (!route.present())
    return deny("event_malformed", "routeKey missing");
  const auto route_it = settings_.route_scopes.find(route.value);
  if (route_it == settings_.route_scopes.end())
    return deny("route_unknown", route.value);

  // Rule 1: a client certificate is present.
  const auto pem = client_cert_pem(event);
  if (pem.malformed())
    return deny("event_malformed", "clientCert has the wrong type");
  if (!pem.present() || pem.value.empty())
    return deny("cert_missing");
  std::shared_ptr<const mtls::ClientCertificate> parsed;
  try {
    parsed = certificates_->parse(pem.value);
  } catch (const core::Error& e) {
    return deny("cert_invalid", e.code());
  }
  const mtls::ClientCertificate& cert = *parsed;

  // Rule 2: registered, ACTIVE, now inside the certificate's and the record's validity.
  const core::TimePoint now = clock_.now();
  std::optional<mtls::RegistryRecord> record;
  try {
    record = registry_.find(cert.thumbprint);
  } catch (const core::Error& e) {
    Decision d = deny(e.code() == "record_malformed" ? "record_malformed" : "registry_unavailable",
                      e.what());
    d.thumbprint = cert.thumbprint;
    return d;
  }
  const auto deny_cert = [&](std::string reason, std::string detail = {}) {
    Decision d = deny(std::move(reason), std::move(detail));
    d.thumbprint = cert.thumbprint;
    if (record)
      d.client_id = record->client_id;
    return d;
  };
  if (!record)
    return deny_cert("cert_not_registered");
  if (record->thumbprint != cert.thumbprint)
    return deny_cert("registry_mismatch");
  switch (record->status) {
    case mtls::CertStatus::kActive:
      break;
    case mtls::CertStatus::kRevoked:
      return deny_cert("cert_revoked");
    case mtls::CertStatus::kSuspended:
      return deny_cert("cert_suspended");
  }
  if (now < cert.not_before)
    return deny_cert("cert_not_yet_valid");
  if (now > cert.not_after)
    return deny_cert("cert_expired");
  if (now < record->not_before)
    return deny_cert("record_not_yet_valid");
  if (now > record->not_after)
    return deny_cert("record_expired");

  // Rules 3 and 4: a Bearer JWS that the verifier accepts (RS256, kid, signature, iss,
  // token_use, exp/iat/nbf within the skew).
  const auto auth = header(event, "authorization");
  if (auth.malformed())
    return deny_cert("event_malformed", "headers or authorization has the wrong type");
  if (!auth.present())
    return deny_cert("token_missing");
  const auto jwt = strip_auth_scheme(auth.value, "Bearer");
  if (!jwt)
    return deny_cert("token_not_bearer");
  const oauth::VerifyResult verified = verifier_.verify(*jwt);
  if (!verified.ok())
    return deny_cert(token_reason(verified.error), verified.detail);
  const oauth::AccessToken& token = *verified.token;

  // Rule 5: the token was issued to the client the certificate is registered to.
  if (token.client_id != record->client_id)
    return deny_cert("client_mismatch", "token client_id " + token.client_id);

  // Rule 6: the token holds the route's scope(s), and the record allows them.
  for (const auto& scope : route_it->second) {
    if (!token.has_scope(scope))
      return deny_cert("scope_missing", scope);
    if (!record->allows_scope(scope))
      return deny_cert("scope_not_allowed", scope);
  }

  // Rule 7: certificate-bound token (RFC 8705) when the token says so, or when required.
  if (token.cnf_x5t_s256) {
    if (!core::constant_time_equal(*token.cnf_x5t_s256, cert.x5t_s256))
      return deny_cert("binding_mismatch");
  } else if (settings_.require_cert_bound_token) {
    return deny_cert("binding_required");
  }

  Decision d;
  d.allowed = true;
  d.reason = "allowed";
  d.client_id = record->client_id;
  d.thumbprint = cert.thumbprint;
  d.context["client_id"] = record->client_id;
  d.context["cert_thumbprint"] = cert.thumbprint;
  d.context["scope"] = join_scopes(token.scopes);
  d.context["cert_not_after"] = core::format_rfc3339(cert.not_after);
  return d;
}

json::object Handler::respond_to(const Decision& decision, const json::value* event) const {
  try {
    json::object fields;
    fields["reason"] = decision.reason;
    if (event != nullptr) {
      if (auto route = route_key(*event); route.present())
        fields["route_key"] = route.value;
      if (auto id = request_id(*event); !id.empty())
        fields["request_id"] = id;
    }
    if (!decision.client_id.empty())
      fields["client_id"] = decision.client_id;
    if (!decision.thumbprint.empty())
      fields["cert_thumbprint"] = decision.thumbprint;
    if (decision.allowed) {
      logger_.info("authorizer allow", fields);
    } else {
      if (!decision.detail.empty())
        fields["detail"] = decision.detail;
      logger_.warn("authorizer deny", fields);
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): logging must not turn a decision into a crash
  }
  json::object response;
  response["isAuthorized"] = decision.allowed;
  if (decision.allowed)
    response["context"] = decision.context;
  return response;
}

json::object Handler::respond(const json::value& event) const {
  return respond_to(decide(event), &event);
}

std::string Handler::handle(std::string_view payload) const {
  try {
    const auto event = core::parse_json(payload);
    if (!event)
      return json::serialize(respond_to(deny("event_malformed", "payload is not JSON"), nullptr));
    return json::serialize(respond(*event));
  } catch (...) {
    return R"({"isAuthorized":false})";
  }
}

}  // namespace agm::functions::authorizer
