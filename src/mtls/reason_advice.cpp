#include "mtls/reason_advice.hpp"

#include <array>

namespace agm::mtls {
namespace {

// The cause and fix columns are docs/troubleshooting.md's "Deny reasons" table, word for word
// (tests/unit/mtls/reason_advice_test.cpp keeps them equal); the rule is docs/contract.md
// section 6's. A table rather than a switch: it is data, one row per reason.
struct Row {
  Reason reason;
  Advice advice;
};

constexpr auto kAdvice = std::to_array<Row>({
    {Reason::kAllowed, {"every rule", "(not a refusal) the request was let through", "-"}},
    {Reason::kEventMalformed,
     {"the event: payload 2.0, a route ROUTE_SCOPES lists",
      "the authorizer's event is not API Gateway's payload 2.0 (a misconfigured integration)",
      "the authorizer's payload format must be 2.0 with simple responses "
      "(infra/modules/http_api does this)"}},
    {Reason::kRouteUnknown,
     {"the event: payload 2.0, a route ROUTE_SCOPES lists",
      "the route is not in the authorizer's `ROUTE_SCOPES`",
      "a route behind the authorizer must be declared in `routes` with its scopes "
      "(docs/deploy.md)"}},
    {Reason::kCertMissing,
     {"rule 1: a client certificate", "no client certificate reached the function",
      "the custom domain must have mTLS on and be the only way in (the default endpoint is "
      "disabled)"}},
    {Reason::kCertInvalid,
     {"rule 1: a client certificate", "the PEM API Gateway passed does not parse",
      "report it: API Gateway validated it; `detail` has the parser's code"}},
    {Reason::kRegistryUnavailable,
     {"rule 2: registered, ACTIVE, inside the certificate's and the record's validity",
      "DynamoDB could not be read (timeout, throttling, permissions)",
      "`DependencyFailure{Dependency=Registry}`; the table and the role's `dynamodb:GetItem`"}},
    {Reason::kRecordMalformed,
     {"rule 2: registered, ACTIVE, inside the certificate's and the record's validity",
      "the registry record is not the contract's shape",
      "`mtlsctl client list --client-id ID` shows the record; re-register the certificate"}},
    {Reason::kCertNotRegistered,
     {"rule 2: registered, ACTIVE, inside the certificate's and the record's validity",
      "the certificate is trusted but not in the registry",
      "`mtlsctl client register --cert FILE --client-id ID` (or `mtlsctl apply` from "
      "`clients/<env>.json`)"}},
    {Reason::kRegistryMismatch,
     {"rule 2: registered, ACTIVE, inside the certificate's and the record's validity",
      "the record found is not this certificate's", "re-register the certificate"}},
    {Reason::kCertRevoked,
     {"rule 2: registered, ACTIVE, inside the certificate's and the record's validity",
      "the certificate was revoked",
      "issue a new one (`mtlsctl cert issue`, register it); revocation is final"}},
    {Reason::kCertSuspended,
     {"rule 2: registered, ACTIVE, inside the certificate's and the record's validity",
      "the certificate is suspended",
      "resume it (docs/operations.md, \"Suspend, resume, revoke\")"}},
    {Reason::kCertNotYetValid,
     {"rule 2: registered, ACTIVE, inside the certificate's and the record's validity",
      "the certificate's notBefore is in the future", "the issuer's clock; wait"}},
    {Reason::kCertExpired,
     {"rule 2: registered, ACTIVE, inside the certificate's and the record's validity",
      "the certificate's notAfter has passed",
      "rotate it (docs/operations.md, client certificates); the alarm "
      "`<prefix>-client-certificate-expiry` warns ahead"}},
    {Reason::kRecordNotYetValid,
     {"rule 2: registered, ACTIVE, inside the certificate's and the record's validity",
      "the record's not_before is in the future",
      "check the record (`mtlsctl client list --client-id ID`)"}},
    {Reason::kRecordExpired,
     {"rule 2: registered, ACTIVE, inside the certificate's and the record's validity",
      "the record's not_after has passed", "re-register the renewed certificate"}},
    {Reason::kClientMismatch,
     {"rule 5: the certificate is registered to the token's client",
      "the certificate belongs to another client than the token (or the Basic credentials "
      "at `/token`)",
      "each client uses its own certificate with its own token"}},
    {Reason::kScopeNotAllowed,
     {"rule 6: the route's scopes, held by the token and allowed by the record",
      "the record restricts the certificate's scopes and the token or request asks for another",
      "ask for a scope of the record, or change the client's `scopes` in `clients/<env>.json`"}},
    {Reason::kTokenMissing,
     {"rule 3: a Bearer RS256 JWS signed by a key of the pool's JWKS",
      "no `Authorization` header reached the authorizer", "send `Authorization: Bearer <token>`"}},
    {Reason::kTokenNotBearer,
     {"rule 3: a Bearer RS256 JWS signed by a key of the pool's JWKS",
      "the header is not `Bearer <token>`", "use the Bearer scheme"}},
    {Reason::kTokenMalformed,
     {"rule 3: a Bearer RS256 JWS signed by a key of the pool's JWKS",
      "the token is not a JWT (three base64url parts, JSON header and claims)",
      "send the `access_token` exactly as `/token` returned it"}},
    {Reason::kTokenAlgorithmRefused,
     {"rule 3: a Bearer RS256 JWS signed by a key of the pool's JWKS",
      "the token's `alg` is not RS256", "only Cognito's tokens are accepted"}},
    {Reason::kTokenKidMissing,
     {"rule 3: a Bearer RS256 JWS signed by a key of the pool's JWKS",
      "the token's header has no `kid`", "only Cognito's tokens are accepted"}},
    {Reason::kTokenKidNotFound,
     {"rule 3: a Bearer RS256 JWS signed by a key of the pool's JWKS",
      "the `kid` is not in the user pool's JWKS (a token of another pool, or a made-up key)",
      "tokens from this environment's `/token` only"}},
    {Reason::kJwksUnavailable,
     {"rule 3: a Bearer RS256 JWS signed by a key of the pool's JWKS",
      "the JWKS could not be fetched",
      "`DependencyFailure{Dependency=Jwks}`; the function's outbound HTTPS to "
      "`cognito-idp.<region>.amazonaws.com`"}},
    {Reason::kTokenBadSignature,
     {"rule 3: a Bearer RS256 JWS signed by a key of the pool's JWKS",
      "the signature does not verify (a changed token)", "send the token unchanged"}},
    {Reason::kTokenWrongIssuer,
     {"rule 4: the pool's issuer, an access token, inside its times", "`iss` is not this user pool",
      "a token of another environment or pool"}},
    {Reason::kTokenWrongTokenUse,
     {"rule 4: the pool's issuer, an access token, inside its times",
      "`token_use` is not `access` (an ID token)", "send the access token"}},
    {Reason::kTokenExpired,
     {"rule 4: the pool's issuer, an access token, inside its times", "`exp` has passed",
      "get a new token (`/token`); `CLOCK_SKEW_SECONDS` allows for clock skew"}},
    {Reason::kTokenExpMissing,
     {"rule 4: the pool's issuer, an access token, inside its times", "the token has no `exp`",
      "only Cognito's tokens are accepted"}},
    {Reason::kTokenNotYetValid,
     {"rule 4: the pool's issuer, an access token, inside its times", "`nbf` is in the future",
      "the clocks; `CLOCK_SKEW_SECONDS`"}},
    {Reason::kTokenIssuedInFuture,
     {"rule 4: the pool's issuer, an access token, inside its times", "`iat` is in the future",
      "the clocks; `CLOCK_SKEW_SECONDS`"}},
    {Reason::kTokenIatMissing,
     {"rule 4: the pool's issuer, an access token, inside its times", "the token has no `iat`",
      "only Cognito's tokens are accepted"}},
    {Reason::kTokenClientIdMissing,
     {"rule 4: the pool's issuer, an access token, inside its times",
      "the token has no `client_id`", "only client_credentials access tokens are accepted"}},
    {Reason::kTokenScopeMissing,
     {"rule 4: the pool's issuer, an access token, inside its times", "the token has no `scope`",
      "ask `/token` for a scope"}},
    {Reason::kTokenTooLarge,
     {"rule 3: a Bearer RS256 JWS signed by a key of the pool's JWKS",
      "the token is longer than the authorizer accepts", "not a Cognito access token"}},
    {Reason::kTokenJwksInvalid,
     {"rule 3: a Bearer RS256 JWS signed by a key of the pool's JWKS",
      "the JWKS fetched is not a valid key set",
      "report it; the function keeps refusing until a valid set is fetched"}},
    {Reason::kTokenTimeOutOfRange,
     {"rule 4: the pool's issuer, an access token, inside its times",
      "`exp`, `iat` or `nbf` outside the years 0000-9999", "not a Cognito token"}},
    {Reason::kScopeMissing,
     {"rule 6: the route's scopes, held by the token and allowed by the record",
      "the token lacks the scope the route needs (`ROUTE_SCOPES`)",
      "ask `/token` for the route's scope; the client must be allowed it"}},
    {Reason::kBindingMismatch,
     {"rule 7: the token is bound to this certificate (RFC 8705)",
      "the token is bound to another certificate (`cert_thumbprint` claim)",
      "use the certificate the token was issued to"}},
    {Reason::kBindingRequired,
     {"rule 7: the token is bound to this certificate (RFC 8705)",
      "`REQUIRE_CERT_BOUND_TOKEN` is on and the token carries no binding",
      "get the token through this environment's `/token` with `cert_bound_tokens` on"}},
    {Reason::kInternalError,
     {"none (the check itself failed, so it denies)",
      "a bug or resource exhaustion in the function (it denies: fail closed)",
      "the function's log `detail`; report it"}},
});

}  // namespace

Advice advice(Reason reason) {
  for (const auto& [r, a] : kAdvice) {
    if (r == reason)
      return a;
  }
  return {"unknown", "an unknown reason", "report it"};
}

}  // namespace agm::mtls
