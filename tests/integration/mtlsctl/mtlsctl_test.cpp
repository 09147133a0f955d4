// The built mtlsctl binary end to end: --help everywhere, exit codes (0 / 1 with one line / 2),
// CA and certificate files with their modes and no-overwrite, the registry against dynalite,
// `client create` against Cognito, and S3/SSM requests whose SigV4 signatures are recomputed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "aws/cognito_idp.hpp"
#include "aws/dynamodb.hpp"
#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "harness.hpp"
#include "mtls/dynamo_registry.hpp"
#include "mtls/registry.hpp"
#include "pki/pki.hpp"
#include "support/dynalite.hpp"
#include "support/dynamodb_tables.hpp"
#include "support/loopback_server.hpp"
#include "support/process.hpp"
#include "support/sigv4_verify.hpp"

namespace agm::mtlsctl {
namespace {

using std::chrono::seconds;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace agm::test;

// What a loopback handler (on the server's thread) found wrong; read by the test afterwards.
class Failure {
 public:
  Failure& operator=(std::string text) {
    const std::lock_guard<std::mutex> lock(mutex_);
    text_ = std::move(text);
    return *this;
  }
  [[nodiscard]] std::string get() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }

 private:
  mutable std::mutex mutex_;
  std::string text_;
};

// --- SigV4: recompute the signature of what the server received ---

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep)) {
    out.push_back(item);
  }
  return out;
}

// "" when the Authorization header of `req` is our key's signature of it, otherwise what differs.
std::string check_sigv4(const test::HttpRequest& req, const std::string& service, bool s3) {
  return test::verify_sigv4(req, {{kAccessKey, kSecretKey, ""}, kRegion, service, s3, {}});
}

// --- usage ---

TEST(MtlsctlUsage, HelpOnEveryLevelExitsZero) {
  const std::vector<std::vector<std::string>> helps = {
      {"--help"},
      {"ca", "--help"},
      {"ca", "init", "--help"},
      {"cert", "--help"},
      {"cert", "issue", "--help"},
      {"cert", "issue-server", "--help"},
      {"cert", "inspect", "--help"},
      {"client", "--help"},
      {"client", "create", "--help"},
      {"client", "register", "--help"},
      {"client", "revoke", "--help"},
      {"client", "list", "--help"},
      {"truststore", "--help"},
      {"truststore", "build", "--help"},
      {"truststore", "publish", "--help"},
      {"truststore", "store", "--help"},
  };
  for (const auto& args : helps) {
    const Result r = run(args);
    EXPECT_EQ(r.exit_code, 0) << args.front() << " " << args.back() << "\n" << r;
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << r;
  }
  // Each level lists what is below it.
  EXPECT_NE(run({"--help"}).out.find("truststore"), std::string::npos);
  EXPECT_NE(run({"client", "--help"}).out.find("revoke"), std::string::npos);
  EXPECT_NE(run({"ca", "init", "--help"}).out.find("--key-type"), std::string::npos);
}

TEST(MtlsctlUsage, BadUsageExitsTwo) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"nonsense"},
      {"ca"},
      {"ca", "init"},
      {"ca", "init", "--dir", "x", "--key-type", "dsa-1024"},
      {"ca", "init", "--dir", "x", "--days", "0"},
      {"ca", "init", "--dir", "x", "--unknown-flag"},
      {"cert", "issue", "--ca-dir", "x", "--out-dir", "y"},
      {"cert", "issue-server", "--ca-dir", "x", "--out-dir", "y"},
      {"cert", "inspect"},
      {"client", "create", "--name", "n"},
      {"client", "register", "--cert", "c"},
      {"client", "revoke"},
      {"client", "revoke", "--cert", "c", "--thumbprint", "ab"},
      {"truststore", "build", "--out", "x"},
      {"truststore", "publish", "--file", "f"},
      {"truststore", "store", "--file", "f"},
  };
  for (const auto& args : bad) {
    const Result r = run(args);
    std::string joined;
    for (const auto& a : args) {
      joined += a + " ";
    }
    EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r;
    EXPECT_FALSE(r.err.empty()) << joined;
  }
}

// --- CA and certificates ---

class MtlsctlFiles : public ::testing::Test {
 protected:
  TempDir tmp_;
  std::string ca_ = tmp_ / "ca";
  std::string out_ = tmp_ / "out";
};

