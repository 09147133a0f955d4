#include "oauth/verifier.hpp"

#include <cmath>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/encoding.hpp"
#include "core/json_arena.hpp"
#include "oauth/protocol.hpp"

namespace agm::oauth {
namespace {

namespace json = boost::json;

// JOSE headers and Cognito payloads are flat; deep nesting is only ever an attack on the parser.
constexpr std::size_t kMaxJsonDepth = 16;

VerifyResult fail(TokenError error, std::string detail) {
  VerifyResult r;
  r.error = error;
  r.detail = std::move(detail);
  return r;
}

// A NumericDate claim (RFC 7519 section 2: seconds, non-integer values allowed) as a double that
// lies within the representable years (core/time.hpp). Every value in that range is an integer
// below 2^53 or a fraction of one, so the double is exact enough to compare, and its floor always
// fits int64.
enum class NumberState { kAbsent, kWrongType, kOutOfRange, kOk };
NumberState numeric_claim(const json::object& o, std::string_view key, double& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr)
    return NumberState::kAbsent;
  if (v->is_int64()) {
    if (!core::representable(v->get_int64()))
      return NumberState::kOutOfRange;
    out = static_cast<double>(v->get_int64());
    return NumberState::kOk;
  }
  if (v->is_uint64()) {
    // Every uint64 Boost.JSON keeps as uint64 is above INT64_MAX: far outside the range.
    return NumberState::kOutOfRange;
  }
  if (!v->is_double() || !std::isfinite(v->get_double()))
    return NumberState::kWrongType;
  out = v->get_double();
  if (!(out >= static_cast<double>(core::kMinEpochSeconds) &&
        out < static_cast<double>(core::kMaxEpochSeconds) + 1.0))
    return NumberState::kOutOfRange;
  return NumberState::kOk;
}

// Whole seconds of a claim numeric_claim accepted.
std::int64_t whole_seconds(double d) {
  return static_cast<std::int64_t>(std::floor(d));
}

// Optional string claim: absent is fine, any other type is malformed.
bool optional_string(const json::object& o, std::string_view key, std::string& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr)
    return true;
  if (!v->is_string())
    return false;
  out = std::string(v->as_string());
  return true;
}

// The steps of AccessTokenVerifier::verify, in its order. Each returns the refusal, or nothing
// when the token passes that step.
using Refusal = std::optional<VerifyResult>;

struct Segments {
  std::string_view signing_input;  // header.payload, what the signature covers
  std::string header, payload, signature;
};

// Structure: exactly three non-empty segments; strict base64url (no padding, no whitespace).
Refusal split_segments(std::string_view jwt, Segments& out) {
  const std::size_t dot1 = jwt.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos)
    return fail(TokenError::kMalformed, "not three segments");
  const std::string_view header_b64 = jwt.substr(0, dot1);
  const std::string_view payload_b64 = jwt.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = jwt.substr(dot2 + 1);
  if (header_b64.empty() || payload_b64.empty() || signature_b64.empty())
    return fail(TokenError::kMalformed, "empty segment");
  auto header_text = core::base64url_decode(header_b64);
  auto payload_text = core::base64url_decode(payload_b64);
  auto signature = core::base64url_decode(signature_b64);
  if (!header_text || !payload_text || !signature)
    return fail(TokenError::kMalformed, "segment is not strict base64url");
  out.signing_input = jwt.substr(0, dot2);
  out.header = std::move(*header_text);
  out.payload = std::move(*payload_text);
  out.signature = std::move(*signature);
  return std::nullopt;
}

// The algorithm is decided here, before any key is looked up: `none`, HMAC (including HS256
// keyed with the RSA public key) and everything else never reach the JWKS.
Refusal check_header(const json::object& h, std::string& kid_out) {
  const auto* alg = h.if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->as_string() != "RS256")
    return fail(TokenError::kAlgorithmRefused, "alg is not RS256");
  // RFC 7515 section 4.1.11: extensions we do not understand must not be ignored.
  if (h.contains("crit"))
    return fail(TokenError::kMalformed, "crit header present");
  const auto* kid = h.if_contains("kid");
  if (kid == nullptr || (kid->is_string() && kid->as_string().empty()))
    return fail(TokenError::kKidMissing, "no kid in the header");
  if (!kid->is_string())
    return fail(TokenError::kMalformed, "kid is not a string");
  kid_out = std::string(kid->as_string());
  return std::nullopt;
}

