#include "mtls/reason.hpp"

namespace agm::mtls {

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::kAllowed:
      return "allowed";
    case Reason::kEventMalformed:
      return "event_malformed";
    case Reason::kRouteUnknown:
      return "route_unknown";
    case Reason::kCertMissing:
      return "cert_missing";
    case Reason::kCertInvalid:
      return "cert_invalid";
    case Reason::kRegistryUnavailable:
      return "registry_unavailable";
    case Reason::kRecordMalformed:
      return "record_malformed";
    case Reason::kCertNotRegistered:
      return "cert_not_registered";
    case Reason::kRegistryMismatch:
      return "registry_mismatch";
    case Reason::kCertRevoked:
      return "cert_revoked";
    case Reason::kCertSuspended:
      return "cert_suspended";
    case Reason::kCertNotYetValid:
      return "cert_not_yet_valid";
    case Reason::kCertExpired:
      return "cert_expired";
    case Reason::kRecordNotYetValid:
      return "record_not_yet_valid";
    case Reason::kRecordExpired:
      return "record_expired";
    case Reason::kClientMismatch:
      return "client_mismatch";
    case Reason::kScopeNotAllowed:
      return "scope_not_allowed";
    case Reason::kTokenMissing:
      return "token_missing";
    case Reason::kTokenNotBearer:
      return "token_not_bearer";
    case Reason::kTokenMalformed:
      return "token_malformed";
    case Reason::kTokenAlgorithmRefused:
      return "token_algorithm_refused";
    case Reason::kTokenKidMissing:
      return "token_kid_missing";
    case Reason::kTokenKidNotFound:
      return "token_kid_not_found";
    case Reason::kJwksUnavailable:
      return "jwks_unavailable";
    case Reason::kTokenBadSignature:
      return "token_bad_signature";
    case Reason::kTokenWrongIssuer:
      return "token_wrong_issuer";
    case Reason::kTokenWrongTokenUse:
      return "token_wrong_token_use";
    case Reason::kTokenExpired:
      return "token_expired";
    case Reason::kTokenExpMissing:
      return "token_exp_missing";
    case Reason::kTokenNotYetValid:
      return "token_not_yet_valid";
    case Reason::kTokenIssuedInFuture:
      return "token_issued_in_future";
    case Reason::kTokenIatMissing:
      return "token_iat_missing";
    case Reason::kTokenClientIdMissing:
      return "token_client_id_missing";
    case Reason::kTokenScopeMissing:
      return "token_scope_missing";
    case Reason::kTokenTooLarge:
      return "token_too_large";
    case Reason::kTokenJwksInvalid:
      return "token_jwks_invalid";
    case Reason::kTokenTimeOutOfRange:
      return "token_time_out_of_range";
    case Reason::kScopeMissing:
      return "scope_missing";
    case Reason::kBindingMismatch:
      return "binding_mismatch";
    case Reason::kBindingRequired:
      return "binding_required";
    case Reason::kInternalError:
      return "internal_error";
  }
  return "internal_error";
}

}  // namespace agm::mtls
