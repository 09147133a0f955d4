// mtls::ClientCertificate::from_pem and from_der (the certificate API Gateway forwards) on
// arbitrary bytes. Properties: only CertificateError escapes; a parsed certificate has a 64-digit
// thumbprint, and from_der(der) of it gives the same thumbprint (round trip).
#include <cstdlib>

#include "common/fuzz_support.hpp"
#include "mtls/certificate.hpp"

namespace {

void check(const agm::mtls::ClientCertificate& c) {
  if (c.thumbprint.size() != 64 || c.der.empty() || c.x5t_s256.empty())
    std::abort();
  const auto again = agm::mtls::ClientCertificate::from_der(c.der);
  if (again.thumbprint != c.thumbprint)
    std::abort();
  (void)c.valid_at(agm::test::fixed_clock().now(), std::chrono::seconds(60));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = agm::test::as_view(data, size);
  try {
    check(agm::mtls::ClientCertificate::from_pem(input));
  } catch (const agm::mtls::CertificateError&) {
  }
  try {
    check(agm::mtls::ClientCertificate::from_der(input));
  } catch (const agm::mtls::CertificateError&) {
  }
  return 0;
}
