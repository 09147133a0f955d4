#pragma once
// The health function (docs/contract.md section 5, GET /health behind the authorizer): checks that
// the certificate in the request is the one the authorizer approved
// (requestContext.authorizer.lambda.cert_thumbprint) and still within validity, then describes
// it. Pure: the clock and the logger are passed in.
#include <memory>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "functions/common/event.hpp"
#include "mtls/certificate_cache.hpp"

namespace agm::functions::health {

// Why a request is refused (logged only; the answer is always 403 Forbidden).
enum class Reason {
  kOk,
  kAuthorizerContextMissing,  // "authorizer_context_missing"
  kCertMissing,               // "cert_missing"
  kCertMismatch,              // "cert_mismatch": not the certificate the authorizer approved
  kCertNotYetValid,           // "cert_not_yet_valid"
  kCertExpired,               // "cert_expired"
  kCertInvalid,               // "cert_invalid:<the parse error's code>"
  kInternalError,             // "internal_error[:<what>]"
};
std::string_view to_string(Reason reason);

class Handler {
 public:
  using Request = HttpRequest;
  using Response = HttpResponse;

  Handler(const core::Clock& clock, const core::Logger& logger);
  // 200 {"status":"ok","client_id",certificate:{...}} or 403 {"message":"Forbidden"}. Never throws.
  [[nodiscard]] HttpResponse handle(const HttpRequest& request) const;
  static lambda::invocation_response fallback();

 private:
  [[nodiscard]] HttpResponse describe(const mtls::ClientCertificate& cert,
                                      const HttpRequest& request, core::TimePoint now) const;

  const core::Clock& clock_;
  const core::Logger& logger_;
  std::shared_ptr<mtls::CertificateCache> certificates_ =
      std::make_shared<mtls::CertificateCache>();
};

}  // namespace agm::functions::health