TEST_F(MtlsctlFiles, CaInitWritesTheChainWithPrivateKeysAndNeverOverwrites) {
  Result r = run({"ca", "init", "--dir", ca_, "--name", "Test", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const json::value paths = parse_out(r);
  EXPECT_EQ(str(paths, "truststore"), ca_ + "/truststore.pem");
  EXPECT_EQ(mode_of(ca_), 0700U) << "a new CA directory is private";
  EXPECT_EQ(mode_of(ca_ + "/root-ca.key"), 0600U);
  EXPECT_EQ(mode_of(ca_ + "/intermediate-ca.key"), 0600U);
  EXPECT_EQ(mode_of(ca_ + "/root-ca.pem"), 0644U);
  EXPECT_EQ(mode_of(ca_ + "/intermediate-ca.pem"), 0644U);
  const std::string root = slurp(ca_ + "/root-ca.pem");
  const std::string inter = slurp(ca_ + "/intermediate-ca.pem");
  EXPECT_EQ(slurp(ca_ + "/truststore.pem"), root + inter) << "root and intermediate";
  EXPECT_TRUE(pki::check_truststore_certificate(root, agm::core::SystemClock().now()).empty());
  EXPECT_TRUE(pki::check_truststore_certificate(inter, agm::core::SystemClock().now()).empty());
  // Only tmp files of ours would be left behind on failure; none on success.
  for (const auto& entry : fs::directory_iterator(ca_)) {
    EXPECT_EQ(entry.path().filename().string().rfind(".mtlsctl-", 0), std::string::npos);
  }

  // Again: refused, one line, nothing changed.
  r = run({"ca", "init", "--dir", ca_});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
  EXPECT_EQ(r.err.rfind("mtlsctl: ", 0), 0U) << r;
  EXPECT_NE(r.err.find("exists"), std::string::npos) << r;
  EXPECT_EQ(slurp(ca_ + "/root-ca.pem"), root);
  // One file present is enough to refuse, before anything is written.
  fs::remove(ca_ + "/root-ca.pem");
  r = run({"ca", "init", "--dir", ca_});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_FALSE(fs::exists(ca_ + "/root-ca.pem"));

  r = run({"ca", "init", "--dir", ca_, "--force", "--key-type", "rsa-2048"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(slurp(ca_ + "/intermediate-ca.pem"), inter);
  EXPECT_EQ(mode_of(ca_ + "/root-ca.key"), 0600U);
  EXPECT_NE(slurp(ca_ + "/root-ca.key").find("BEGIN PRIVATE KEY"), std::string::npos);
}

TEST_F(MtlsctlFiles, CertIssueWritesKeyLeafAndChainThatOpensslVerifies) {
  ASSERT_EQ(run({"ca", "init", "--dir", ca_}).exit_code, 0);
  Result r = run({"cert", "issue", "--ca-dir", ca_, "--client-id", "client42", "--out-dir", out_,
                  "--days", "30", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const json::value issued = parse_out(r);
  const std::string key = out_ + "/client42.key";
  const std::string leaf = out_ + "/client42.pem";
  const std::string chain = out_ + "/client42-chain.pem";
  EXPECT_EQ(str(issued, "key"), key);
  EXPECT_EQ(str(issued, "certificate"), leaf);
  EXPECT_EQ(str(issued, "chain"), chain);
  EXPECT_EQ(mode_of(key), 0600U);
  EXPECT_EQ(mode_of(leaf), 0644U);
  const std::string leaf_pem = slurp(leaf);
  EXPECT_EQ(slurp(chain), leaf_pem + slurp(ca_ + "/intermediate-ca.pem"));
  const std::string thumbprint = thumbprint_of_pem(leaf_pem);
  ASSERT_EQ(thumbprint.size(), 64U);
  EXPECT_EQ(str(issued, "thumbprint"), thumbprint);
  const auto der_hash = core::sha256(*core::base64_decode([&] {
    std::string b;
    for (const auto& line : split(leaf_pem, '\n')) {
      if (line.rfind("-----", 0) != 0) {
        b += line;
      }
    }
    return b;
  }()));
  EXPECT_EQ(str(issued, "x5t#S256"), core::base64url_encode(der_hash));

  EXPECT_EQ(run_openssl_verify({"-purpose", "sslclient", "-CAfile", ca_ + "/truststore.pem", leaf}),
            0);
  EXPECT_EQ(run_openssl_verify({"-purpose", "sslclient", "-CAfile", ca_ + "/root-ca.pem",
                                "-untrusted", ca_ + "/intermediate-ca.pem", leaf}),
            0);

  // Human output names the same thumbprint.
  r = run({"cert", "issue", "--ca-dir", ca_, "--client-id", "other", "--out-dir", out_});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find(thumbprint_of_pem(slurp(out_ + "/other.pem"))), std::string::npos) << r;

  // No overwrite without --force; with it, a new key and certificate.
  const std::string old_key = slurp(key);
  r = run({"cert", "issue", "--ca-dir", ca_, "--client-id", "client42", "--out-dir", out_});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
  EXPECT_EQ(slurp(key), old_key);
  r = run({"cert", "issue", "--ca-dir", ca_, "--client-id", "client42", "--out-dir", out_,
           "--force", "--key-type", "rsa-2048"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(slurp(key), old_key);
  EXPECT_EQ(mode_of(key), 0600U);

  // A certificate that would outlive the intermediate CA is refused, naming what works.
  const std::string short_ca = tmp_ / "short-ca";
  ASSERT_EQ(run({"ca", "init", "--dir", short_ca, "--days", "10"}).exit_code, 0);
  r = run({"cert", "issue", "--ca-dir", short_ca, "--client-id", "long", "--out-dir", out_,
           "--days", "30"});
  EXPECT_EQ(r.exit_code, 1) << r;
  // 10 when the CA was made within the same second (times are whole seconds), else 9.
  EXPECT_TRUE(r.err.find("--days 9 or less") != std::string::npos ||
              r.err.find("--days 10 or less") != std::string::npos)
      << r;
  EXPECT_FALSE(fs::exists(out_ + "/long.pem"));
  r = run({"cert", "issue", "--ca-dir", short_ca, "--client-id", "long", "--out-dir", out_,
           "--days", "9"});
  EXPECT_EQ(r.exit_code, 0) << r;

  // A client id that would escape the output directory, a missing CA: exit 1, one line.
  r = run({"cert", "issue", "--ca-dir", ca_, "--client-id", "../evil", "--out-dir", out_});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_FALSE(fs::exists(tmp_ / "evil.pem"));
  r = run({"cert", "issue", "--ca-dir", tmp_ / "nope", "--client-id", "c", "--out-dir", out_});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
  EXPECT_NE(r.err.find("intermediate-ca"), std::string::npos) << r;
}

TEST_F(MtlsctlFiles, CertIssueServerWritesServerCertificateWithSan) {
  ASSERT_EQ(run({"ca", "init", "--dir", ca_}).exit_code, 0);
  const Result r = run({"cert", "issue-server", "--ca-dir", ca_, "--out-dir", out_, "--dns",
                        "localhost", "gw.local.test", "--ip", "127.0.0.1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(mode_of(out_ + "/server.key"), 0600U);
  const std::string server = out_ + "/server.pem";
  for (const char* host : {"localhost", "gw.local.test"}) {
    EXPECT_EQ(run_openssl_verify({"-purpose", "sslserver", "-verify_hostname", host, "-CAfile",
                                  ca_ + "/truststore.pem", server}),
              0)
        << host;
  }
  EXPECT_EQ(run_openssl_verify({"-purpose", "sslserver", "-verify_ip", "127.0.0.1", "-CAfile",
                                ca_ + "/truststore.pem", server}),
            0);
  EXPECT_NE(run_openssl_verify({"-purpose", "sslserver", "-verify_hostname", "evil.test", "-CAfile",
                                ca_ + "/truststore.pem", server}),
            0);
  EXPECT_EQ(slurp(out_ + "/server-chain.pem"), slurp(server) + slurp(ca_ + "/intermediate-ca.pem"));
}

TEST_F(MtlsctlFiles, CertInspectPrintsTheIdentity) {
  ASSERT_EQ(run({"ca", "init", "--dir", ca_, "--name", "Inspect"}).exit_code, 0);
  ASSERT_EQ(
      run({"cert", "issue", "--ca-dir", ca_, "--client-id", "abc", "--out-dir", out_}).exit_code,
      0);
  const std::string leaf_pem = slurp(out_ + "/abc.pem");
  for (const std::string& file : {out_ + "/abc.pem", out_ + "/abc-chain.pem"}) {
    const Result r = run({"cert", "inspect", file, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r;
    const json::value v = parse_out(r);
    EXPECT_EQ(str(v, "subject"), "CN=abc");
    EXPECT_EQ(str(v, "issuer"), "CN=Inspect Intermediate CA");
    EXPECT_EQ(str(v, "thumbprint"), thumbprint_of_pem(leaf_pem)) << "the leaf of a chain";
    EXPECT_EQ(str(v, "serial_number").size(), 32U);
    const auto nb = core::parse_rfc3339(str(v, "not_before"));
    const auto na = core::parse_rfc3339(str(v, "not_after"));
    ASSERT_TRUE(nb && na);
    EXPECT_NEAR(std::chrono::duration<double>(*na - *nb).count(), 365 * 86400 + 300, 5);
  }
  const Result human = run({"cert", "inspect", out_ + "/abc.pem"});
  ASSERT_EQ(human.exit_code, 0);
  EXPECT_NE(human.out.find("x5t#S256:"), std::string::npos);
  EXPECT_NE(human.out.find(thumbprint_of_pem(leaf_pem)), std::string::npos);

  spit(tmp_ / "garbage.pem", "not a certificate\n");
  Result r = run({"cert", "inspect", tmp_ / "garbage.pem"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
  r = run({"cert", "inspect", tmp_ / "missing.pem"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("missing.pem"), std::string::npos) << r;
}

// --- truststore build ---

TEST_F(MtlsctlFiles, TruststoreBuildAcceptsCasAndRefusesEachProblemOnItsOwnLine) {
  ASSERT_EQ(run({"ca", "init", "--dir", ca_}).exit_code, 0);
  const std::string bundle = tmp_ / "bundle.pem";
  Result r = run({"truststore", "build", "--out", bundle, ca_ + "/root-ca.pem",
                  ca_ + "/intermediate-ca.pem", ca_ + "/truststore.pem", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(slurp(bundle), slurp(ca_ + "/truststore.pem")) << "duplicates kept once";
  EXPECT_EQ(core::get_int(parse_out(r), "certificates"), 2);
  r = run({"truststore", "build", "--out", bundle, ca_ + "/root-ca.pem"});
  EXPECT_EQ(r.exit_code, 1) << "no overwrite without --force\n" << r;

  // One certificate per problem, made to fail it.
  const auto now = agm::core::SystemClock().now();
  pki::IssueOptions ca_opts;
  ca_opts.is_ca = true;
  const auto expired = pki::issue_certificate(
      nullptr, "Expired CA", pki::KeyType::kEcP256,
      {now - std::chrono::hours(48), now - std::chrono::hours(24)}, ca_opts, {});
  auto sha1_opts = ca_opts;
  sha1_opts.digest = "sha1";
  const auto sha1 = pki::issue_certificate(nullptr, "SHA1 CA", pki::KeyType::kRsa2048,
                                           pki::days_from(now, 10), sha1_opts, {});
  auto small_opts = ca_opts;
  small_opts.rsa_bits = 1024;
  const auto small = pki::issue_certificate(nullptr, "Small CA", pki::KeyType::kRsa2048,
                                            pki::days_from(now, 10), small_opts, {});
  ASSERT_EQ(
      run({"cert", "issue", "--ca-dir", ca_, "--client-id", "leaf", "--out-dir", out_}).exit_code,
      0);
  spit(tmp_ / "expired.pem", expired.cert_pem);
  spit(tmp_ / "sha1.pem", sha1.cert_pem);
  spit(tmp_ / "small.pem", small.cert_pem);

  const std::string refused = tmp_ / "refused.pem";
  struct Case {
    std::string file;
    std::string needle;
  };
  for (const Case& c :
       {Case{out_ + "/leaf.pem", "not a CA"}, Case{tmp_ / "expired.pem", "expired"},
        Case{tmp_ / "sha1.pem", "weak signature"}, Case{tmp_ / "small.pem", "1024 bits"}}) {
    r = run({"truststore", "build", "--out", refused, ca_ + "/root-ca.pem", c.file});
    EXPECT_EQ(r.exit_code, 1) << c.file << "\n" << r;
    EXPECT_EQ(count_lines(r.err), 1U) << r;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r;
    EXPECT_NE(r.err.find(c.file), std::string::npos) << "names the file\n" << r;
    EXPECT_FALSE(fs::exists(refused)) << "nothing written on refusal";
  }
  // All at once: one line each, every line prefixed.
  r = run({"truststore", "build", "--out", refused, out_ + "/leaf.pem", tmp_ / "expired.pem",
           tmp_ / "sha1.pem", tmp_ / "small.pem"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 4U) << r;
  for (const auto& line : split(r.err, '\n')) {
    EXPECT_EQ(line.rfind("mtlsctl: ", 0), 0U) << line;
  }
  spit(tmp_ / "empty.pem", "");
  r = run({"truststore", "build", "--out", refused, tmp_ / "empty.pem"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("no CERTIFICATE"), std::string::npos) << r;
}

// --- registry against dynalite ---

class MtlsctlRegistry : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dynalite_ = std::make_unique<test::Dynalite>();
    aws::DynamoDb db(dynalite_config(dynalite_->endpoint()));
    ASSERT_NO_THROW(
        test::create_table_and_wait(db, mtls::DynamoRegistry::create_table_request(kTable)));
  }
  static void TearDownTestSuite() { dynalite_.reset(); }

  void SetUp() override {
    ASSERT_EQ(run({"ca", "init", "--dir", ca_}).exit_code, 0);
    env_ = aws_env();
    env_["AWS_ENDPOINT_URL_DYNAMODB"] = dynalite_->endpoint();
    env_["CERT_TABLE_NAME"] = kTable;
  }

  std::string issue(const std::string& client_id, const std::string& dir_name) {
    const std::string dir = tmp_ / dir_name;
    EXPECT_EQ(run({"cert", "issue", "--ca-dir", ca_, "--client-id", client_id, "--out-dir", dir})
                  .exit_code,
              0);
    return dir + "/" + client_id + ".pem";
  }

  // Two registered certificates of `client`; the second item then loses subject_dn, as a hand
  // edit could. Returns their thumbprints; `broken_cert` is the second one's file.
  std::pair<std::string, std::string> make_good_and_malformed(const std::string& client,
                                                              std::string& broken_cert) {
    const std::string good = issue(client, client + "-good");
    broken_cert = issue(client, client + "-broken");
    for (const auto& file : {good, broken_cert}) {
      EXPECT_EQ(run({"client", "register", "--cert", file, "--client-id", client}, env_).exit_code,
                0);
    }
    const std::string broken = thumbprint_of_pem(slurp(broken_cert));
    aws::DynamoDb db(dynalite_config(dynalite_->endpoint()));
    const json::object key{{"thumbprint", json::object{{"S", broken}}}};
    auto item = db.get_item(kTable, key, std::chrono::steady_clock::now() + seconds(10), true);
    EXPECT_TRUE(item.has_value());
    if (item) {
      item->erase("subject_dn");
      db.put_item(kTable, *item, std::chrono::steady_clock::now() + seconds(10));
    }
    return {thumbprint_of_pem(slurp(good)), broken};
  }

  std::optional<mtls::RegistryRecord> find(const std::string& thumbprint) {
    aws::DynamoDb db(dynalite_config(dynalite_->endpoint()));
    mtls::DynamoRegistry registry(db, kTable, std::chrono::milliseconds(10000));
    return registry.find(thumbprint);
  }

  static std::unique_ptr<test::Dynalite> dynalite_;
  TempDir tmp_;
  std::string ca_ = tmp_ / "ca";
  std::map<std::string, std::string> env_;
};
std::unique_ptr<test::Dynalite> MtlsctlRegistry::dynalite_;

TEST_F(MtlsctlRegistry, RegisterListRevoke) {
  const std::string cert = issue("client-a", "a1");
  const std::string thumbprint = thumbprint_of_pem(slurp(cert));

  Result r = run({"client", "register", "--cert", cert, "--client-id", "client-a"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find(thumbprint), std::string::npos) << r;
  auto rec = find(thumbprint);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->client_id, "client-a");
  EXPECT_EQ(rec->status, mtls::CertStatus::kActive);
  EXPECT_EQ(rec->subject_dn, "CN=client-a");
  EXPECT_FALSE(rec->scopes.has_value()) << "no --scopes: any scope of the client";

  // Registered twice: exit 1, one clear line.
  r = run({"client", "register", "--cert", cert, "--client-id", "client-a"}, env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
  EXPECT_NE(r.err.find("already registered"), std::string::npos) << r;

  // A second certificate of the same client (rotation), limited to one scope.
  const std::string cert2 = issue("client-a", "a2");
  const std::string thumbprint2 = thumbprint_of_pem(slurp(cert2));
  r = run({"client", "register", "--cert", cert2, "--client-id", "client-a", "--scopes",
           "mtls-api/health.read", "--json"},
          env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(str(parse_out(r), "thumbprint"), thumbprint2);
  rec = find(thumbprint2);
  ASSERT_TRUE(rec.has_value());
  ASSERT_TRUE(rec->scopes.has_value());
  EXPECT_EQ(*rec->scopes, std::vector<std::string>{"mtls-api/health.read"});

  const std::string cert3 = issue("client-b", "b1");
  ASSERT_EQ(run({"client", "register", "--cert", cert3, "--client-id", "client-b"}, env_).exit_code,
            0);

  // list by client (the index) and all (a scan).
  r = run({"client", "list", "--client-id", "client-a", "--json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  json::value listed = parse_out(r);
  ASSERT_TRUE(listed.is_array()) << r;
  ASSERT_EQ(listed.as_array().size(), 2U) << r;
  for (const auto& item : listed.as_array()) {
    EXPECT_EQ(str(item, "client_id"), "client-a");
    EXPECT_EQ(str(item, "status"), "ACTIVE");
  }
  r = run({"client", "list", "--json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_GE(parse_out(r).as_array().size(), 3U);
  r = run({"client", "list", "--client-id", "nobody", "--json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(parse_out(r).as_array().empty());
  r = run({"client", "list", "--client-id", "client-a"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out.rfind("THUMBPRINT", 0), 0U) << r;
  EXPECT_NE(r.out.find(thumbprint), std::string::npos);
  EXPECT_NE(r.out.find(thumbprint2), std::string::npos);
  EXPECT_EQ(count_lines(r.out), 3U) << r;

  // Revoke by certificate file, then by thumbprint written as openssl prints it.
  // Only RFC 5280's reasons (either spelling); a hold is `client suspend`.
  for (const char* bad : {"key compromise", "certificate-hold", "removeFromCRL"}) {
    EXPECT_EQ(run({"client", "revoke", "--cert", cert, "--reason", bad}, env_).exit_code, 2) << bad;
  }
  EXPECT_EQ(find(thumbprint)->status, mtls::CertStatus::kActive);
  r = run({"client", "revoke", "--cert", cert, "--reason", "keyCompromise"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  rec = find(thumbprint);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->status, mtls::CertStatus::kRevoked);
  EXPECT_EQ(rec->revocation_reason, "key-compromise");
  EXPECT_TRUE(rec->revoked_at.has_value());
  std::string colons;
  for (std::size_t i = 0; i < thumbprint2.size(); i += 2) {
    colons += (colons.empty() ? "" : ":") + core::to_lower(thumbprint2.substr(i, 2));
  }
  std::transform(colons.begin(), colons.end(), colons.begin(),
                 [](char c) { return static_cast<char>(std::toupper(c)); });
  r = run({"client", "revoke", "--thumbprint", colons, "--json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(str(parse_out(r), "status"), "REVOKED");
  EXPECT_EQ(find(thumbprint2)->status, mtls::CertStatus::kRevoked);
  EXPECT_EQ(find(thumbprint_of_pem(slurp(cert3)))->status, mtls::CertStatus::kActive)
      << "the other client untouched";

  // Unknown and malformed thumbprints.
  r = run({"client", "revoke", "--thumbprint", std::string(64, 'a')}, env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("not registered"), std::string::npos) << r;
  r = run({"client", "revoke", "--thumbprint", "xyz"}, env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
}

// A chain file as `cert issue` writes it (leaf, then its CA) registers the leaf; a file whose
// other certificates are not CAs, or that starts with a CA, is refused naming the certificate and
// the file to use instead.
TEST_F(MtlsctlRegistry, RegistersTheLeafOfAChainFileAndRefusesOtherBundles) {
  const std::string leaf = issue("client-chain", "ch1");
  const std::string chain = tmp_ / "ch1/client-chain-chain.pem";
  Result r =
      run({"client", "register", "--cert", chain, "--client-id", "client-chain", "--json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(str(parse_out(r), "thumbprint"), thumbprint_of_pem(slurp(leaf)));
  ASSERT_TRUE(find(thumbprint_of_pem(slurp(leaf))).has_value());
  EXPECT_EQ(find(thumbprint_of_pem(slurp(leaf)))->subject_dn, "CN=client-chain");
  // Revoking by the same chain file names the same leaf.
  r = run({"client", "revoke", "--cert", chain}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(find(thumbprint_of_pem(slurp(leaf)))->status, mtls::CertStatus::kRevoked);

  // Two client certificates in one file: which one was meant is not guessed.
  const std::string other = issue("client-chain", "ch2");
  spit(tmp_ / "two-leaves.pem", slurp(leaf) + slurp(other));
  r = run({"client", "register", "--cert", tmp_ / "two-leaves.pem", "--client-id", "client-chain"},
          env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
  EXPECT_NE(r.err.find("certificate 2 of 2 (CN=client-chain) is not a CA certificate"),
            std::string::npos)
      << r;
  EXPECT_FALSE(find(thumbprint_of_pem(slurp(other))).has_value());
  // A bundle that starts with the CA.
  spit(tmp_ / "ca-first.pem", slurp(ca_ + "/intermediate-ca.pem") + slurp(other));
  r = run({"client", "register", "--cert", tmp_ / "ca-first.pem", "--client-id", "client-chain"},
          env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("certificate 1 of 2"), std::string::npos) << r;
  EXPECT_NE(r.err.find("is a CA certificate"), std::string::npos) << r;
  EXPECT_NE(r.err.find("<ID>.pem"), std::string::npos) << r;
}

// `client list` lists every readable record and names the malformed one, on its own line (exit 1:
// the table is not the whole registry).
TEST_F(MtlsctlRegistry, ListShowsEveryReadableRecordAndNamesTheMalformedOnes) {
  std::string broken_cert;
  const auto [good, broken] = make_good_and_malformed("client-list-mal", broken_cert);
  Result r = run({"client", "list", "--client-id", "client-list-mal"}, env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.out.find(good), std::string::npos) << r;
  EXPECT_EQ(r.out.find(broken), std::string::npos) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
  EXPECT_NE(r.err.find("malformed record " + broken), std::string::npos) << r;
  EXPECT_NE(r.err.find("missing attribute subject_dn"), std::string::npos) << r;
  r = run({"client", "list", "--client-id", "client-list-mal", "--json"}, env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  const json::value listed = parse_out(r);
  ASSERT_TRUE(listed.is_array()) << r;
  ASSERT_EQ(listed.as_array().size(), 1U) << r;
  EXPECT_EQ(str(listed.as_array()[0], "thumbprint"), good);
}

// `client revoke` on that item revokes it and says what happened (exit 0, the record's problem on
// stderr); it used to exit 1 although the item was REVOKED.
TEST_F(MtlsctlRegistry, RevokeOfAMalformedRecordRevokesAndSaysSo) {
  std::string broken_cert;
  const auto [good, broken] = make_good_and_malformed("client-revoke-mal", broken_cert);
  Result r = run(
      {"client", "revoke", "--cert", broken_cert, "--reason", "key-compromise", "--json"}, env_);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find(broken + " is REVOKED, but its record is malformed"), std::string::npos)
      << r;
  EXPECT_NE(r.err.find("subject_dn"), std::string::npos) << r;
  EXPECT_EQ(str(parse_out(r), "status"), "REVOKED");
  EXPECT_EQ(str(parse_out(r), "revocation_reason"), "key-compromise");
  aws::DynamoDb db(dynalite_config(dynalite_->endpoint()));
  const json::object key{{"thumbprint", json::object{{"S", broken}}}};
  const auto stored =
      db.get_item(kTable, key, std::chrono::steady_clock::now() + seconds(10), true);
  ASSERT_TRUE(stored.has_value());
  const json::value item(*stored);
  EXPECT_EQ(core::get_string_path(item, {"status", "S"}), "REVOKED");
  r = run({"client", "revoke", "--cert", broken_cert}, env_);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("revoked " + broken), std::string::npos) << r;
  EXPECT_EQ(find(good)->status, mtls::CertStatus::kActive) << "the good record is untouched";
}

TEST_F(MtlsctlRegistry, RefusesWhatShouldNotBeRegistered) {
  Result r;

  // An expired certificate, unless asked for explicitly.
  const auto now = agm::core::SystemClock().now();
  const pki::KeyAndCert inter{slurp(ca_ + "/intermediate-ca.key"),
                              slurp(ca_ + "/intermediate-ca.pem")};
  const auto old =
      pki::issue_client_certificate(inter, "client-c", pki::KeyType::kEcP256,
                                    {now - std::chrono::hours(48), now - std::chrono::hours(24)});
  spit(tmp_ / "old.pem", old.cert_pem);
  r = run({"client", "register", "--cert", tmp_ / "old.pem", "--client-id", "client-c"}, env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("not valid now"), std::string::npos) << r;
  EXPECT_FALSE(find(thumbprint_of_pem(old.cert_pem)).has_value());
  r = run({"client", "register", "--cert", tmp_ / "old.pem", "--client-id", "client-c",
           "--allow-expired"},
          env_);
  EXPECT_EQ(r.exit_code, 0) << r;

  // Garbage instead of a certificate.
  spit(tmp_ / "garbage.pem", "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n");
  r = run({"client", "register", "--cert", tmp_ / "garbage.pem", "--client-id", "x"}, env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
}

// Validity at the edges of X.509's range (docs/contract.md section 4): `cert inspect` prints it
// and `client register` stores it exactly, to the second. In a nanosecond clock
// 99991231235959Z printed as 1816 and 2600 wrapped into the past.
// Issue 18's acceptance: `mtlsctl report` lists a certificate registered to expire in 10 days
// (the same report the watcher function sends), with its client, thumbprint and days left.
TEST_F(MtlsctlRegistry, ReportListsACertificateExpiringInTenDays) {
  const pki::KeyAndCert inter{slurp(ca_ + "/intermediate-ca.key"),
                              slurp(ca_ + "/intermediate-ca.pem")};
  const auto now = core::SystemClock().now();
  const auto issued = pki::issue_client_certificate(
      inter, "client-soon", pki::KeyType::kEcP256,
      {now - std::chrono::hours(1), now + std::chrono::days(10) + std::chrono::hours(1)});
  const std::string file = tmp_ / "soon.pem";
  spit(file, issued.cert_pem);
  ASSERT_EQ(
      run({"client", "register", "--cert", file, "--client-id", "client-soon"}, env_).exit_code, 0);
  const std::string thumbprint = thumbprint_of_pem(issued.cert_pem);

  Result r = run({"report", "--json", "--truststore", ca_ + "/intermediate-ca.pem"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto report = parse_out(r).as_object();
  bool listed = false;
  for (const auto& e : report.at("registry").at("expiring").as_array()) {
    if (e.at("thumbprint").as_string() == thumbprint) {
      listed = true;
      EXPECT_EQ(e.at("client_id").as_string(), "client-soon");
      EXPECT_EQ(e.at("days_left").as_int64(), 10);
    }
  }
  EXPECT_TRUE(listed) << r;
  EXPECT_TRUE(report.at("due").as_bool());
  ASSERT_EQ(report.at("truststore").as_array().size(), 1U) << r;
  EXPECT_FALSE(report.at("truststore").at(0).at("due").as_bool()) << "the intermediate has years";

  r = run({"report"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("client client-soon  thumbprint " + thumbprint), std::string::npos) << r;
  r = run({"report", "--within", "5d"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out.find(thumbprint), std::string::npos) << "outside a 5-day window: " << r;
  EXPECT_EQ(run({"report", "--fail-if-due"}, env_).exit_code, 3);
  // A source that cannot be read: the rest is reported, and the exit code says it is not whole.
  r = run({"report", "--truststore", tmp_ / "missing.pem"}, env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.out.find("FAILED to read the truststore"), std::string::npos) << r;
  EXPECT_NE(r.out.find(thumbprint), std::string::npos) << r;
  EXPECT_EQ(run({"report", "--within", "0d"}, env_).exit_code, 2);
}

TEST_F(MtlsctlRegistry, FarDatesAreInspectedAndStoredExactly) {
  const pki::KeyAndCert inter{slurp(ca_ + "/intermediate-ca.key"),
                              slurp(ca_ + "/intermediate-ca.pem")};
  struct Case {
    std::string name, not_before, not_after;
    bool valid_now;
  };
  const auto now_text = core::format_rfc3339(core::SystemClock().now() - std::chrono::hours(1));
  for (const Case& c :
       std::vector<Case>{{"forever", now_text, "9999-12-31T23:59:59Z", true},
                         {"future", "2600-01-01T00:00:00Z", "2615-01-01T00:00:00Z", false},
                         {"past", "1950-01-01T00:00:00Z", "1960-01-01T00:00:00Z", false}}) {
    SCOPED_TRACE(c.name);
    const auto issued = pki::issue_client_certificate(
        inter, "client-far", pki::KeyType::kEcP256,
        {core::parse_rfc3339(c.not_before).value(), core::parse_rfc3339(c.not_after).value()});
    const std::string file = tmp_ / (c.name + ".pem");
    spit(file, issued.cert_pem);

    Result r = run({"cert", "inspect", file, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(str(parse_out(r), "not_before"), c.not_before) << r;
    EXPECT_EQ(str(parse_out(r), "not_after"), c.not_after) << r;

    std::vector<std::string> args{"client", "register",    "--cert",
                                  file,     "--client-id", "client-far"};
    r = run(args, env_);
    if (!c.valid_now) {
      EXPECT_EQ(r.exit_code, 1) << r;
      EXPECT_NE(r.err.find("not valid now (" + c.not_before + " to " + c.not_after + ")"),
                std::string::npos)
          << r;
      args.emplace_back("--allow-expired");
      r = run(args, env_);
    }
    ASSERT_EQ(r.exit_code, 0) << r;
    // The item as DynamoDB holds it, not as our parser reads it back.
    aws::DynamoDb db(dynalite_config(dynalite_->endpoint()));
    json::object key{{"thumbprint", json::object{{"S", thumbprint_of_pem(issued.cert_pem)}}}};
    const auto item =
        db.get_item(kTable, key, std::chrono::steady_clock::now() + seconds(10), true);
    ASSERT_TRUE(item.has_value());
    const json::value stored(*item);
    EXPECT_EQ(core::get_string_path(stored, {"not_before", "S"}), c.not_before);
    EXPECT_EQ(core::get_string_path(stored, {"not_after", "S"}), c.not_after);
  }
  const Result listed = run({"client", "list", "--client-id", "client-far", "--json"}, env_);
  ASSERT_EQ(listed.exit_code, 0) << listed;
  std::set<std::string> not_after;
  const json::value records = parse_out(listed);
  for (const auto& record : records.as_array())
    not_after.insert(str(record, "not_after"));
  EXPECT_EQ(not_after, (std::set<std::string>{"9999-12-31T23:59:59Z", "2615-01-01T00:00:00Z",
                                              "1960-01-01T00:00:00Z"}));
}

TEST_F(MtlsctlRegistry, AwsErrorsAndMissingConfigurationExitOneWithTheCode) {
  const std::string cert = issue("client-d", "d1");
  // A table that does not exist: DynamoDB's own error code in the message.
  Result r = run(
      {"client", "register", "--cert", cert, "--client-id", "client-d", "--table", "no-such-table"},
      env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
  EXPECT_NE(r.err.find("ResourceNotFoundException"), std::string::npos) << r;
  r = run({"client", "list", "--table", "no-such-table"}, env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("ResourceNotFoundException"), std::string::npos) << r;

  // No table, no region, no credentials: named.
  auto env = env_;
  env.erase("CERT_TABLE_NAME");
  r = run({"client", "list"}, env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("CERT_TABLE_NAME"), std::string::npos) << r;
  env = env_;
  env.erase("AWS_REGION");
  r = run({"client", "list"}, env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("AWS_REGION"), std::string::npos) << r;
  env = env_;
  env.erase("AWS_SECRET_ACCESS_KEY");
  r = run({"client", "list"}, env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("AWS_ACCESS_KEY_ID"), std::string::npos) << r;

  // Flags win over the environment: the env points at a closed port, the flags at dynalite.
  env = env_;
  env["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:" + std::to_string(test::free_port());
  env["CERT_TABLE_NAME"] = "no-such-table";
  env["AWS_REGION"] = "eu-west-3";
  r = run({"client", "register", "--cert", cert, "--client-id", "client-d", "--endpoint-url",
           dynalite_->endpoint(), "--table", kTable, "--region", kRegion},
          env);
  EXPECT_EQ(r.exit_code, 0) << r;
  // And the unreachable endpoint alone fails in bounded time with one line.
  const auto start = std::chrono::steady_clock::now();
  r = run({"client", "list"}, env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(45));
}

// --- shell completion ---

// `mtlsctl completion bash` is generated from the command tree: bash completes commands, nested
// subcommands and flags with it, leaves file arguments to bash's default, and shellcheck finds
// nothing in it; zsh gets the same through bashcompinit.
TEST(MtlsctlCompletion, BashCompletesCommandsSubcommandsAndFlags) {
  TempDir tmp;
  Result r = run({"completion", "bash"});
  ASSERT_EQ(r.exit_code, 0) << r;
  spit(tmp / "mtlsctl.bash", r.out);
  int call = 0;
  const auto complete = [&](const std::string& words, int cword) {
    const std::string out = tmp / ("out" + std::to_string(++call));
    const std::string script = "source " + tmp / "mtlsctl.bash" + "; COMP_WORDS=(" + words +
                               "); COMP_CWORD=" + std::to_string(cword) +
                               "; _mtlsctl; printf '%s\\n' \"${COMPREPLY[@]}\"";
    test::ChildProcess bash({"bash", "-c", script}, {}, true, out);
    const auto status = bash.wait_for(seconds(20));
    EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << slurp(out);
    return slurp(out);
  };
  EXPECT_EQ(complete("mtlsctl ap", 1), "apply\n");
  EXPECT_EQ(complete("mtlsctl ca re", 2), "retire-intermediate\n");
  EXPECT_EQ(complete("mtlsctl apply --dry-run --fi", 3), "--file\n");
  EXPECT_EQ(complete("mtlsctl crl import --issuer-c", 3), "--issuer-cert\n");
  EXPECT_EQ(complete("mtlsctl diagnose --cert c.pem --route-s", 4), "--route-scopes\n");
  EXPECT_EQ(complete("mtlsctl client register --cert ''", 4), "\n") << "file names: bash's default";
  EXPECT_NE(complete("mtlsctl ''", 1).find("diagnose\n"), std::string::npos);

  test::ChildProcess shellcheck({"shellcheck", "-s", "bash", tmp / "mtlsctl.bash"}, {}, true,
                                tmp / "shellcheck.out");
  const auto status = shellcheck.wait_for(seconds(60));
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << slurp(tmp / "shellcheck.out");

  r = run({"completion", "zsh"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out.rfind("autoload -U +X bashcompinit && bashcompinit\n", 0), 0U) << r;
  EXPECT_EQ(run({"completion", "fish"}).exit_code, 2);
}

// --- Cognito ---

TEST(MtlsctlClientCreate, CreatesAClientCredentialsClientWithASignedRequest) {
  TempDir tmp;
  Failure failure;
  test::LoopbackServer cognito([&](const test::HttpRequest& req) {
    test::HttpResponse resp;
    resp.headers["content-type"] = "application/x-amz-json-1.1";
    const auto target = req.headers.find("x-amz-target");
    if (target == req.headers.end() ||
        target->second != "AWSCognitoIdentityProviderService.CreateUserPoolClient") {
      failure = "bad X-Amz-Target";
    }
    const auto body = core::parse_json(req.body);
    if (!body) {
      failure = "body not JSON";
      resp.status = 400;
      return resp;
    }
    if (core::get_string(*body, "UserPoolId") != "us-east-1_TestPool") {
      resp.status = 400;
      resp.body = R"({"__type":"ResourceNotFoundException","message":"User pool does not exist."})";
      return resp;
    }
    const json::object expected_flows_etc{
        {"ClientName", "partner-one"},
        {"GenerateSecret", true},
        {"AllowedOAuthFlows", json::array{"client_credentials"}},
        {"AllowedOAuthScopes", json::array{"mtls-api/health.read", "mtls-api/other"}},
        {"AllowedOAuthFlowsUserPoolClient", true}};
    for (const auto& kv : expected_flows_etc) {
      const auto* got = core::find(*body, kv.key());
      if (got == nullptr || *got != kv.value()) {
        failure = "body field " + std::string(kv.key()) + ": " + req.body;
      }
    }
    const std::string sig = check_sigv4(req, "cognito-idp", false);
    if (!sig.empty()) {
      failure = sig;
    }
    resp.body =
        R"({"UserPoolClient":{"ClientId":"4abcdefclientid","ClientSecret":"s3cr3t-value","ClientName":"partner-one"}})";
    return resp;
  });
  auto env = aws_env();
  env["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] = cognito.url();
  env["COGNITO_USER_POOL_ID"] = "us-east-1_TestPool";
  const std::vector<std::string> base{"client",        "create",   "--name",
                                      "partner-one",   "--scopes", "mtls-api/health.read",
                                      "mtls-api/other"};

  Result r = run(base, env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(failure.get(), "");
  EXPECT_NE(r.out.find("4abcdefclientid"), std::string::npos) << r;
  EXPECT_NE(r.out.find("s3cr3t-value"), std::string::npos) << r;
  EXPECT_EQ(r.err.find("s3cr3t"), std::string::npos) << "the secret is never logged";

  auto args = base;
  args.insert(args.end(), {"--json"});
  r = run(args, env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(str(parse_out(r), "client_id"), "4abcdefclientid");
  EXPECT_EQ(str(parse_out(r), "client_secret"), "s3cr3t-value");

  // --secret-file: 0600 file, the secret is not on stdout.
  const std::string secret_file = tmp / "secret";
  args = base;
  args.insert(args.end(), {"--secret-file", secret_file});
  r = run(args, env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(slurp(secret_file), "s3cr3t-value\n");
  EXPECT_EQ(mode_of(secret_file), 0600U);
  EXPECT_EQ(r.out.find("s3cr3t"), std::string::npos) << r;
  EXPECT_NE(r.out.find("4abcdefclientid"), std::string::npos) << r;

  // The secret file exists: refused before any client is created.
  const std::size_t before = cognito.requests().size();
  r = run(args, env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(cognito.requests().size(), before) << "no CreateUserPoolClient sent";

  // The user pool from the flag; Cognito's error code in the one line.
  args = base;
  args.insert(args.end(), {"--user-pool-id", "us-east-1_Other"});
  r = run(args, env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
  EXPECT_NE(r.err.find("ResourceNotFoundException"), std::string::npos) << r;

  env.erase("COGNITO_USER_POOL_ID");
  r = run(base, env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("COGNITO_USER_POOL_ID"), std::string::npos) << r;
  EXPECT_EQ(failure.get(), "");
}

TEST(MtlsctlClientCreate, AgainstTheCognitoEmulator) {
  TempDir tmp;
  const std::uint16_t port = test::free_port();
  test::ChildProcess emulator(
      {test::binary_dir() + "/bin/agm-cognito", "--host", "127.0.0.1", "--port",
       std::to_string(port), "--region", kRegion, "--user-pool-id", "us-east-1_LocalPool",
       "--state-dir", tmp / "state", "--resource-server-scopes", "mtls-api/health.read"},
      {}, true, tmp / "emulator.log");
  ASSERT_TRUE(test::wait_for_port(port, std::chrono::seconds(15))) << slurp(tmp / "emulator.log");
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(port);
  auto env = aws_env();
  env["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] = endpoint;
  env["COGNITO_USER_POOL_ID"] = "us-east-1_LocalPool";

  Result r = run(
      {"client", "create", "--name", "partner", "--scopes", "mtls-api/health.read", "--json"}, env);
  ASSERT_EQ(r.exit_code, 0) << r << slurp(tmp / "emulator.log");
  const json::value created = parse_out(r);
  const std::string id = str(created, "client_id");
  const std::string secret = str(created, "client_secret");
  ASSERT_FALSE(id.empty());
  ASSERT_FALSE(secret.empty());

  // What Cognito now holds is a client_credentials client with that secret.
  aws::ClientConfig config = dynalite_config(endpoint);
  aws::CognitoIdp idp(config);
  const json::value described =
      idp.call("DescribeUserPoolClient",
               json::object{{"UserPoolId", "us-east-1_LocalPool"}, {"ClientId", id}},
               std::chrono::steady_clock::now() + seconds(10));
  const json::value* client = core::find(described, "UserPoolClient");
  ASSERT_NE(client, nullptr) << json::serialize(described);
  EXPECT_EQ(str(*client, "ClientSecret"), secret);
  EXPECT_EQ(*core::find(*client, "AllowedOAuthFlows"), (json::array{"client_credentials"}));
  EXPECT_EQ(*core::find(*client, "AllowedOAuthScopes"), (json::array{"mtls-api/health.read"}));
  EXPECT_EQ(core::get_bool(*client, "AllowedOAuthFlowsUserPoolClient"), true);

  // A scope the pool does not have: Cognito's error code, exit 1.
  r = run({"client", "create", "--name", "partner2", "--scopes", "mtls-api/nope"}, env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("ScopeDoesNotExistException"), std::string::npos) << r;
}

// --- S3 and SSM ---

TEST(MtlsctlTruststorePublish, PutsTheBundleToS3WithASignedRequest) {
  TempDir tmp;
  ASSERT_EQ(run({"ca", "init", "--dir", tmp / "ca"}).exit_code, 0);
  const std::string bundle = slurp(tmp / "ca/truststore.pem");
  Failure failure;
  test::LoopbackServer s3([&](const test::HttpRequest& req) {
    test::HttpResponse resp;
    if (req.method != "PUT") {
      failure = "method " + req.method;
    }
    if (req.target == "/missing-bucket/truststore.pem") {
      resp.status = 404;
      resp.headers["content-type"] = "application/xml";
      resp.body =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code>"
          "<Message>The specified bucket does not exist</Message></Error>";
      return resp;
    }
    if (req.target != "/trust-bucket/mtls/truststore.pem") {
      failure = "target " + req.target;
    }
    if (req.body != bundle) {
      failure = "body is not the bundle";
    }
    const auto sha = req.headers.find("x-amz-content-sha256");
    if (sha == req.headers.end() || sha->second != core::sha256_hex(req.body)) {
      failure = "x-amz-content-sha256";
    }
    const std::string sig = check_sigv4(req, "s3", true);
    if (!sig.empty()) {
      failure = sig;
    }
    resp.headers["x-amz-version-id"] = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY";
    return resp;
  });
  auto env = aws_env();
  env["AWS_ENDPOINT_URL_S3"] = s3.url();
  Result r = run({"truststore", "publish", "--file", tmp / "ca/truststore.pem", "--bucket",
                  "trust-bucket", "--key", "mtls/truststore.pem"},
                 env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(failure.get(), "");
  EXPECT_EQ(r.out, "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY\n");
  ASSERT_EQ(s3.requests().size(), 1U);
  // The signature check above can fail: a changed body or key no longer matches.
  test::HttpRequest tampered = s3.requests()[0];
  tampered.body += "x";
  EXPECT_NE(check_sigv4(tampered, "s3", true), "");
  tampered = s3.requests()[0];
  tampered.target = "/trust-bucket/mtls/other.pem";
  EXPECT_NE(check_sigv4(tampered, "s3", true), "");

  r = run({"truststore", "publish", "--file", tmp / "ca/truststore.pem", "--bucket", "trust-bucket",
           "--key", "mtls/truststore.pem", "--json"},
          env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(str(parse_out(r), "version_id"), "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY");

  // S3's XML error code reaches the one line.
  r = run(
      {"truststore", "publish", "--file", tmp / "ca/truststore.pem", "--bucket", "missing-bucket"},
      env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
  EXPECT_NE(r.err.find("NoSuchBucket"), std::string::npos) << r;

  // A bundle API Gateway would warn about is never uploaded.
  ASSERT_EQ(run({"cert", "issue", "--ca-dir", tmp / "ca", "--client-id", "leaf", "--out-dir",
                 tmp / "out"})
                .exit_code,
            0);
  const std::size_t before = s3.requests().size();
  r = run(
      {"truststore", "publish", "--file", tmp / "out/leaf-chain.pem", "--bucket", "trust-bucket"},
      env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("not a CA"), std::string::npos) << r;
  EXPECT_EQ(s3.requests().size(), before);
}

TEST(MtlsctlTruststoreStore, WritesASecureStringToSsmWithASignedRequest) {
  TempDir tmp;
  ASSERT_EQ(run({"ca", "init", "--dir", tmp / "ca"}).exit_code, 0);
  const std::string bundle = slurp(tmp / "ca/truststore.pem");
  Failure failure;
  test::LoopbackServer ssm([&](const test::HttpRequest& req) {
    test::HttpResponse resp;
    resp.headers["content-type"] = "application/x-amz-json-1.1";
    const auto target = req.headers.find("x-amz-target");
    if (target == req.headers.end() || target->second != "AmazonSSM.PutParameter") {
      failure = "bad X-Amz-Target";
    }
    const auto body = core::parse_json(req.body);
    if (!body || core::get_string(*body, "Name") != "/mtls/truststore" ||
        core::get_string(*body, "Value") != bundle ||
        core::get_string(*body, "Type") != "SecureString" ||
        core::get_bool(*body, "Overwrite") != true) {
      failure = "body: " + req.body;
    }
    if (body && core::get_string(*body, "KeyId") == "alias/wrong") {
      resp.status = 400;
      resp.body = R"({"__type":"InvalidKeyId","message":"Invalid KeyId"})";
      return resp;
    }
    const std::string sig = check_sigv4(req, "ssm", false);
    if (!sig.empty()) {
      failure = sig;
    }
    resp.body = R"({"Version":7,"Tier":"Standard"})";
    return resp;
  });
  auto env = aws_env();
  env["AWS_ENDPOINT_URL_SSM"] = ssm.url();
  Result r = run({"truststore", "store", "--file", tmp / "ca/truststore.pem", "--parameter",
                  "/mtls/truststore", "--kms-key-id", "alias/mtls"},
                 env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(failure.get(), "");
  EXPECT_NE(r.out.find("version 7"), std::string::npos) << r;
  ASSERT_EQ(ssm.requests().size(), 1U);
  test::HttpRequest tampered = ssm.requests()[0];
  tampered.headers["x-amz-target"] = "AmazonSSM.DeleteParameter";
  EXPECT_NE(check_sigv4(tampered, "ssm", false), "") << "a changed signed header is caught";
  tampered = ssm.requests()[0];
  tampered.body.back() = ' ';
  EXPECT_NE(check_sigv4(tampered, "ssm", false), "") << "a changed body is caught";
  EXPECT_EQ(core::get_string(*core::parse_json(ssm.requests()[0].body), "KeyId"), "alias/mtls");

  r = run({"truststore", "store", "--file", tmp / "ca/truststore.pem", "--parameter",
           "/mtls/truststore", "--json"},
          env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(core::get_int(parse_out(r), "version"), 7);
  EXPECT_EQ(core::find(*core::parse_json(ssm.requests().back().body), "KeyId"), nullptr);

  r = run({"truststore", "store", "--file", tmp / "ca/truststore.pem", "--parameter",
           "/mtls/truststore", "--kms-key-id", "alias/wrong"},
          env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("InvalidKeyId"), std::string::npos) << r;
  EXPECT_EQ(failure.get(), "");
}

// A loopback SSM that keeps parameters and applies SSM's tier rules: a parameter is Standard unless
// the request names a tier; Standard holds 4,096 characters and Advanced 8,192 (beyond that, SSM's
// ValidationException); an Advanced parameter cannot go back to Standard, and a request that names
// no tier leaves it Advanced (docs/local-stack.md names that guess).
class LoopbackSsm {
 public:
  LoopbackSsm() : server_([this](const test::HttpRequest& req) { return handle(req); }) {}
  [[nodiscard]] std::string url() const { return server_.url(); }
  [[nodiscard]] std::vector<test::HttpRequest> requests() const { return server_.requests(); }
  [[nodiscard]] std::string tier_of(const std::string& name) {
    const std::lock_guard lock(mutex_);
    return tiers_[name];
  }

 private:
  test::HttpResponse handle(const test::HttpRequest& req) {
    const std::lock_guard lock(mutex_);
    test::HttpResponse resp;
    resp.headers["content-type"] = "application/x-amz-json-1.1";
    const auto error = [&](const std::string& message) {
      resp.status = 400;
      resp.body =
          json::serialize(json::object{{"__type", "ValidationException"}, {"message", message}});
      return resp;
    };
    const auto body = core::parse_json(req.body);
    if (!body || !check_sigv4(req, "ssm", false).empty())
      return error("bad request");
    const std::string name(core::get_string(*body, "Name").value_or(""));
    const std::string value(core::get_string(*body, "Value").value_or(""));
    const auto asked = core::get_string(*body, "Tier");
    std::string& tier = tiers_[name];
    if (asked && *asked == "Standard" && tier == "Advanced")
      return error(
          "This parameter uses the advanced-parameter tier. You can't downgrade a "
          "parameter from the advanced-parameter tier to the standard-parameter tier.");
    const std::string next = asked ? std::string(*asked) : (tier.empty() ? "Standard" : tier);
    if (next == "Standard" && value.size() > 4096)
      return error(
          "Standard tier parameters support a maximum parameter value of 4096 "
          "characters. To create a larger parameter value, upgrade the parameter to use "
          "the advanced-parameter tier.");
    if (value.size() > 8192)
      return error("Parameter value exceeds the maximum size of 8192 characters.");
    tier = next;
    resp.body = json::serialize(json::object{{"Version", ++versions_[name]}, {"Tier", tier}});
    return resp;
  }

  std::mutex mutex_;
  std::map<std::string, std::string> tiers_;
  std::map<std::string, std::int64_t> versions_;
  test::LoopbackServer server_;  // last: stopped first
};

// Issue 14 item 5: a truststore during a CA rotation (old and new root and intermediate, RSA) is
// longer than the Standard tier's 4,096 characters; `truststore store` writes it to the Advanced
// tier and says so. A small bundle afterwards names no tier (the parameter stays Advanced: SSM
// refuses to go back), and a bundle beyond 8,192 characters is refused before any request.
TEST(MtlsctlTruststoreStore, ARotationBundleGoesToTheAdvancedTierAndSaysSo) {
  TempDir tmp;
  for (const char* dir : {"old", "new", "third", "fourth"}) {
    ASSERT_EQ(run({"ca", "init", "--dir", tmp / dir, "--key-type", "rsa-2048"}).exit_code, 0);
  }
  ASSERT_EQ(run({"truststore", "build", "--out", tmp / "rotation.pem", tmp / "old/truststore.pem",
                 tmp / "new/truststore.pem"})
                .exit_code,
            0);
  const std::string rotation = slurp(tmp / "rotation.pem");
  ASSERT_EQ(pki::split_pem_bundle(rotation).size(), 4U);
  ASSERT_GT(rotation.size(), 4096U) << "the premise: four RSA CA certificates need Advanced";
  ASSERT_LE(rotation.size(), 8192U);

  LoopbackSsm ssm;
  auto env = aws_env();
  env["AWS_ENDPOINT_URL_SSM"] = ssm.url();
  Result r = run(
      {"truststore", "store", "--file", tmp / "rotation.pem", "--parameter", "/mtls/truststore"},
      env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("Advanced tier: the bundle is " + std::to_string(rotation.size()) +
                       " characters, more than the 4096 of the Standard tier"),
            std::string::npos)
      << r;
  ASSERT_EQ(ssm.requests().size(), 1U);
  const auto sent = core::parse_json(ssm.requests()[0].body).value();
  EXPECT_EQ(core::get_string(sent, "Tier"), "Advanced");
  EXPECT_EQ(core::get_string(sent, "Value"), rotation);
  EXPECT_EQ(ssm.tier_of("/mtls/truststore"), "Advanced");

  r = run({"truststore", "store", "--file", tmp / "rotation.pem", "--parameter", "/mtls/truststore",
           "--json"},
          env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(str(parse_out(r), "tier"), "Advanced");
  EXPECT_EQ(core::get_int(parse_out(r), "characters"), static_cast<std::int64_t>(rotation.size()));
  EXPECT_EQ(core::get_int(parse_out(r), "version"), 2);

  // After the rotation: the new CA alone fits Standard; no tier is asked for, so SSM keeps the
  // parameter Advanced rather than refusing a downgrade.
  r = run({"truststore", "store", "--file", tmp / "new/truststore.pem", "--parameter",
           "/mtls/truststore"},
          env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(core::find(core::parse_json(ssm.requests().back().body).value(), "Tier"), nullptr);
  EXPECT_NE(r.out.find("(version 3, Advanced tier)"), std::string::npos) << r;
  // A new parameter with a small bundle is Standard.
  r = run(
      {"truststore", "store", "--file", tmp / "new/truststore.pem", "--parameter", "/mtls/small"},
      env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("(version 1, Standard tier)"), std::string::npos) << r;

  // Eight RSA CA certificates are more than any tier holds: refused, nothing sent.
  ASSERT_EQ(
      run({"truststore", "build", "--out", tmp / "eight.pem", tmp / "old/truststore.pem",
           tmp / "new/truststore.pem", tmp / "third/truststore.pem", tmp / "fourth/truststore.pem"})
          .exit_code,
      0);
  ASSERT_GT(slurp(tmp / "eight.pem").size(), 8192U);
  const std::size_t before = ssm.requests().size();
  r = run({"truststore", "store", "--file", tmp / "eight.pem", "--parameter", "/mtls/truststore"},
          env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(count_lines(r.err), 1U) << r;
  EXPECT_NE(r.err.find("at most 8192"), std::string::npos) << r;
  EXPECT_EQ(ssm.requests().size(), before);
}

}  // namespace
}  // namespace agm::mtlsctl