// exp, nbf, iat (and auth_time) against now with the allowed skew.
Refusal read_time_claims(const json::object& p, double now, double skew, AccessToken& token) {
  // Every time claim is read (and range-checked) before any is compared: an absurd value is
  // refused as what it is, whichever claim carries it. auth_time is informational: kept only
  // when it is a representable number.
  double exp = 0;
  double nbf = 0;
  double iat = 0;
  double auth_time = 0;
  const NumberState exp_state = numeric_claim(p, "exp", exp);
  const NumberState nbf_state = numeric_claim(p, "nbf", nbf);
  const NumberState iat_state = numeric_claim(p, "iat", iat);
  const NumberState auth_time_state = numeric_claim(p, "auth_time", auth_time);
  for (const auto& [name, state] : {std::pair<const char*, NumberState>{"exp", exp_state},
                                    {"nbf", nbf_state},
                                    {"iat", iat_state}}) {
    if (state == NumberState::kWrongType)
      return fail(TokenError::kMalformed, std::string(name) + " is not a number");
    if (state == NumberState::kOutOfRange)
      return fail(TokenError::kTimeOutOfRange,
                  std::string(name) + " is outside the years 0000-9999");
  }
  if (exp_state == NumberState::kAbsent)
    return fail(TokenError::kExpMissing, "no exp");
  if (!(now < exp + skew))
    return fail(TokenError::kExpired, "exp is not in the future");
  if (nbf_state == NumberState::kOk) {
    if (nbf > now + skew)
      return fail(TokenError::kNotYetValid, "nbf is in the future");
    token.nbf = whole_seconds(nbf);
  }
  if (iat_state == NumberState::kAbsent)
    return fail(TokenError::kIatMissing, "no iat");
  if (iat > now + skew)
    return fail(TokenError::kIssuedInFuture, "iat is in the future");
  token.exp = whole_seconds(exp);
  token.iat = whole_seconds(iat);
  if (auth_time_state == NumberState::kOk)
    token.auth_time = whole_seconds(auth_time);
  return std::nullopt;
}

