#include "functions/health/handler.hpp"

#include <chrono>
#include <exception>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "functions/common/event.hpp"
#include "mtls/certificate.hpp"

namespace agm::functions::health {

namespace json = core::json;

namespace {

json::object forbidden() {
  return http_result(403, R"({"message":"Forbidden"})");
}

}  // namespace

Handler::Handler(const core::Clock& clock, const core::Logger& logger)
    : clock_(clock), logger_(logger) {}

json::object Handler::respond(const json::value& event) const {
  std::string reason;
  try {
    const auto approved =
        core::get_string_path(event, {"requestContext", "authorizer", "lambda", "cert_thumbprint"});
    const auto client_id =
        core::get_string_path(event, {"requestContext", "authorizer", "lambda", "client_id"});
    const auto pem = client_cert_pem(event);
    if (!approved || approved->empty()) {
      reason = "authorizer_context_missing";
    } else if (!pem.present() || pem.value.empty()) {
      reason = "cert_missing";
    } else {
      const auto parsed = certificates_->parse(pem.value);
      const mtls::ClientCertificate& cert = *parsed;
      const core::TimePoint now = clock_.now();
      if (!core::constant_time_equal(cert.thumbprint, *approved)) {
        reason = "cert_mismatch";
      } else if (!cert.valid_at(now)) {
        reason = now > cert.not_after ? "cert_expired" : "cert_not_yet_valid";
      } else {
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
        body["client_id"] = client_id ? json::value(*client_id) : json::value(nullptr);
        body["certificate"] = std::move(certificate);
        logger_.debug("health ok", {{"cert_thumbprint", cert.thumbprint}});
        return http_result(200, json::serialize(body));
      }
    }
  } catch (const core::Error& e) {
    reason = "cert_invalid:" + e.code();
  } catch (const std::exception& e) {
    reason = std::string("internal_error:") + e.what();
  } catch (...) {
    reason = "internal_error";
  }
  try {
    logger_.warn("health refused", {{"reason", reason}, {"request_id", request_id(event)}});
  } catch (...) {  // NOLINT(bugprone-empty-catch): the 403 matters more than the log line
  }
  return forbidden();
}

std::string Handler::handle(std::string_view payload) const {
  try {
    const auto event = core::parse_json(payload);
    if (!event)
      return json::serialize(forbidden());
    return json::serialize(respond(*event));
  } catch (...) {
    return R"({"statusCode":403,"headers":{"content-type":"application/json"},"body":"{\"message\":\"Forbidden\"}"})";
  }
}

}  // namespace agm::functions::health
