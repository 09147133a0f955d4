#pragma once
// The authorizer's whole decision (docs/contract.md section 6) for a client certificate, the
// request's Authorization header and the scopes its route needs, as a library: the authorizer
// function asks it for every request, and a tool may ask it the same question against a live
// registry and JWKS. Rules, in order:
//   1. a client certificate, parsed strictly;
//   2. admit_certificate (mtls/admission.hpp): registered, ACTIVE, valid now;
//   3-4. a Bearer JWS the verifier accepts (oauth/verifier.hpp);
//   6a. the token holds every scope of the route;
//   5, 6b. admit_client: the certificate is registered to the token's client, and the record
//      allows the route's scopes;
//   7. RFC 8705 binding: the token's cnf x5t#S256 is the certificate's, when the token has one
//      or when bound tokens are required.
// Never throws: an exception is kInternalError.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/field.hpp"
#include "core/time.hpp"
#include "mtls/certificate_cache.hpp"
#include "mtls/reason.hpp"
#include "mtls/registry.hpp"
#include "oauth/verifier.hpp"

namespace agm::mtls {

struct Authorization {
  Reason reason = Reason::kInternalError;
  std::string detail;      // for the log line only (never a secret)
  std::string client_id;   // the record's, once read
  std::string thumbprint;  // the certificate's, once parsed
  // On allow: the token's scopes (space-separated) and the certificate's notAfter.
  std::string scope;
  core::TimePoint cert_not_after;
  [[nodiscard]] bool allowed() const { return reason == Reason::kAllowed; }
};

// The token verifier's reason as the authorizer logs it ("token_expired", "jwks_unavailable").
Reason token_reason(oauth::TokenError error);

class Authorizer {
 public:
  Authorizer(RegistryReader& registry, const oauth::AccessTokenVerifier& verifier,
             bool require_cert_bound_token);

  // `cert_pem` empty: no certificate. `authorization`: the Authorization header as the request
  // carried it (absent, a string, or of the wrong type).
  [[nodiscard]] Authorization decide(std::string_view cert_pem,
                                     const core::Field<std::string>& authorization,
                                     const std::vector<std::string>& scopes,
                                     core::TimePoint now) const;

 private:
  [[nodiscard]] Authorization decide_unchecked(std::string_view cert_pem,
                                               const core::Field<std::string>& authorization,
                                               const std::vector<std::string>& scopes,
                                               core::TimePoint now) const;

  RegistryReader& registry_;
  const oauth::AccessTokenVerifier& verifier_;
  bool require_cert_bound_token_;
  // Parsed certificates by PEM text (see certificate_cache.hpp for why this is safe).
  std::shared_ptr<CertificateCache> certificates_ = std::make_shared<CertificateCache>();
};

}  // namespace agm::mtls
