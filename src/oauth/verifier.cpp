#include "oauth/verifier.hpp"

#include <openssl/evp.h>

#include <cmath>
#include <exception>
#include <memory>
#include <utility>

#include "core/encoding.hpp"

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

// A JSON number as a finite double (int64, uint64 or double), as NumericDate allows
// (RFC 7519 section 2: non-integer values are allowed).
enum class NumberState { kAbsent, kWrongType, kOk };
NumberState numeric_claim(const json::object& o, std::string_view key, double& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr)
    return NumberState::kAbsent;
  if (v->is_int64()) {
    out = static_cast<double>(v->get_int64());
  } else if (v->is_uint64()) {
    out = static_cast<double>(v->get_uint64());
  } else if (v->is_double() && std::isfinite(v->get_double())) {
    out = v->get_double();
  } else {
    return NumberState::kWrongType;
  }
  return NumberState::kOk;
}

// Seconds as int64, clamped to +-2^62 so that absurd values (1e300) cannot overflow the cast.
std::int64_t clamp_seconds(double d) {
  constexpr std::int64_t kLimit = std::int64_t{1} << 62;
  constexpr auto kLimitD = static_cast<double>(kLimit);
  if (d >= kLimitD)
    return kLimit;
  if (d <= -kLimitD)
    return -kLimit;
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

bool verify_rs256(EVP_PKEY* key, std::string_view signing_input, std::string_view signature) {
  // RSASSA-PKCS1-v1_5: the signature is exactly as long as the modulus.
  if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key)))
    return false;
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
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

    // Structure: exactly three non-empty segments; strict base64url (no padding, no whitespace).
    const std::size_t dot1 = jwt.find('.');
    const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos)
      return fail(TokenError::kMalformed, "not three segments");
    const std::string_view header_b64 = jwt.substr(0, dot1);
    const std::string_view payload_b64 = jwt.substr(dot1 + 1, dot2 - dot1 - 1);
    const std::string_view signature_b64 = jwt.substr(dot2 + 1);
    if (header_b64.empty() || payload_b64.empty() || signature_b64.empty())
      return fail(TokenError::kMalformed, "empty segment");
    const auto header_text = core::base64url_decode(header_b64);
    const auto payload_text = core::base64url_decode(payload_b64);
    const auto signature = core::base64url_decode(signature_b64);
    if (!header_text || !payload_text || !signature)
      return fail(TokenError::kMalformed, "segment is not strict base64url");

    const auto header = core::parse_json(*header_text, kMaxJsonDepth);
    if (!header || !header->is_object())
      return fail(TokenError::kMalformed, "header is not a JSON object");
    const json::object& h = header->as_object();

    // The algorithm is decided here, before any key is looked up: `none`, HMAC (including HS256
    // keyed with the RSA public key) and everything else never reach the JWKS.
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

    const auto payload = core::parse_json(*payload_text, kMaxJsonDepth);
    if (!payload || !payload->is_object())
      return fail(TokenError::kMalformed, "payload is not a JSON object");
    const json::object& p = payload->as_object();

    PublicKey key;
    try {
      key = jwks_.key_for(std::string(kid->as_string()));
    } catch (const JwksError& e) {
      if (e.code() == "kid_not_found")
        return fail(TokenError::kKidNotFound, e.what());
      if (e.code() == "jwks_invalid")
        return fail(TokenError::kJwksInvalid, e.what());
      return fail(TokenError::kJwksUnavailable, e.what());
    }
    if (!key)
      return fail(TokenError::kJwksUnavailable, "no key");
    if (!verify_rs256(key.get(), jwt.substr(0, dot2), *signature))
      return fail(TokenError::kBadSignature, "RS256 signature does not verify");

    // Claims: only now, after the signature, is the payload trusted.
    AccessToken token;
    if (!optional_string(p, "iss", token.iss) || token.iss != issuer_)
      return fail(TokenError::kWrongIssuer, "iss is not " + issuer_);
    if (!optional_string(p, "token_use", token.token_use) || token.token_use != "access")
      return fail(TokenError::kWrongTokenUse, "token_use is not access");

    const double now = static_cast<double>(core::to_epoch_seconds(clock_.now()));
    const auto skew = static_cast<double>(config_.clock_skew.count());
    double exp = 0;
    switch (numeric_claim(p, "exp", exp)) {
      case NumberState::kAbsent:
        return fail(TokenError::kExpMissing, "no exp");
      case NumberState::kWrongType:
        return fail(TokenError::kMalformed, "exp is not a number");
      case NumberState::kOk:
        break;
    }
    if (!(now < exp + skew))
      return fail(TokenError::kExpired, "exp is not in the future");
    double nbf = 0;
    switch (numeric_claim(p, "nbf", nbf)) {
      case NumberState::kAbsent:
        break;
      case NumberState::kWrongType:
        return fail(TokenError::kMalformed, "nbf is not a number");
      case NumberState::kOk:
        if (nbf > now + skew)
          return fail(TokenError::kNotYetValid, "nbf is in the future");
        token.nbf = clamp_seconds(nbf);
        break;
    }
    double iat = 0;
    switch (numeric_claim(p, "iat", iat)) {
      case NumberState::kAbsent:
        return fail(TokenError::kIatMissing, "no iat");
      case NumberState::kWrongType:
        return fail(TokenError::kMalformed, "iat is not a number");
      case NumberState::kOk:
        if (iat > now + skew)
          return fail(TokenError::kIssuedInFuture, "iat is in the future");
        break;
    }
    token.exp = clamp_seconds(exp);
    token.iat = clamp_seconds(iat);
    double auth_time = 0;
    if (numeric_claim(p, "auth_time", auth_time) == NumberState::kOk)
      token.auth_time = clamp_seconds(auth_time);

    if (!optional_string(p, "client_id", token.client_id))
      return fail(TokenError::kMalformed, "client_id is not a string");
    if (token.client_id.empty())
      return fail(TokenError::kClientIdMissing, "no client_id");
    const auto* scope = p.if_contains("scope");
    if (scope == nullptr)
      return fail(TokenError::kScopeMissing, "no scope claim");
    if (!scope->is_string())
      return fail(TokenError::kMalformed, "scope is not a string");
    const std::string_view scope_text = scope->as_string();
    for (std::size_t pos = 0; pos <= scope_text.size();) {
      std::size_t end = scope_text.find(' ', pos);
      if (end == std::string_view::npos)
        end = scope_text.size();
      if (end > pos)
        token.scopes.emplace_back(scope_text.substr(pos, end - pos));
      pos = end + 1;
    }
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
    token.claims = p;
    VerifyResult ok;
    ok.token = std::move(token);
    return ok;
  } catch (const std::exception& e) {
    // Never throws: anything unexpected is a refusal.
    return fail(TokenError::kMalformed, std::string("unexpected: ") + e.what());
  }
}

}  // namespace agm::oauth
