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
#include "functions/common/certificate_cache.hpp"

namespace agm::functions::health {

class Handler {
 public:
  Handler(const core::Clock& clock, const core::Logger& logger);
  // 200 {"status":"ok","client_id",certificate:{...}} or 403 {"message":"Forbidden"}. Never throws.
  [[nodiscard]] core::json::object respond(const core::json::value& event) const;
  [[nodiscard]] std::string handle(std::string_view payload) const;

 private:
  const core::Clock& clock_;
  const core::Logger& logger_;
  std::shared_ptr<CertificateCache> certificates_ = std::make_shared<CertificateCache>();
};

}  // namespace agm::functions::health
