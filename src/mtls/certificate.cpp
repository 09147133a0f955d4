#include "mtls/certificate.hpp"

namespace agm::mtls {

ClientCertificate ClientCertificate::from_pem(std::string_view /*pem*/) {
  throw CertificateError("not_implemented", "ClientCertificate::from_pem: not implemented yet");
}
ClientCertificate ClientCertificate::from_der(std::string_view /*der*/) {
  throw CertificateError("not_implemented", "ClientCertificate::from_der: not implemented yet");
}
bool ClientCertificate::valid_at(core::TimePoint t, std::chrono::seconds skew) const {
  return not_before - skew <= t && t <= not_after + skew;
}

}  // namespace agm::mtls
