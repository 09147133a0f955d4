// ClientCertificate: fields computed from certificates made in the test, cross-checked against the
// openssl CLI, and every kind of bad input failing with its named error (never a crash).
#include "mtls/certificate.hpp"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "support/process.hpp"
#include "support/test_pki.hpp"

namespace agm::mtls {
namespace {

using agm::test::make_test_cert;
using agm::test::TestCert;
using agm::test::TestCertSpec;

std::string code_of(std::string_view pem) {
  try {
    (void)ClientCertificate::from_pem(pem);
  } catch (const CertificateError& e) {
    return e.code();
  }
  return "accepted";
}

std::string der_code_of(std::string_view der) {
  try {
    (void)ClientCertificate::from_der(der);
  } catch (const CertificateError& e) {
    return e.code();
  }
  return "accepted";
}

const TestCert& client_cert() {
  static const TestCert cert = make_test_cert(TestCertSpec{});
  return cert;
}

TEST(Certificate, ComputesThumbprintX5tNamesSerialAndValidity) {
  TestCertSpec spec;
  spec.subject = {{"C", "DE"}, {"O", "Example Org"}, {"CN", "client-1"}};
  spec.serial_hex = "0A1B2C";
  const TestCert ca = make_test_cert(TestCertSpec{{{"O", "Example"}, {"CN", "Test CA"}}});
  const TestCert t = make_test_cert(spec, &ca);
  const auto cert = ClientCertificate::from_pem(t.cert_pem);
  EXPECT_EQ(cert.der, t.der);
  EXPECT_EQ(cert.pem, t.cert_pem);
  EXPECT_EQ(cert.thumbprint, core::sha256_hex(t.der));
  EXPECT_EQ(cert.thumbprint.size(), 64U);
  EXPECT_EQ(cert.x5t_s256, core::base64url_encode(core::sha256(t.der)));
  EXPECT_EQ(cert.x5t_s256.find('='), std::string::npos);
  // RFC 4514: most specific RDN first.
  EXPECT_EQ(cert.subject_dn, "CN=client-1,O=Example Org,C=DE");
  EXPECT_EQ(cert.issuer_dn, "CN=Test CA,O=Example");
  EXPECT_EQ(cert.serial_number, "0a1b2c");
  EXPECT_EQ(core::format_rfc3339(cert.not_before), "2026-01-01T00:00:00Z");
  EXPECT_EQ(core::format_rfc3339(cert.not_after), "2027-01-01T00:00:00Z");
}

TEST(Certificate, ValidAtHonoursBoundsAndSkew) {
  const auto cert = ClientCertificate::from_pem(client_cert().cert_pem);
  using std::chrono::seconds;
  EXPECT_TRUE(cert.valid_at(cert.not_before));
  EXPECT_TRUE(cert.valid_at(cert.not_after));
  EXPECT_FALSE(cert.valid_at(cert.not_before - seconds(1)));
  EXPECT_FALSE(cert.valid_at(cert.not_after + seconds(1)));
  EXPECT_TRUE(cert.valid_at(cert.not_before - seconds(30), seconds(30)));
  EXPECT_FALSE(cert.valid_at(cert.not_before - seconds(31), seconds(30)));
  EXPECT_TRUE(cert.valid_at(cert.not_after + seconds(30), seconds(30)));
}

TEST(Certificate, FromDerMatchesFromPem) {
  const auto a = ClientCertificate::from_pem(client_cert().cert_pem);
  const auto b = ClientCertificate::from_der(client_cert().der);
  EXPECT_EQ(a.thumbprint, b.thumbprint);
  EXPECT_EQ(a.subject_dn, b.subject_dn);
  // from_der produces a PEM that parses back to the same certificate.
  EXPECT_EQ(ClientCertificate::from_pem(b.pem).der, client_cert().der);
}

// What the local gateway uses for a TLS peer: every field as from the PEM, PEM included.
TEST(Certificate, FromX509MatchesFromPem) {
  const auto a = ClientCertificate::from_pem(client_cert().cert_pem);
  const auto* p = reinterpret_cast<const unsigned char*>(client_cert().der.data());
  std::unique_ptr<X509, decltype(&X509_free)> x509(
      d2i_X509(nullptr, &p, static_cast<long>(client_cert().der.size())), X509_free);
  ASSERT_TRUE(x509);
  const auto b = ClientCertificate::from_x509(x509.get());
  EXPECT_EQ(b.der, client_cert().der);
  EXPECT_EQ(b.thumbprint, a.thumbprint);
  EXPECT_EQ(b.x5t_s256, a.x5t_s256);
  EXPECT_EQ(b.subject_dn, a.subject_dn);
  EXPECT_EQ(b.issuer_dn, a.issuer_dn);
  EXPECT_EQ(b.serial_number, a.serial_number);
  EXPECT_EQ(b.not_before, a.not_before);
  EXPECT_EQ(b.not_after, a.not_after);
  EXPECT_EQ(ClientCertificate::from_pem(b.pem).der, client_cert().der);
  try {
    (void)ClientCertificate::from_x509(nullptr);
    ADD_FAILURE() << "a null certificate was accepted";
  } catch (const CertificateError& e) {
    EXPECT_EQ(e.code(), "cert_empty");
  }
}

TEST(Certificate, SerialFormats) {
  for (const auto& [hex, expected] : std::vector<std::pair<std::string, std::string>>{
           {"01", "01"},
           {"7F", "7f"},
           {"80", "80"},  // high bit: DER adds a 00 byte, the printed form does not
           {"00FF", "ff"},
           {"0123456789ABCDEF0123456789ABCDEF01234567", "0123456789abcdef0123456789abcdef01234567"},
       }) {
    TestCertSpec spec;
    spec.serial_hex = hex;
    const auto cert = ClientCertificate::from_pem(make_test_cert(spec).cert_pem);
    EXPECT_EQ(cert.serial_number, expected) << hex;
  }
}

TEST(Certificate, Rfc4514KeepsUtf8AndEscapesSpecials) {
  TestCertSpec spec;
  spec.subject = {{"O", "Müller, Söhne & Co"}, {"CN", "Zoë+1"}};
  const auto cert = ClientCertificate::from_pem(make_test_cert(spec).cert_pem);
  EXPECT_EQ(cert.subject_dn, "CN=Zoë\\+1,O=Müller\\, Söhne & Co");
}

// The same values as `openssl x509` prints them (serial, fingerprint, RFC 2253 subject).
TEST(Certificate, AgreesWithOpensslCli) {
  TestCertSpec spec;
  spec.serial_hex = "9F00AB";
  spec.subject = {{"O", "Example Org"}, {"OU", "Team A"}, {"CN", "client-42"}};
  const TestCert t = make_test_cert(spec);
  char dir_template[] = "/tmp/agm_cert_test_XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string pem_path = dir + "/cert.pem";
  const std::string out_path = dir + "/out.txt";
  std::ofstream(pem_path) << t.cert_pem;
  {
    agm::test::ChildProcess openssl({"openssl", "x509", "-in", pem_path, "-noout", "-serial",
                                     "-fingerprint", "-sha256", "-subject", "-nameopt", "RFC2253"},
                                    {}, true, out_path);
    const auto status = openssl.wait_for(std::chrono::seconds(20));
    ASSERT_TRUE(status.has_value());
    ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  }
  std::stringstream ss;
  ss << std::ifstream(out_path).rdbuf();
  const std::string out = ss.str();
  const auto cert = ClientCertificate::from_pem(t.cert_pem);
  std::string upper_serial = cert.serial_number;
  for (auto& c : upper_serial) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  EXPECT_NE(out.find("serial=" + upper_serial + "\n"), std::string::npos) << out;
  std::string fp;
  for (std::size_t i = 0; i < cert.thumbprint.size(); i += 2) {
    if (i > 0)
      fp += ':';
    fp += static_cast<char>(std::toupper(static_cast<unsigned char>(cert.thumbprint[i])));
    fp += static_cast<char>(std::toupper(static_cast<unsigned char>(cert.thumbprint[i + 1])));
  }
  EXPECT_NE(out.find(fp), std::string::npos) << out;
  EXPECT_NE(out.find("subject=" + cert.subject_dn + "\n"), std::string::npos) << out;
  std::remove(pem_path.c_str());
  std::remove(out_path.c_str());
  rmdir(dir.c_str());
}

TEST(Certificate, AcceptsCrlfAndSurroundingWhitespace) {
  std::string crlf;
  for (const char c : client_cert().cert_pem) {
    if (c == '\n')
      crlf += '\r';
    crlf += c;
  }
  EXPECT_EQ(ClientCertificate::from_pem("\n  " + crlf + "\n\n").der, client_cert().der);
}

TEST(Certificate, EmptyInput) {
  EXPECT_EQ(code_of(""), "cert_empty");
  EXPECT_EQ(code_of(" \n\t\r\n"), "cert_empty");
  EXPECT_EQ(der_code_of(""), "cert_empty");
}

TEST(Certificate, GarbageIsNotPem) {
  EXPECT_EQ(code_of("hello world"), "cert_not_pem");
  EXPECT_EQ(code_of(std::string("\0\x01\x02\xff", 4)), "cert_not_pem");
  EXPECT_EQ(code_of(core::base64_encode(client_cert().der)), "cert_not_pem");
  EXPECT_EQ(code_of("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
            "cert_not_pem");
  EXPECT_EQ(der_code_of("garbage that is not DER"), "cert_invalid_der");
}

TEST(Certificate, TruncatedPem) {
  const std::string& pem = client_cert().cert_pem;
  EXPECT_EQ(code_of(pem.substr(0, pem.size() / 2)), "cert_truncated");
  EXPECT_EQ(code_of("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), "cert_truncated");
  // Body cut but END line kept.
  const std::size_t body = pem.find('\n') + 1;
  const std::string cut = pem.substr(0, body + 128) + "\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(code_of(cut), "cert_truncated");
  // DER cut short.
  EXPECT_EQ(der_code_of(client_cert().der.substr(0, client_cert().der.size() - 10)),
            "cert_truncated");
}

TEST(Certificate, EveryPrefixFailsCleanly) {
  const std::string& pem = client_cert().cert_pem;
  for (std::size_t n = 0; n + 1 < pem.size(); ++n) {
    const std::string code = code_of(pem.substr(0, n));
    EXPECT_NE(code, "accepted") << n;
  }
  const std::string& der = client_cert().der;
  for (std::size_t n = 0; n < der.size(); ++n) {
    EXPECT_NE(der_code_of(der.substr(0, n)), "accepted") << n;
  }
}

TEST(Certificate, FlippedBytesNeverCrash) {
  std::mt19937 rng(42);
  const std::string& der = client_cert().der;
  for (int i = 0; i < 2000; ++i) {
    std::string bad = der;
    const std::size_t pos = rng() % bad.size();
    bad[pos] = static_cast<char>(bad[pos] ^ static_cast<char>(1 + rng() % 255));
    try {
      const auto cert = ClientCertificate::from_der(bad);
      // A flip inside the signature or a value can still parse; it is then a different cert.
      EXPECT_NE(cert.thumbprint, core::sha256_hex(der));
    } catch (const CertificateError& e) {
      EXPECT_FALSE(e.code().empty());
    }
  }
}

TEST(Certificate, SeveralCertificates) {
  const TestCert other = make_test_cert(TestCertSpec{});
  EXPECT_EQ(code_of(client_cert().cert_pem + other.cert_pem), "cert_multiple");
  EXPECT_EQ(code_of(client_cert().cert_pem + client_cert().cert_pem), "cert_multiple");
}

TEST(Certificate, PrivateKeyInsteadOfCertificate) {
  EXPECT_EQ(code_of(client_cert().key_pem), "cert_is_private_key");
  EXPECT_EQ(code_of(client_cert().cert_pem + client_cert().key_pem), "cert_is_private_key");
  EXPECT_EQ(code_of("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"),
            "cert_is_private_key");
  EXPECT_EQ(code_of("-----BEGIN EC PRIVATE KEY-----\nAAAA\n"), "cert_is_private_key");
}

TEST(Certificate, HugeInput) {
  std::string huge = client_cert().cert_pem;
  huge += std::string(kMaxCertificatePemBytes, ' ');
  EXPECT_EQ(code_of(huge), "cert_too_large");
  EXPECT_EQ(code_of(std::string(10 * 1024 * 1024, 'A')), "cert_too_large");
  EXPECT_EQ(der_code_of(std::string(kMaxCertificatePemBytes + 1, '\x30')), "cert_too_large");
}

TEST(Certificate, BadBase64Body) {
  std::string pem = client_cert().cert_pem;
  const std::size_t body = pem.find('\n') + 1;
  pem[body + 10] = '*';
  EXPECT_EQ(code_of(pem), "cert_invalid_pem");
}

TEST(Certificate, ValidBase64ButNotACertificate) {
  const std::string pem = "-----BEGIN CERTIFICATE-----\n" + core::base64_encode("not a cert") +
                          "\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(code_of(pem), "cert_invalid_der");
}

TEST(Certificate, TextAroundTheBlock) {
  EXPECT_EQ(code_of("subject=CN=x\n" + client_cert().cert_pem), "cert_trailing_data");
  EXPECT_EQ(code_of(client_cert().cert_pem + "junk"), "cert_trailing_data");
}

TEST(Certificate, TrailingBytesAfterDer) {
  EXPECT_EQ(der_code_of(client_cert().der + "x"), "cert_invalid_der");
  const std::string pem = "-----BEGIN CERTIFICATE-----\n" +
                          core::base64_encode(client_cert().der + "xyz") +
                          "\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(code_of(pem), "cert_invalid_der");
}

}  // namespace
}  // namespace agm::mtls