// client_id, scope, sub, jti and the certificate binding cnf["x5t#S256"].
Refusal read_client_claims(const json::object& p, AccessToken& token) {
  if (!optional_string(p, "client_id", token.client_id))
    return fail(TokenError::kMalformed, "client_id is not a string");
  if (token.client_id.empty())
    return fail(TokenError::kClientIdMissing, "no client_id");
  const auto* scope = p.if_contains("scope");
  if (scope == nullptr)
    return fail(TokenError::kScopeMissing, "no scope claim");
  if (!scope->is_string())
    return fail(TokenError::kMalformed, "scope is not a string");
  token.scopes = split_scopes(scope->as_string());
  if (!optional_string(p, "sub", token.sub) || !optional_string(p, "jti", token.jti))
    return fail(TokenError::kMalformed, "sub or jti is not a string");
  if (const auto* cnf = p.if_contains("cnf")) {
    if (!cnf->is_object())
      return fail(TokenError::kMalformed, "cnf is not an object");
    if (const auto* x5t = cnf->as_object().if_contains("x5t#S256")) {
      if (!x5t->is_string())
        return fail(TokenError::kMalformed, "cnf x5t#S256 is not a string");
      token.cnf_x5t_s256 = std::string(x5t->as_string());
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(TokenError error) {
  switch (error) {
    case TokenError::kMalformed:
      return "token_malformed";
    case TokenError::kAlgorithmRefused:
      return "algorithm_refused";
    case TokenError::kKidMissing:
      return "kid_missing";
    case TokenError::kKidNotFound:
      return "kid_not_found";
    case TokenError::kJwksUnavailable:
      return "jwks_unavailable";
    case TokenError::kBadSignature:
      return "bad_signature";
    case TokenError::kWrongIssuer:
      return "wrong_issuer";
    case TokenError::kWrongTokenUse:
      return "wrong_token_use";
    case TokenError::kExpired:
      return "token_expired";
    case TokenError::kExpMissing:
      return "exp_missing";
    case TokenError::kNotYetValid:
      return "token_not_yet_valid";
    case TokenError::kIssuedInFuture:
      return "issued_in_future";
    case TokenError::kIatMissing:
      return "iat_missing";
    case TokenError::kClientIdMissing:
      return "client_id_missing";
    case TokenError::kScopeMissing:
      return "scope_missing";
    case TokenError::kTooLarge:
      return "token_too_large";
    case TokenError::kJwksInvalid:
      return "jwks_invalid";
    case TokenError::kTimeOutOfRange:
      return "time_out_of_range";
  }
  return "token_malformed";
}

bool AccessToken::has_scope(std::string_view scope) const {
  for (const auto& s : scopes) {
    if (s == scope)
      return true;
  }
  return false;
}

std::string cognito_issuer(std::string_view region, std::string_view pool) {
  return "https://cognito-idp." + std::string(region) + ".amazonaws.com/" + std::string(pool);
}

AccessTokenVerifier::AccessTokenVerifier(VerifierConfig config, JwksCache& jwks,
                                         const core::Clock& clock)
    : config_(std::move(config)),
      issuer_(cognito_issuer(config_.region, config_.user_pool_id)),
      jwks_(jwks),
      clock_(clock) {}

VerifyResult AccessTokenVerifier::verify(std::string_view jwt) const {
  try {
    if (jwt.size() > config_.max_token_bytes)
      return fail(TokenError::kTooLarge, "token is " + std::to_string(jwt.size()) + " bytes");
    Segments segments;
    if (auto refused = split_segments(jwt, segments))
      return *refused;

    core::JsonArena<1024> header_arena;  // the header is read here and dropped
    const auto header = core::parse_json(segments.header, kMaxJsonDepth, header_arena.storage());
    if (!header || !header->is_object())
      return fail(TokenError::kMalformed, "header is not a JSON object");
    std::string kid;
    if (auto refused = check_header(header->as_object(), kid))
      return *refused;

    auto payload = core::parse_json(segments.payload, kMaxJsonDepth);
    if (!payload || !payload->is_object())
      return fail(TokenError::kMalformed, "payload is not a JSON object");
    const json::object& p = payload->as_object();

    PublicKey key;
    try {
      key = jwks_.key_for(kid);
    } catch (const JwksError& e) {
      return fail(e.reason(), e.what());
    }
    if (!key)
      return fail(TokenError::kJwksUnavailable, "no key");
    if (!key->verify(segments.signing_input, segments.signature))
      return fail(TokenError::kBadSignature, "RS256 signature does not verify");

    // Claims: only now, after the signature, is the payload trusted.
    AccessToken token;
    if (!optional_string(p, "iss", token.iss) || token.iss != issuer_)
      return fail(TokenError::kWrongIssuer, "iss is not " + issuer_);
    if (!optional_string(p, "token_use", token.token_use) || token.token_use != "access")
      return fail(TokenError::kWrongTokenUse, "token_use is not access");
    const double now = static_cast<double>(core::to_epoch_seconds(clock_.now()));
    const auto skew = static_cast<double>(config_.clock_skew.count());
    if (auto refused = read_time_claims(p, now, skew, token))
      return *refused;
    if (auto refused = read_client_claims(p, token))
      return *refused;
    token.claims = std::move(payload->as_object());  // p is not used after this
    VerifyResult ok;
    ok.token = std::move(token);
    return ok;
  } catch (const std::exception& e) {
    // Never throws: anything unexpected is a refusal.
    return fail(TokenError::kMalformed, std::string("unexpected: ") + e.what());
  }
}

}  // namespace agm::oauth
