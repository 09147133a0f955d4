// The parse cache in front of ClientCertificate::from_pem (mtls/certificate_cache.hpp).
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "mtls/certificate_cache.hpp"
#include "support/fixtures.hpp"

namespace agm::mtls {
namespace {

TEST(CertificateCache, ReusesParsesOfIdenticalPemNeverCachesFailuresAndStaysBounded) {
  const test::TestPki pki;
  const auto a = pki.client("a").cert_pem;
  const auto b = pki.client("b").cert_pem;
  const auto c = pki.client("c").cert_pem;
  CertificateCache cache(2);
  const auto first = cache.parse(a);
  EXPECT_EQ(cache.parse(a).get(), first.get());
  EXPECT_EQ(first->thumbprint, ClientCertificate::from_pem(a).thumbprint);
  EXPECT_THROW(cache.parse("not a certificate"), core::Error);
  EXPECT_EQ(cache.size(), 1U);
  cache.parse(b);
  cache.parse(c);  // evicts a, the oldest
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_NE(cache.parse(a).get(), first.get());
  // A different PEM text is a different key, even for the same certificate.
  EXPECT_NE(cache.parse(a + "\n").get(), cache.parse(a).get());
}

}  // namespace
}  // namespace agm::mtls
