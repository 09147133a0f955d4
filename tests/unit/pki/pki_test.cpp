// mtls::pki: the CA chain has the properties API Gateway and TLS stacks rely on, `openssl verify`
// accepts every issued client certificate, and each truststore refusal fires on a certificate made
// to fail it (and only there).
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "core/error.hpp"
#include "pki/pki.hpp"
#include "support/process.hpp"

namespace agm::pki {
namespace {

using std::chrono::hours;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return X509Ptr(x);
}

std::string common_name(const X509_NAME* name) {
  std::array<char, 256> buf{};
  X509_NAME_get_text_by_NID(name, NID_commonName, buf.data(), static_cast<int>(buf.size()));
  return buf.data();
}

bool ext_critical(X509* x, int nid) {
  const int idx = X509_get_ext_by_NID(x, nid, -1);
  return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, idx)) == 1;
}

int serial_bits(X509* x) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr);
  const int bits = BN_num_bits(bn);
  const bool negative = BN_is_negative(bn) != 0;
  BN_free(bn);
  return negative ? -bits : bits;
}

std::string ski(X509* x) {
  const ASN1_OCTET_STRING* id = X509_get0_subject_key_id(x);
  return id == nullptr ? std::string()
                       : std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(id)),
                                     static_cast<std::size_t>(ASN1_STRING_length(id)));
}

