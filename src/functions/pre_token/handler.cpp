#include "functions/pre_token/handler.hpp"

#include <exception>
#include <utility>
#include <variant>
#include <vector>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "core/field.hpp"
#include "mtls/admission.hpp"

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

Decision refuse(std::variant<Reason, mtls::Reason> reason, std::string detail = {}) {
  Decision d;
  d.reason = reason;
  d.detail = std::move(detail);
  return d;
}

// The string member `key` of `object`: absent (or null), the value, or malformed (not a string).
core::Field<std::string> string_member(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr || v->is_null())
    return {};
  if (!v->is_string())
    return core::Field<std::string>::malformed_field();
  return core::Field<std::string>::present_as(std::string(v->as_string()));
}

// The scopes Cognito is about to grant (request.scopes); nullopt when absent; a refusal when it is
// not an array of strings.
std::variant<std::optional<std::vector<std::string>>, Decision> requested_scopes(
    const json::object& request) {
  const json::value* scopes = request.if_contains("scopes");
  if (scopes == nullptr || scopes->is_null())
    return std::nullopt;
  if (!scopes->is_array())
    return refuse(Reason::kEventMalformed, "request.scopes is not an array");
  std::vector<std::string> out;
  for (const json::value& scope : scopes->as_array()) {
    if (!scope.is_string())
      return refuse(Reason::kEventMalformed, "request.scopes holds a non-string");
    out.emplace_back(scope.as_string());
  }
  return out;
}

}  // namespace

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::kAllowed:
      return "allowed";
    case Reason::kEventMalformed:
      return "event_malformed";
    case Reason::kVersionUnsupported:
      return "version_unsupported";
    case Reason::kTriggerSourceUnsupported:
      return "trigger_source_unsupported";
    case Reason::kClientIdMissing:
      return "client_id_missing";
    case Reason::kClientMetadataMissing:
      return "client_metadata_missing";
    case Reason::kThumbprintMissing:
      return "thumbprint_missing";
    case Reason::kThumbprintMalformed:
      return "thumbprint_malformed";
    case Reason::kInternalError:
      return "internal_error";
  }
  return "internal_error";
}

bool Decision::allowed() const {
  return reason == std::variant<Reason, mtls::Reason>(Reason::kAllowed);
}

std::string_view Decision::reason_name() const {
  return std::visit([](auto r) { return to_string(r); }, reason);
}

PreTokenEvent PreTokenEvent::parse(std::string_view payload, std::string_view invocation_id) {
  PreTokenEvent e;
  e.payload_size = payload.size();
  e.invocation_id = std::string(invocation_id);
  if (payload.size() > kMaxEventBytes) {
    e.shape = Shape::kTooLarge;
    return e;
  }
  auto doc = core::parse_json(payload);
  if (!doc) {
    e.shape = Shape::kNotJson;
  } else if (!doc->is_object()) {
    e.shape = Shape::kNotObject;
  } else {
    e.shape = Shape::kOk;
    e.event = std::move(doc->as_object());
  }
  return e;
}

lambda::invocation_response PreTokenResponse::to_invocation() const {
  if (!event)
    return lambda::invocation_response::failure(kRefusedMessage, kRefusedErrorType);
  return lambda::invocation_response::success(json::serialize(*event), "application/json");
}

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

Decision Handler::decide(const PreTokenEvent& event) const {
  switch (event.shape) {
    case PreTokenEvent::Shape::kOk:
      break;
    case PreTokenEvent::Shape::kTooLarge:
      return refuse(Reason::kEventMalformed, "event larger than " + std::to_string(kMaxEventBytes));
    case PreTokenEvent::Shape::kNotJson:
      return refuse(Reason::kEventMalformed, "event is not JSON");
    case PreTokenEvent::Shape::kNotObject:
      return refuse(Reason::kEventMalformed, "event is not an object");
  }
  try {
    return decide_unchecked(event.event);
  } catch (const std::exception& e) {
    return refuse(Reason::kInternalError, e.what());
  } catch (...) {
    return refuse(Reason::kInternalError);
  }
}

