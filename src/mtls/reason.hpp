#pragma once
// Why a request with a client certificate is refused, or that it is not: one named reason per
// rule, as a type. to_string() gives the names the logs have always used (operators' queries and
// the metrics key on them: never rename one); they never appear in a response.
#include <string_view>

namespace agm::mtls {

enum class Reason {
  kAllowed,
  // The event itself (the authorizer's REQUEST event).
  kEventMalformed,
  kRouteUnknown,
  // The certificate and its registry record (mtls/admission.hpp).
  kCertMissing,
  kCertInvalid,
  kRegistryUnavailable,
  kRecordMalformed,
  kCertNotRegistered,
  kRegistryMismatch,
  kCertRevoked,
  kCertSuspended,
  kCertNotYetValid,
  kCertExpired,
  kRecordNotYetValid,
  kRecordExpired,
  kClientMismatch,
  kScopeNotAllowed,
  // The bearer token (mtls/authorization.hpp, oauth/verifier.hpp).
  kTokenMissing,
  kTokenNotBearer,
  kTokenMalformed,
  kTokenAlgorithmRefused,
  kTokenKidMissing,
  kTokenKidNotFound,
  kJwksUnavailable,
  kTokenBadSignature,
  kTokenWrongIssuer,
  kTokenWrongTokenUse,
  kTokenExpired,
  kTokenExpMissing,
  kTokenNotYetValid,
  kTokenIssuedInFuture,
  kTokenIatMissing,
  kTokenClientIdMissing,
  kTokenScopeMissing,
  kTokenTooLarge,
  kTokenJwksInvalid,
  kTokenTimeOutOfRange,
  kScopeMissing,
  kBindingMismatch,
  kBindingRequired,
  kInternalError,
};

// "allowed", "event_malformed", "cert_not_registered", "token_expired", ...
std::string_view to_string(Reason reason);

}  // namespace agm::mtls
