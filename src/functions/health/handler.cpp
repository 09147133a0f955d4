#include "functions/health/handler.hpp"

#include <chrono>
#include <exception>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "mtls/certificate.hpp"

namespace agm::functions::health {

namespace json = core::json;

namespace {

HttpResponse forbidden() {
  return HttpResponse::json(403, R"({"message":"Forbidden"})");
}

}  // namespace

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::kOk:
      return "ok";
    case Reason::kAuthorizerContextMissing:
      return "authorizer_context_missing";
    case Reason::kCertMissing:
      return "cert_missing";
    case Reason::kCertMismatch:
      return "cert_mismatch";
    case Reason::kCertNotYetValid:
      return "cert_not_yet_valid";
    case Reason::kCertExpired:
      return "cert_expired";
    case Reason::kCertInvalid:
      return "cert_invalid";
    case Reason::kInternalError:
      return "internal_error";
  }
  return "internal_error";
}

Handler::Handler(const core::Clock& clock, const core::Logger& logger)
    : clock_(clock), logger_(logger) {}

HttpResponse Handler::handle(const HttpRequest& request) const {
  if (request.shape == EventShape::kNotJson)
    return forbidden();
  Reason reason = Reason::kInternalError;
  std::string detail;  // appended to the reason as "<reason>:<detail>"
  try {
    const auto& approved = request.authorizer_cert_thumbprint;
    const auto& pem = request.client_cert_pem;
    if (!approved || approved->empty()) {
      reason = Reason::kAuthorizerContextMissing;
    } else if (!pem.present() || pem.value.empty()) {
      reason = Reason::kCertMissing;
    } else {
      const auto cert = certificates_->parse(pem.value);
      const core::TimePoint now = clock_.now();
      if (!core::constant_time_equal(cert->thumbprint, *approved))
        reason = Reason::kCertMismatch;
      else if (!cert->valid_at(now))
        reason = now > cert->not_after ? Reason::kCertExpired : Reason::kCertNotYetValid;
      else
        return describe(*cert, request, now);
    }
  } catch (const core::Error& e) {
    reason = Reason::kCertInvalid;
    detail = e.code();
  } catch (const std::exception& e) {
    detail = e.what();
  } catch (...) {  // NOLINT(bugprone-empty-catch): reason stays internal_error
  }
  try {
    std::string text(to_string(reason));
    if (!detail.empty())
      text += ":" + detail;
    logger_.warn("health refused", {{"reason", text}, {"request_id", request.request_id}});
  } catch (...) {  // NOLINT(bugprone-empty-catch): the 403 matters more than the log line
  }
  return forbidden();
}

HttpResponse Handler::describe(const mtls::ClientCertificate& cert, const HttpRequest& request,
                               core::TimePoint now) const {
  const auto remaining =
      std::chrono::duration_cast<std::chrono::seconds>(cert.not_after - now).count();
  json::object certificate;
  certificate["subject"] = cert.subject_dn;
  certificate["issuer"] = cert.issuer_dn;
  certificate["serial_number"] = cert.serial_number;
  certificate["not_after"] = core::format_rfc3339(cert.not_after);
  certificate["days_remaining"] = remaining / 86400;
  json::object body;
  body["status"] = "ok";
  body["client_id"] = request.authorizer_client_id ? json::value(*request.authorizer_client_id)
                                                   : json::value(nullptr);
  body["certificate"] = std::move(certificate);
  logger_.debug("health ok", {{"cert_thumbprint", cert.thumbprint}});
  return HttpResponse::json(200, json::serialize(body));
}

lambda::invocation_response Handler::fallback() {
  return lambda::invocation_response::success(
      R"({"statusCode":403,"headers":{"content-type":"application/json"},"body":"{\"message\":\"Forbidden\"}"})",
      "application/json");
}

}  // namespace agm::functions::health
