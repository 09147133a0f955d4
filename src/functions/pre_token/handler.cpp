#include "functions/pre_token/handler.hpp"

#include <exception>
#include <utility>

#include "core/encoding.hpp"
#include "core/error.hpp"

namespace agm::functions::pre_token {

namespace json = core::json;

namespace {

// A pre token generation event is a few hundred bytes; anything far larger is not Cognito's.
constexpr std::size_t kMaxEventBytes = std::size_t{64} * 1024;

constexpr std::string_view kTriggerSource = "TokenGeneration_ClientCredentials";

// The event's `version` member. The user pool's trigger configuration calls it V3_0
// (PreTokenGenerationVersionConfigType.LambdaVersion); the event itself carries "3" as AWS's
// example events and @types/aws-lambda (BasePreTokenGenerationV3TriggerEvent) show. Guess: "V3_0"
// is accepted too in case an event ever carries the configuration's spelling; nothing depends on
// it beyond refusing the V1_0/V2_0 shapes (the trigger source is the check that matters).
bool is_v3(std::string_view version) {
  return version == "3" || version == "V3_0";
}

Decision refuse(std::string reason, std::string detail = {}) {
  Decision d;
  d.reason = std::move(reason);
  d.detail = std::move(detail);
  return d;
}

}  // namespace

Config Config::from_env(const EnvLookup& env) {
  Config c;
  c.region = require_env(env, "AWS_REGION");
  c.cert_table_name = require_env(env, "CERT_TABLE_NAME");
  return c;
}

std::optional<std::string> x5t_s256_from_thumbprint(std::string_view thumbprint) {
  if (thumbprint.size() != 64)
    return std::nullopt;
  for (const char c : thumbprint) {
    // Lowercase only: the registry key is lowercase, so any other spelling is not a key.
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return std::nullopt;
  }
  const auto bytes = core::hex_decode(thumbprint);
  if (!bytes || bytes->size() != 32)
    return std::nullopt;
  return core::base64url_encode(*bytes);
}

Handler::Handler(mtls::RegistryReader& registry, const core::Clock& clock,
                 const core::Logger& logger)
    : registry_(registry), clock_(clock), logger_(logger) {}

Decision Handler::decide(const json::value& event) const {
  try {
    if (!event.is_object())
      return refuse("event_malformed", "event is not an object");

    // Only the V3_0 client_credentials event: with V3_0 configured, Cognito also calls this
    // trigger for user sign-ins (TokenGeneration_HostedAuth, ..._Authentication, ...). This
    // deployment has no users, so those are refused rather than passed through unbound.
    const json::value* version = core::find(event, "version");
    if (version == nullptr || !version->is_string())
      return refuse("version_unsupported", "version missing or not a string");
    if (!is_v3(version->as_string()))
      return refuse("version_unsupported", std::string(version->as_string()));
    const json::value* source = core::find(event, "triggerSource");
    if (source == nullptr || !source->is_string())
      return refuse("trigger_source_unsupported", "triggerSource missing or not a string");
    if (source->as_string() != kTriggerSource)
      return refuse("trigger_source_unsupported", std::string(source->as_string()));

    // The app client that authenticated at the token endpoint (Cognito checked its secret).
    const json::value* caller = core::find(event, "callerContext");
    if (caller == nullptr || !caller->is_object())
      return refuse("event_malformed", "callerContext missing or not an object");
    const json::value* client = core::find(*caller, "clientId");
    if (client != nullptr && !client->is_string() && !client->is_null())
      return refuse("event_malformed", "callerContext.clientId is not a string");
    if (client == nullptr || client->is_null() || client->as_string().empty())
      return refuse("client_id_missing");
    const std::string client_id(client->as_string());

    // The thumbprint our token function passed as aws_client_metadata. Without it the request did
    // not come through the token function (a client calling Cognito directly): no token.
    const json::value* request = core::find(event, "request");
    if (request == nullptr || !request->is_object()) {
      Decision d = refuse("event_malformed", "request missing or not an object");
      d.client_id = client_id;
      return d;
    }
    const auto refuse_client = [&](std::string reason, std::string detail = {}) {
      Decision d = refuse(std::move(reason), std::move(detail));
      d.client_id = client_id;
      return d;
    };
    const json::value* metadata = core::find(*request, "clientMetadata");
    if (metadata == nullptr || metadata->is_null())
      return refuse_client("client_metadata_missing");
    if (!metadata->is_object())
      return refuse_client("event_malformed", "request.clientMetadata is not an object");
    const json::value* thumb = core::find(*metadata, "cert_thumbprint");
    if (thumb == nullptr || thumb->is_null())
      return refuse_client("thumbprint_missing");
    if (!thumb->is_string())
      return refuse_client("event_malformed", "clientMetadata.cert_thumbprint is not a string");
    const std::string thumbprint(thumb->as_string());
    const auto refuse_cert = [&](std::string reason, std::string detail = {}) {
      Decision d = refuse_client(std::move(reason), std::move(detail));
      // Only a well-formed thumbprint is logged as such; anything else could be arbitrary text.
      if (x5t_s256_from_thumbprint(thumbprint))
        d.thumbprint = thumbprint;
      return d;
    };
    const auto x5t = x5t_s256_from_thumbprint(thumbprint);
    if (!x5t)
      return refuse_cert("thumbprint_malformed", "not 64 lowercase hex characters (length " +
                                                     std::to_string(thumbprint.size()) + ")");

    // The registry, asked directly (no cache): issuance must see a revocation at once.
    std::optional<mtls::RegistryRecord> record;
    try {
      record = registry_.find(thumbprint);
    } catch (const core::Error& e) {
      return refuse_cert(
          e.code() == "record_malformed" ? "record_malformed" : "registry_unavailable", e.what());
    }
    if (!record)
      return refuse_cert("cert_not_registered");
    if (record->thumbprint != thumbprint)
      return refuse_cert("registry_mismatch");
    // The certificate must belong to the app client asking for the token: otherwise a client
    // could bind its token to (and so use) another client's certificate.
    if (record->client_id != client_id)
      return refuse_cert("client_mismatch", "certificate registered to " + record->client_id);
    switch (record->status) {
      case mtls::CertStatus::kActive:
        break;
      case mtls::CertStatus::kRevoked:
        return refuse_cert("cert_revoked");
      case mtls::CertStatus::kSuspended:
        return refuse_cert("cert_suspended");
    }
    const core::TimePoint now = clock_.now();
    if (now < record->not_before)
      return refuse_cert("record_not_yet_valid");
    if (now > record->not_after)
      return refuse_cert("record_expired");
    // The scopes Cognito is about to grant must be ones the record allows (docs/contract.md section
    // 6 rule 6). Our token function only ever asks for those; this catches a client that calls
    // Cognito directly with its certificate's (public) thumbprint to get wider scopes. Absent
    // `scopes`: nothing to check (the V3 event types mark it optional).
    if (const json::value* scopes = core::find(*request, "scopes");
        scopes != nullptr && !scopes->is_null()) {
      if (!scopes->is_array())
        return refuse_cert("event_malformed", "request.scopes is not an array");
      for (const json::value& scope : scopes->as_array()) {
        if (!scope.is_string())
          return refuse_cert("event_malformed", "request.scopes holds a non-string");
        if (!record->allows_scope(scope.as_string()))
          return refuse_cert("scope_not_allowed", std::string(scope.as_string()));
      }
    }

    Decision d;
    d.allowed = true;
    d.reason = "allowed";
    d.client_id = client_id;
    d.thumbprint = thumbprint;
    d.x5t_s256 = *x5t;
    return d;
  } catch (const std::exception& e) {
    return refuse("internal_error", e.what());
  } catch (...) {
    return refuse("internal_error");
  }
}

json::object Handler::respond(const json::value& event, const Decision& decision) {
  // The same event back with `response` filled in, as Cognito expects from every trigger. Only the
  // access token is changed: a client_credentials grant issues no ID token.
  json::object out = event.as_object();
  json::object cnf{{"x5t#S256", decision.x5t_s256}};
  json::object access{{"claimsToAddOrOverride", json::object{{"cnf", std::move(cnf)}}}};
  out["response"] = json::object{{"claimsAndScopeOverrideDetails",
                                  json::object{{"accessTokenGeneration", std::move(access)}}}};
  return out;
}

void Handler::log(const Decision& decision, std::string_view request_id) const {
  try {
    json::object fields{{"reason", decision.reason}};
    if (!request_id.empty())
      fields["request_id"] = request_id;
    if (!decision.detail.empty())
      fields["detail"] = decision.detail;
    if (!decision.client_id.empty())
      fields["client_id"] = decision.client_id;
    if (!decision.thumbprint.empty())
      fields["cert_thumbprint"] = decision.thumbprint;
    if (decision.allowed)
      logger_.info("token bound to certificate", fields);
    else
      logger_.warn("token refused", fields);
  } catch (...) {  // NOLINT(bugprone-empty-catch): the decision matters more than the log line
  }
}

lambda::invocation_response Handler::handle(std::string_view payload,
                                            std::string_view request_id) const {
  Decision decision;
  std::optional<json::value> event;
  if (payload.size() > kMaxEventBytes) {
    decision = refuse("event_malformed", "event larger than " + std::to_string(kMaxEventBytes));
  } else {
    try {
      event = core::parse_json(payload);
    } catch (...) {
      event.reset();
    }
    decision = event ? decide(*event) : refuse("event_malformed", "event is not JSON");
  }
  if (decision.allowed) {
    try {
      auto body = json::serialize(respond(*event, decision));
      log(decision, request_id);
      return lambda::invocation_response::success(std::move(body), "application/json");
    } catch (const std::exception& e) {
      decision = refuse("internal_error", e.what());
    } catch (...) {
      decision = refuse("internal_error");
    }
  }
  log(decision, request_id);
  return lambda::invocation_response::failure(kRefusedMessage, kRefusedErrorType);
}

}  // namespace agm::functions::pre_token
