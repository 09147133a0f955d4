#include "mtls/authorization.hpp"

#include <exception>
#include <utility>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "mtls/admission.hpp"
#include "oauth/protocol.hpp"

namespace agm::mtls {
namespace {

Authorization deny(Reason reason, std::string detail = {}) {
  Authorization a;
  a.reason = reason;
  a.detail = std::move(detail);
  return a;
}

}  // namespace

Reason token_reason(oauth::TokenError error) {
  using oauth::TokenError;
  switch (error) {
    case TokenError::kMalformed:
      return Reason::kTokenMalformed;
    case TokenError::kAlgorithmRefused:
      return Reason::kTokenAlgorithmRefused;
    case TokenError::kKidMissing:
      return Reason::kTokenKidMissing;
    case TokenError::kKidNotFound:
      return Reason::kTokenKidNotFound;
    case TokenError::kJwksUnavailable:
      return Reason::kJwksUnavailable;
    case TokenError::kBadSignature:
      return Reason::kTokenBadSignature;
    case TokenError::kWrongIssuer:
      return Reason::kTokenWrongIssuer;
    case TokenError::kWrongTokenUse:
      return Reason::kTokenWrongTokenUse;
    case TokenError::kExpired:
      return Reason::kTokenExpired;
    case TokenError::kExpMissing:
      return Reason::kTokenExpMissing;
    case TokenError::kNotYetValid:
      return Reason::kTokenNotYetValid;
    case TokenError::kIssuedInFuture:
      return Reason::kTokenIssuedInFuture;
    case TokenError::kIatMissing:
      return Reason::kTokenIatMissing;
    case TokenError::kClientIdMissing:
      return Reason::kTokenClientIdMissing;
    case TokenError::kScopeMissing:
      return Reason::kTokenScopeMissing;
    case TokenError::kTooLarge:
      return Reason::kTokenTooLarge;
    case TokenError::kJwksInvalid:
      return Reason::kTokenJwksInvalid;
    case TokenError::kTimeOutOfRange:
      return Reason::kTokenTimeOutOfRange;
  }
  return Reason::kTokenMalformed;
}

Authorizer::Authorizer(RegistryReader& registry, const oauth::AccessTokenVerifier& verifier,
                       bool require_cert_bound_token)
    : registry_(registry), verifier_(verifier), require_cert_bound_token_(require_cert_bound_token) {}

Authorization Authorizer::decide(std::string_view cert_pem,
                                 const core::Field<std::string>& authorization,
                                 const std::vector<std::string>& scopes,
                                 core::TimePoint now) const {
  try {
    return decide_unchecked(cert_pem, authorization, scopes, now);
  } catch (const std::exception& e) {
    return deny(Reason::kInternalError, e.what());
  } catch (...) {
    return deny(Reason::kInternalError);
  }
}

Authorization Authorizer::decide_unchecked(std::string_view cert_pem,
                                           const core::Field<std::string>& authorization,
                                           const std::vector<std::string>& scopes,
                                           core::TimePoint now) const {
  // Rule 1: a client certificate, parsed strictly.
  if (cert_pem.empty())
    return deny(Reason::kCertMissing);
  std::shared_ptr<const ClientCertificate> parsed;
  try {
    parsed = certificates_->parse(std::string(cert_pem));
  } catch (const core::Error& e) {
    return deny(Reason::kCertInvalid, e.code());
  }
  const ClientCertificate& cert = *parsed;

  // Rule 2: registered, ACTIVE, now inside the certificate's and the record's validity.
  Admission admission = admit_certificate(registry_, Presented::certificate(cert), now);
  const auto refuse = [&](Reason reason, std::string detail = {}) {
    Authorization a = deny(reason, std::move(detail));
    a.thumbprint = cert.thumbprint;
    if (admission.record)
      a.client_id = admission.record->client_id;
    return a;
  };
  if (!admission.admitted())
    return refuse(admission.reason, std::move(admission.detail));

  // Rules 3 and 4: a Bearer JWS that the verifier accepts.
  if (authorization.malformed())
    return refuse(Reason::kEventMalformed, "headers or authorization has the wrong type");
  if (!authorization.present())
    return refuse(Reason::kTokenMissing);
  const auto jwt = oauth::strip_auth_scheme(authorization.value, "Bearer");
  if (!jwt)
    return refuse(Reason::kTokenNotBearer);
  const oauth::VerifyResult verified = verifier_.verify(*jwt);
  if (!verified.ok())
    return refuse(token_reason(verified.error), verified.detail);
  const oauth::AccessToken& token = *verified.token;

  // Rule 6a: the token holds every scope of the route. Rules 5 and 6b: the certificate is the
  // token client's, and its record allows the route's scopes.
  for (const auto& scope : scopes) {
    if (!token.has_scope(scope))
      return refuse(Reason::kScopeMissing, scope);
  }
  admit_client(admission, token.client_id, scopes);
  if (!admission.admitted())
    return refuse(admission.reason, std::move(admission.detail));

  // Rule 7: certificate-bound token (RFC 8705) when the token says so, or when required.
  if (token.cnf_x5t_s256) {
    if (!core::constant_time_equal(*token.cnf_x5t_s256, cert.x5t_s256))
      return refuse(Reason::kBindingMismatch);
  } else if (require_cert_bound_token_) {
    return refuse(Reason::kBindingRequired);
  }

  Authorization a = refuse(Reason::kAllowed);
  a.scope = oauth::join_scopes(token.scopes);
  a.cert_not_after = cert.not_after;
  return a;
}

}  // namespace agm::mtls