Decision Handler::decide_unchecked(const json::object& event) const {
  // Only the V3_0 client_credentials event: with V3_0 configured, Cognito also calls this trigger
  // for user sign-ins (TokenGeneration_HostedAuth, ..._Authentication, ...). This deployment has
  // no users, so those are refused rather than passed through unbound.
  const auto version = string_member(event, "version");
  if (!version.present())
    return refuse(Reason::kVersionUnsupported, "version missing or not a string");
  if (!is_v3(version.value))
    return refuse(Reason::kVersionUnsupported, version.value);
  const auto source = string_member(event, "triggerSource");
  if (!source.present())
    return refuse(Reason::kTriggerSourceUnsupported, "triggerSource missing or not a string");
  if (source.value != kTriggerSource)
    return refuse(Reason::kTriggerSourceUnsupported, source.value);

  // The app client that authenticated at the token endpoint (Cognito checked its secret).
  const json::value* caller = event.if_contains("callerContext");
  if (caller == nullptr || !caller->is_object())
    return refuse(Reason::kEventMalformed, "callerContext missing or not an object");
  const auto client = string_member(caller->as_object(), "clientId");
  if (client.malformed())
    return refuse(Reason::kEventMalformed, "callerContext.clientId is not a string");
  if (!client.present() || client.value.empty())
    return refuse(Reason::kClientIdMissing);
  const auto refuse_client = [&](std::variant<Reason, mtls::Reason> reason,
                                 std::string detail = {}) {
    Decision d = refuse(reason, std::move(detail));
    d.client_id = client.value;
    return d;
  };

  // The thumbprint our token function passed as aws_client_metadata. Without it the request did
  // not come through the token function (a client calling Cognito directly): no token.
  const json::value* request = event.if_contains("request");
  if (request == nullptr || !request->is_object())
    return refuse_client(Reason::kEventMalformed, "request missing or not an object");
  const json::value* metadata = request->as_object().if_contains("clientMetadata");
  if (metadata == nullptr || metadata->is_null())
    return refuse_client(Reason::kClientMetadataMissing);
  if (!metadata->is_object())
    return refuse_client(Reason::kEventMalformed, "request.clientMetadata is not an object");
  const auto thumb = string_member(metadata->as_object(), "cert_thumbprint");
  if (thumb.malformed())
    return refuse_client(Reason::kEventMalformed, "clientMetadata.cert_thumbprint is not a string");
  if (!thumb.present())
    return refuse_client(Reason::kThumbprintMissing);
  const std::string& thumbprint = thumb.value;
  const auto x5t = x5t_s256_from_thumbprint(thumbprint);
  if (!x5t)
    return refuse_client(Reason::kThumbprintMalformed, "not 64 lowercase hex characters (length " +
                                                           std::to_string(thumbprint.size()) + ")");
  // From here the thumbprint is well-formed, and so logged.
  const auto refuse_cert = [&](std::variant<Reason, mtls::Reason> reason, std::string detail = {}) {
    Decision d = refuse_client(reason, std::move(detail));
    d.thumbprint = thumbprint;
    return d;
  };

  // The scopes Cognito is about to grant must be ones the record allows (docs/contract.md
  // section 6 rule 6). Our token function only ever asks for those; this catches a client that
  // calls Cognito directly with its certificate's (public) thumbprint to get wider scopes.
  // Absent `scopes`: nothing to check (the V3 event types mark it optional).
  auto scopes = requested_scopes(request->as_object());
  if (auto* refused = std::get_if<Decision>(&scopes))
    return refuse_cert(refused->reason, refused->detail);
  const auto& wanted = std::get<std::optional<std::vector<std::string>>>(scopes);

  // The registry, asked directly (no cache): issuance must see a revocation at once. The
  // certificate must belong to the app client asking for the token: otherwise a client could
  // bind its token to (and so use) another client's certificate.
  mtls::Admission admission =
      mtls::admit(registry_, mtls::Presented::thumbprint_only(thumbprint), client.value,
                  wanted.value_or(std::vector<std::string>{}), clock_.now());
  if (!admission.admitted())
    return refuse_cert(admission.reason, std::move(admission.detail));

  Decision d = refuse_cert(Reason::kAllowed);
  d.x5t_s256 = *x5t;
  return d;
}

json::object Handler::respond(const json::object& event, const Decision& decision) {
  // The same event back with `response` filled in, as Cognito expects from every trigger. Only the
  // access token is changed: a client_credentials grant issues no ID token.
  json::object out = event;
  json::object cnf{{"x5t#S256", decision.x5t_s256}};
  json::object access{{"claimsToAddOrOverride", json::object{{"cnf", std::move(cnf)}}}};
  out["response"] = json::object{{"claimsAndScopeOverrideDetails",
                                  json::object{{"accessTokenGeneration", std::move(access)}}}};
  return out;
}

void Handler::log(const Decision& decision, std::string_view request_id) const {
  try {
    json::object fields{{"reason", decision.reason_name()}};
    if (!request_id.empty())
      fields["request_id"] = request_id;
    if (!decision.detail.empty())
      fields["detail"] = decision.detail;
    if (!decision.client_id.empty())
      fields["client_id"] = decision.client_id;
    if (!decision.thumbprint.empty())
      fields["cert_thumbprint"] = decision.thumbprint;
    if (decision.allowed())
      logger_.info("token bound to certificate", fields);
    else
      logger_.warn("token refused", fields);
  } catch (...) {  // NOLINT(bugprone-empty-catch): the decision matters more than the log line
  }
}

PreTokenResponse Handler::handle(const PreTokenEvent& event) const {
  Decision decision = decide(event);
  if (decision.allowed()) {
    try {
      PreTokenResponse response{respond(event.event, decision)};
      log(decision, event.invocation_id);
      return response;
    } catch (const std::exception& e) {
      decision = refuse(Reason::kInternalError, e.what());
    } catch (...) {
      decision = refuse(Reason::kInternalError);
    }
  }
  log(decision, event.invocation_id);
  return PreTokenResponse{};
}

lambda::invocation_response Handler::fallback() {
  return lambda::invocation_response::failure(kRefusedMessage, kRefusedErrorType);
}

}  // namespace agm::functions::pre_token