std::string aki(X509* x) {
  const ASN1_OCTET_STRING* id = X509_get0_authority_key_id(x);
  return id == nullptr ? std::string()
                       : std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(id)),
                                     static_cast<std::size_t>(ASN1_STRING_length(id)));
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pki-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name, const std::string& content) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs the openssl CLI; returns its exit code (-1 if it did not finish in 30 s).
int run_openssl(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  test::ChildProcess p(argv, {}, true, log);
  const auto st = p.wait_for(std::chrono::seconds(30));
  if (!st || !WIFEXITED(*st)) {
    return -1;
  }
  return WEXITSTATUS(*st);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const core::TimePoint kNow = core::SystemClock().now();

struct Chain {
  KeyAndCert root, inter;
};

Chain make_chain(KeyType type) {
  Chain c;
  c.root = create_root_ca("Test Root CA", type, days_from(kNow, 30));
  c.inter = create_intermediate_ca(c.root, "Test Intermediate CA", type, days_from(kNow, 30));
  return c;
}

TEST(Pki, ParsesKeyTypes) {
  EXPECT_EQ(parse_key_type("ec-p256"), KeyType::kEcP256);
  EXPECT_EQ(parse_key_type("rsa-2048"), KeyType::kRsa2048);
  EXPECT_EQ(parse_key_type("rsa-3072"), KeyType::kRsa3072);
  EXPECT_FALSE(parse_key_type("rsa-1024").has_value());
  EXPECT_FALSE(parse_key_type("EC-P256").has_value());
  EXPECT_FALSE(parse_key_type("").has_value());
  EXPECT_EQ(to_string(KeyType::kRsa3072), "rsa-3072");
}

TEST(Pki, DaysFromAllowsFiveMinutesOfSkew) {
  const auto v = days_from(kNow, 10);
  EXPECT_EQ(v.not_before, kNow - std::chrono::minutes(5));
  EXPECT_EQ(v.not_after, kNow + hours(240));
}

TEST(Pki, RootCaIsACriticalCaWithKeyCertSignAndSki) {
  const auto root = create_root_ca("Test Root CA", KeyType::kEcP256, days_from(kNow, 30));
  auto x = parse(root.cert_pem);
  ASSERT_TRUE(x);
  EXPECT_EQ(X509_get_version(x.get()), X509_VERSION_3);
  EXPECT_EQ(common_name(X509_get_subject_name(x.get())), "Test Root CA");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(x.get()), X509_get_issuer_name(x.get())), 0);
  const auto flags = X509_get_extension_flags(x.get());
  EXPECT_NE(flags & EXFLAG_CA, 0U);
  EXPECT_TRUE(ext_critical(x.get(), NID_basic_constraints));
  EXPECT_TRUE(ext_critical(x.get(), NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(x.get()),
            static_cast<std::uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(X509_get_pathlen(x.get()), -1) << "root has no path length limit";
  EXPECT_EQ(ski(x.get()).size(), 20U);
  EXPECT_EQ(X509_check_issued(x.get(), x.get()), X509_V_OK);
  EXPECT_NE(root.key_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
}

TEST(Pki, IntermediateHasPathLenZeroAndAkiOfTheRoot) {
  const Chain c = make_chain(KeyType::kEcP256);
  auto root = parse(c.root.cert_pem);
  auto inter = parse(c.inter.cert_pem);
  ASSERT_TRUE(root && inter);
  EXPECT_NE(X509_get_extension_flags(inter.get()) & EXFLAG_CA, 0U);
  EXPECT_TRUE(ext_critical(inter.get(), NID_basic_constraints));
  EXPECT_EQ(X509_get_pathlen(inter.get()), 0);
  EXPECT_EQ(X509_get_key_usage(inter.get()),
            static_cast<std::uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(aki(inter.get()), ski(root.get()));
  EXPECT_NE(ski(inter.get()), ski(root.get()));
  EXPECT_EQ(X509_check_issued(root.get(), inter.get()), X509_V_OK);
}

TEST(Pki, ClientCertificateIsForClientAuthOnly) {
  const Chain c = make_chain(KeyType::kEcP256);
  const auto leaf =
      issue_client_certificate(c.inter, "client-123", KeyType::kEcP256, days_from(kNow, 10));
  auto x = parse(leaf.cert_pem);
  auto inter = parse(c.inter.cert_pem);
  ASSERT_TRUE(x && inter);
  EXPECT_EQ(common_name(X509_get_subject_name(x.get())), "client-123");
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(x.get()), X509_get_subject_name(inter.get())), 0);
  const auto flags = X509_get_extension_flags(x.get());
  EXPECT_EQ(flags & EXFLAG_CA, 0U);
  EXPECT_TRUE(ext_critical(x.get(), NID_basic_constraints)) << "CA:FALSE stated explicitly";
  EXPECT_EQ(X509_get_extended_key_usage(x.get()), static_cast<std::uint32_t>(XKU_SSL_CLIENT));
  EXPECT_EQ(X509_get_key_usage(x.get()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(aki(x.get()), ski(inter.get()));
  EXPECT_EQ(X509_check_purpose(x.get(), X509_PURPOSE_SSL_CLIENT, 0), 1);
  EXPECT_NE(X509_check_purpose(x.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
}

TEST(Pki, SerialsAre128RandomPositiveBits) {
  const Chain c = make_chain(KeyType::kEcP256);
  std::set<std::string> serials;
  int max_bits = 0;
  for (int i = 0; i < 16; ++i) {
    const auto leaf = issue_client_certificate(c.inter, "c", KeyType::kEcP256, days_from(kNow, 1));
    auto x = parse(leaf.cert_pem);
    ASSERT_TRUE(x);
    const int bits = serial_bits(x.get());
    EXPECT_GT(bits, 0) << "positive";
    EXPECT_LE(bits, 127) << "top bit cleared";
    max_bits = std::max(max_bits, bits);
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x.get()), nullptr);
    char* hex = BN_bn2hex(bn);
    serials.insert(hex);
    OPENSSL_free(hex);
    BN_free(bn);
  }
  EXPECT_EQ(serials.size(), 16U) << "no repeated serial";
  // 16 draws of 127 random bits: all below 2^120 has probability 2^-112.
  EXPECT_GE(max_bits, 120);
}

TEST(Pki, ServerCertificateHasSanAndServerAuth) {
  const Chain c = make_chain(KeyType::kRsa2048);
  const auto server =
      issue_server_certificate(c.inter, {"localhost", "api.example.test"}, {"127.0.0.1"},
                               KeyType::kRsa2048, days_from(kNow, 10));
  auto x = parse(server.cert_pem);
  ASSERT_TRUE(x);
  EXPECT_EQ(common_name(X509_get_subject_name(x.get())), "localhost");
  EXPECT_EQ(X509_get_extended_key_usage(x.get()), static_cast<std::uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(X509_check_host(x.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(x.get(), "api.example.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(x.get(), "other.example.test", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(x.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(x.get(), "127.0.0.2", 0), 0);
  EXPECT_THROW(issue_server_certificate(c.inter, {}, {}, KeyType::kEcP256, days_from(kNow, 1)),
               core::Error);
  EXPECT_THROW(
      issue_server_certificate(c.inter, {}, {"not-an-ip"}, KeyType::kEcP256, days_from(kNow, 1)),
      core::Error);
}

TEST(Pki, OpensslVerifyAcceptsEveryIssuedClientCertificate) {
  TempDir dir;
  const std::string log = dir.path() + "/openssl.log";
  for (const KeyType type : {KeyType::kEcP256, KeyType::kRsa2048, KeyType::kRsa3072}) {
    SCOPED_TRACE(std::string(to_string(type)));
    const Chain c = make_chain(type);
    const std::string truststore = dir.file("truststore.pem", c.root.cert_pem + c.inter.cert_pem);
    const std::string root_only = dir.file("root.pem", c.root.cert_pem);
    const std::string inter = dir.file("intermediate.pem", c.inter.cert_pem);
    for (const KeyType leaf_type : {KeyType::kEcP256, KeyType::kRsa2048}) {
      const auto leaf = issue_client_certificate(c.inter, "client-" + std::string(to_string(type)),
                                                 leaf_type, days_from(kNow, 10));
      const std::string leaf_file = dir.file("leaf.pem", leaf.cert_pem);
      EXPECT_EQ(run_openssl({"verify", "-x509_strict", "-purpose", "sslclient", "-CAfile",
                             truststore, leaf_file},
                            log),
                0)
          << slurp(log);
      EXPECT_EQ(run_openssl({"verify", "-x509_strict", "-purpose", "sslclient", "-CAfile",
                             root_only, "-untrusted", inter, leaf_file},
                            log),
                0)
          << slurp(log);
      // The key written with the certificate is its key.
      const std::string key_file = dir.file("leaf.key", leaf.key_pem);
      EXPECT_EQ(
          run_openssl(
              {"x509", "-in", leaf_file, "-noout", "-pubkey", "-out", dir.path() + "/a.pub"}, log),
          0);
      EXPECT_EQ(
          run_openssl({"pkey", "-in", key_file, "-pubout", "-out", dir.path() + "/b.pub"}, log), 0);
      EXPECT_EQ(slurp(dir.path() + "/a.pub"), slurp(dir.path() + "/b.pub"));
    }
    // Negative control: without the intermediate the chain cannot be built, and the leaf is not
    // a server certificate.
    const auto leaf =
        issue_client_certificate(c.inter, "client", KeyType::kEcP256, days_from(kNow, 10));
    const std::string leaf_file = dir.file("leaf.pem", leaf.cert_pem);
    EXPECT_NE(run_openssl({"verify", "-CAfile", root_only, leaf_file}, log), 0);
    EXPECT_NE(
        run_openssl({"verify", "-purpose", "sslserver", "-CAfile", truststore, leaf_file}, log), 0);
  }
}

TEST(Pki, OpensslVerifyRefusesACertificateFromAnotherCa) {
  TempDir dir;
  const std::string log = dir.path() + "/openssl.log";
  const Chain ours = make_chain(KeyType::kEcP256);
  const Chain theirs = make_chain(KeyType::kEcP256);  // same names, other keys
  const auto leaf =
      issue_client_certificate(theirs.inter, "intruder", KeyType::kEcP256, days_from(kNow, 10));
  const std::string truststore =
      dir.file("truststore.pem", ours.root.cert_pem + ours.inter.cert_pem);
  EXPECT_NE(
      run_openssl({"verify", "-CAfile", truststore, dir.file("leaf.pem", leaf.cert_pem)}, log), 0);
}

TEST(Pki, RefusesAnIssuerKeyThatDoesNotMatch) {
  const Chain a = make_chain(KeyType::kEcP256);
  const Chain b = make_chain(KeyType::kEcP256);
  const KeyAndCert mixed{b.inter.key_pem, a.inter.cert_pem};
  try {
    issue_client_certificate(mixed, "c", KeyType::kEcP256, days_from(kNow, 1));
    FAIL() << "issued with a foreign key";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "pki_bad_input");
  }
  EXPECT_THROW(issue_client_certificate({"garbage", a.inter.cert_pem}, "c", KeyType::kEcP256,
                                        days_from(kNow, 1)),
               core::Error);
  EXPECT_THROW(issue_client_certificate(a.inter, "", KeyType::kEcP256, days_from(kNow, 1)),
               core::Error);
  EXPECT_THROW(
      issue_client_certificate(a.inter, std::string(65, 'a'), KeyType::kEcP256, days_from(kNow, 1)),
      core::Error);
  EXPECT_THROW(issue_client_certificate(a.inter, "c", KeyType::kEcP256, {kNow, kNow - hours(1)}),
               core::Error);
}

// --- truststore checks ---

bool has_problem(const std::vector<TruststoreProblem>& problems, const std::string& needle) {
  for (const auto& p : problems) {
    if (p.problem.find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string describe(const std::vector<TruststoreProblem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    out += p.subject + ": " + p.problem + "\n";
  }
  return out;
}

TEST(Truststore, AcceptsTheRootAndIntermediate) {
  for (const KeyType type : {KeyType::kEcP256, KeyType::kRsa2048}) {
    const Chain c = make_chain(type);
    EXPECT_TRUE(check_truststore_certificate(c.root.cert_pem, kNow).empty())
        << describe(check_truststore_certificate(c.root.cert_pem, kNow));
    EXPECT_TRUE(check_truststore_certificate(c.inter.cert_pem, kNow).empty());
  }
}

TEST(Truststore, RefusesALeafCertificate) {
  const Chain c = make_chain(KeyType::kEcP256);
  const auto leaf = issue_client_certificate(c.inter, "leaf", KeyType::kEcP256, days_from(kNow, 1));
  const auto problems = check_truststore_certificate(leaf.cert_pem, kNow);
  ASSERT_EQ(problems.size(), 1U) << describe(problems);
  EXPECT_TRUE(has_problem(problems, "not a CA"));
  EXPECT_EQ(problems[0].subject, "CN=leaf");
  // A self-signed non-CA certificate too.
  const auto self =
      issue_certificate(nullptr, "self", KeyType::kEcP256, days_from(kNow, 1), {}, {"clientAuth"});
  EXPECT_TRUE(has_problem(check_truststore_certificate(self.cert_pem, kNow), "not a CA"));
}

TEST(Truststore, RefusesAnExpiredOrNotYetValidCa) {
  IssueOptions ca;
  ca.is_ca = true;
  const auto expired = issue_certificate(nullptr, "Old CA", KeyType::kEcP256,
                                         {kNow - hours(48), kNow - hours(24)}, ca, {});
  const auto problems = check_truststore_certificate(expired.cert_pem, kNow);
  ASSERT_EQ(problems.size(), 1U) << describe(problems);
  EXPECT_TRUE(has_problem(problems, "expired"));
  // The same certificate was fine while it was valid: the check uses the time it is given.
  EXPECT_TRUE(check_truststore_certificate(expired.cert_pem, kNow - hours(36)).empty());

  const auto future = issue_certificate(nullptr, "Future CA", KeyType::kEcP256,
                                        {kNow + hours(24), kNow + hours(48)}, ca, {});
  EXPECT_TRUE(has_problem(check_truststore_certificate(future.cert_pem, kNow), "not yet valid"));
}

TEST(Truststore, RefusesSha1AndMd5Signatures) {
  IssueOptions sha1;
  sha1.is_ca = true;
  sha1.digest = "sha1";
  const auto a =
      issue_certificate(nullptr, "SHA1 CA", KeyType::kRsa2048, days_from(kNow, 1), sha1, {});
  auto problems = check_truststore_certificate(a.cert_pem, kNow);
  ASSERT_EQ(problems.size(), 1U) << describe(problems);
  EXPECT_TRUE(has_problem(problems, "weak signature algorithm (RSA-SHA1)"));

  const auto ec_sha1 =
      issue_certificate(nullptr, "ECDSA SHA1 CA", KeyType::kEcP256, days_from(kNow, 1), sha1, {});
  EXPECT_TRUE(has_problem(check_truststore_certificate(ec_sha1.cert_pem, kNow), "weak signature"));

  IssueOptions md5 = sha1;
  md5.digest = "md5";
  const auto b =
      issue_certificate(nullptr, "MD5 CA", KeyType::kRsa2048, days_from(kNow, 1), md5, {});
  problems = check_truststore_certificate(b.cert_pem, kNow);
  ASSERT_EQ(problems.size(), 1U) << describe(problems);
  EXPECT_TRUE(has_problem(problems, "weak signature algorithm (RSA-MD5)"));

  // An intermediate signed with SHA-1 by a good root is refused as well.
  const Chain c = make_chain(KeyType::kRsa2048);
  sha1.path_length = 0;
  const auto inter = issue_certificate(&c.root, "SHA1 Intermediate", KeyType::kRsa2048,
                                       days_from(kNow, 1), sha1, {});
  EXPECT_TRUE(has_problem(check_truststore_certificate(inter.cert_pem, kNow), "weak signature"));
}

TEST(Truststore, RefusesRsaKeysBelow2048Bits) {
  IssueOptions small;
  small.is_ca = true;
  small.rsa_bits = 1024;
  const auto ca =
      issue_certificate(nullptr, "Small CA", KeyType::kRsa2048, days_from(kNow, 1), small, {});
  const auto problems = check_truststore_certificate(ca.cert_pem, kNow);
  ASSERT_EQ(problems.size(), 1U) << describe(problems);
  EXPECT_TRUE(has_problem(problems, "RSA key of 1024 bits"));
}

TEST(Truststore, ReportsEveryProblemOfOneCertificate) {
  IssueOptions bad;
  bad.digest = "sha1";
  bad.rsa_bits = 1024;
  const auto cert = issue_certificate(nullptr, "Everything Wrong", KeyType::kRsa2048,
                                      {kNow - hours(48), kNow - hours(24)}, bad, {});
  const auto problems = check_truststore_certificate(cert.cert_pem, kNow);
  EXPECT_EQ(problems.size(), 4U) << describe(problems);
  EXPECT_TRUE(has_problem(problems, "not a CA"));
  EXPECT_TRUE(has_problem(problems, "expired"));
  EXPECT_TRUE(has_problem(problems, "weak signature"));
  EXPECT_TRUE(has_problem(problems, "1024 bits"));
}

TEST(Truststore, RefusesGarbage) {
  for (const std::string input :
       {"", "hello", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}) {
    const auto problems = check_truststore_certificate(input, kNow);
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_EQ(problems[0].subject, "(unparseable)");
  }
}

TEST(SplitPemBundle, ReturnsEveryCertificateBlockAndSkipsKeys) {
  const Chain c = make_chain(KeyType::kEcP256);
  const std::string bundle =
      "comment\n" + c.root.cert_pem + c.root.key_pem + "\n\n" + c.inter.cert_pem;
  const auto blocks = split_pem_bundle(bundle);
  ASSERT_EQ(blocks.size(), 2U);
  EXPECT_EQ(blocks[0], c.root.cert_pem);
  EXPECT_EQ(blocks[1], c.inter.cert_pem);
  EXPECT_TRUE(split_pem_bundle("").empty());
  EXPECT_TRUE(split_pem_bundle(c.root.key_pem).empty());
}

TEST(SplitPemBundle, RefusesATruncatedBlock) {
  const Chain c = make_chain(KeyType::kEcP256);
  const std::string truncated = c.root.cert_pem.substr(0, c.root.cert_pem.size() / 2);
  EXPECT_THROW(split_pem_bundle(c.inter.cert_pem + truncated), core::Error);
  EXPECT_THROW(split_pem_bundle(truncated + c.inter.cert_pem), core::Error)
      << "a BEGIN inside a block means the first one lost its END";
}

}  // namespace
}  // namespace agm::pki
