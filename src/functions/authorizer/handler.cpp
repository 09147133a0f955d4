#include "functions/authorizer/handler.hpp"

#include <exception>
#include <utility>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "core/json_arena.hpp"
#include "metrics/recorder.hpp"
#include "oauth/protocol.hpp"

namespace agm::functions::authorizer {

namespace json = core::json;

namespace {

mtls::Authorization deny(mtls::Reason reason, std::string detail = {}) {
  mtls::Authorization d;
  d.reason = reason;
  d.detail = std::move(detail);
  return d;
}

}  // namespace

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
      authorizer_(registry, verifier, settings_.require_cert_bound_token),
      clock_(clock),
      logger_(logger) {}

mtls::Authorization Handler::decide(const AuthorizerRequest& request) const {
  try {
    switch (request.shape) {
      case EventShape::kOk:
        break;
      case EventShape::kNotJson:
        return deny(mtls::Reason::kEventMalformed, "payload is not JSON");
      case EventShape::kNotObject:
        return deny(mtls::Reason::kEventMalformed, "event is not an object");
      case EventShape::kNoRequestContext:
        return deny(mtls::Reason::kEventMalformed, "requestContext missing or not an object");
    }
    // The route decides which scope is needed; an unlisted route is never authorized.
    if (request.route_key.malformed())
      return deny(mtls::Reason::kEventMalformed, "routeKey is not a string");
    if (!request.route_key.present())
      return deny(mtls::Reason::kEventMalformed, "routeKey missing");
    const auto route = settings_.route_scopes.find(request.route_key.value);
    if (route == settings_.route_scopes.end())
      return deny(mtls::Reason::kRouteUnknown, request.route_key.value);
    if (request.client_cert_pem.malformed())
      return deny(mtls::Reason::kEventMalformed, "clientCert has the wrong type");
    return authorizer_.decide(request.client_cert_pem.value, request.headers.get("authorization"),
                              route->second, clock_.now());
  } catch (const std::exception& e) {
    return deny(mtls::Reason::kInternalError, e.what());
  } catch (...) {
    return deny(mtls::Reason::kInternalError);
  }
}

void Handler::log(const mtls::Authorization& decision, const AuthorizerRequest& request) const {
  try {
    core::JsonArena<1024> arena;  // the fields of one line
    json::object fields(arena.storage());
    fields["reason"] = mtls::to_string(decision.reason);
    if (request.route_key.present())
      fields["route_key"] = request.route_key.value;
    if (!request.request_id.empty())
      fields["request_id"] = request.request_id;
    if (!decision.client_id.empty())
      fields["client_id"] = decision.client_id;
    if (!decision.thumbprint.empty())
      fields["cert_thumbprint"] = decision.thumbprint;
    if (decision.allowed()) {
      logger_.info("authorizer allow", fields);
    } else {
      if (!decision.detail.empty())
        fields["detail"] = decision.detail;
      logger_.warn("authorizer deny", fields);
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): logging must not turn a decision into a crash
  }
}

AuthorizerResponse Handler::handle(const AuthorizerRequest& request) const {
  const mtls::Authorization decision = decide(request);
  log(decision, request);
  metrics::record_decision(decision.allowed(), mtls::to_string(decision.reason));
  AuthorizerResponse response;
  response.authorized = decision.allowed();
  if (!response.authorized) {
    // For the access log only ($context.authorizer.reason, .cert_thumbprint): API Gateway answers
    // the client a fixed 403, so the reason's name never reaches it, and the detail stays in the
    // function's log line.
    try {
      response.context["reason"] = mtls::to_string(decision.reason);
      if (!decision.thumbprint.empty())
        response.context["cert_thumbprint"] = decision.thumbprint;
    } catch (...) {
      return AuthorizerResponse{};  // still a deny
    }
    return response;
  }
  metrics::record_client_certificate_expiry(decision.cert_not_after - clock_.now());
  try {
    response.context["client_id"] = decision.client_id;
    response.context["cert_thumbprint"] = decision.thumbprint;
    response.context["scope"] = decision.scope;
    response.context["cert_not_after"] = core::format_rfc3339(decision.cert_not_after);
  } catch (...) {
    return AuthorizerResponse{};  // fail closed
  }
  return response;
}

lambda::invocation_response Handler::fallback() {
  return lambda::invocation_response::success(R"({"isAuthorized":false})", "application/json");
}

}  // namespace agm::functions::authorizer
