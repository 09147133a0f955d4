// The PKI in the account (issue 17) with real parts: the CA and the clients' material in the SSM
// emulator (agm-ssm, SigV4 checked), app clients in the Cognito emulator, the registry in
// dynalite. `ca init` into either store, `cert sign`, and `apply` converging a clients file:
// dry run, idempotence, removal, rotation, malformed files, and the states an interrupted apply
// leaves.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <thread>

#include "aws/cognito_idp.hpp"
#include "aws/dynamodb.hpp"
#include "aws/ssm.hpp"
#include "harness.hpp"
#include "mtls/certificate.hpp"
#include "mtls/dynamo_registry.hpp"
#include "pki/pki.hpp"
#include "support/dynalite.hpp"
#include "support/dynamodb_tables.hpp"

namespace agm::mtlsctl {
namespace {

using namespace agm::test;

constexpr const char* kPool = "us-east-1_PkiPool";
constexpr const char* kKey = "arn:aws:kms:us-east-1:000000000000:key/pki-test";

aws::Deadline soon() {
  return std::chrono::steady_clock::now() + seconds(15);
}

// dynalite, agm-ssm and agm-cognito for the whole suite; each test has its own prefix and table.
class PkiStack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    state_ = std::make_unique<TempDir>();
    dynalite_ = std::make_unique<test::Dynalite>();
    ssm_port_ = test::free_port();
    ssm_ = std::make_unique<test::ChildProcess>(
        std::vector<std::string>{test::binary_dir() + "/bin/agm-ssm", "--port",
                                 std::to_string(ssm_port_), "--region", kRegion, "--state-dir",
                                 state_->path(), "--access-key-id", kAccessKey,
                                 "--secret-access-key", kSecretKey},
        std::map<std::string, std::string>{}, true, *state_ / "ssm.log");
    ASSERT_TRUE(test::wait_for_port(ssm_port_, seconds(15))) << slurp(*state_ / "ssm.log");
  }
  static void TearDownTestSuite() {
    ssm_.reset();
    dynalite_.reset();
    state_.reset();
  }

  void SetUp() override {
    // A pool of its own for each test: app clients are what most tests count.
    cognito_port_ = test::free_port();
    cognito_ = std::make_unique<test::ChildProcess>(
        std::vector<std::string>{test::binary_dir() + "/bin/agm-cognito", "--port",
                                 std::to_string(cognito_port_), "--region", kRegion,
                                 "--user-pool-id", kPool, "--state-dir", tmp_ / "cognito",
                                 "--resource-server-scopes", "mtls-api/orders.read",
                                 "--resource-server-scopes", "mtls-api/health.read"},
        std::map<std::string, std::string>{}, true, tmp_ / "cognito.log");
    ASSERT_TRUE(test::wait_for_port(cognito_port_, seconds(15)));
    static int n = 0;
    ++n;
    prefix_ = "/t" + std::to_string(n);
    table_ = "registry-" + std::to_string(n);
    aws::DynamoDb db(config(dynalite_->endpoint()));
    test::create_table_and_wait(db, mtls::DynamoRegistry::create_table_request(table_));
    env_ = aws_env();
    env_["AWS_ENDPOINT_URL_SSM"] = ssm_url();
    env_["AWS_ENDPOINT_URL_DYNAMODB"] = dynalite_->endpoint();
    env_["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] = cognito_url();
    env_["CERT_TABLE_NAME"] = table_;
    env_["COGNITO_USER_POOL_ID"] = kPool;
    env_["MTLSCTL_STORE"] = "ssm:" + prefix_ + "/pki";
    env_["MTLSCTL_KMS_KEY_ID"] = kKey;
    env_["MTLSCTL_TOKEN_URL"] = "https://api.example.test/token";
  }

  static aws::ClientConfig config(const std::string& endpoint) {
    aws::ClientConfig c = dynalite_config(endpoint);
    return c;
  }
  static std::string ssm_url() { return "http://127.0.0.1:" + std::to_string(ssm_port_); }
  [[nodiscard]] std::string cognito_url() const {
    return "http://127.0.0.1:" + std::to_string(cognito_port_);
  }

  std::optional<std::string> parameter(const std::string& name) {
    aws::Ssm ssm(config(ssm_url()));
    return ssm.get_parameter(name, true, soon());
  }
  json::value history(const std::string& name) {
    aws::Ssm ssm(config(ssm_url()));
    return ssm.client().call("GetParameterHistory", json::object{{"Name", name}}, soon());
  }
  std::vector<mtls::RegistryRecord> records(const std::string& client_id) {
    aws::DynamoDb db(config(dynalite_->endpoint()));
    mtls::DynamoRegistry registry(db, table_, std::chrono::milliseconds(10000));
    return registry.list(client_id).records;
  }
  // ClientName -> ids: more than one id for a name is a duplicate app client.
  std::map<std::string, std::vector<std::string>> app_clients() {
    aws::CognitoIdp idp(config(cognito_url()));
    const auto answer = idp.call("ListUserPoolClients",
                                 json::object{{"UserPoolId", kPool}, {"MaxResults", 60}}, soon());
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& c : core::find(answer, "UserPoolClients")->as_array()) {
      out[str(c, "ClientName")].push_back(str(c, "ClientId"));
    }
    return out;
  }
  void init_ca() {
    const Result r = run({"ca", "init", "--root-key-in-ssm", "--name", "Pki Test"}, env_);
    ASSERT_EQ(r.exit_code, 0) << r;
  }
  // A clients file in tmp_ (and a CSR file for a client with a CSR).
  std::string clients_file(const std::string& body) {
    spit(tmp_ / "clients.json", body);
    return tmp_ / "clients.json";
  }

  void TearDown() override { cognito_.reset(); }

  static std::unique_ptr<TempDir> state_;
  static std::unique_ptr<test::Dynalite> dynalite_;
  static std::unique_ptr<test::ChildProcess> ssm_;
  static std::uint16_t ssm_port_;
  TempDir tmp_;
  std::uint16_t cognito_port_ = 0;
  std::unique_ptr<test::ChildProcess> cognito_;
  std::string prefix_;
  std::string table_;
  std::map<std::string, std::string> env_;
};
std::unique_ptr<TempDir> PkiStack::state_;
std::unique_ptr<test::Dynalite> PkiStack::dynalite_;
std::unique_ptr<test::ChildProcess> PkiStack::ssm_;
std::uint16_t PkiStack::ssm_port_ = 0;

TEST_F(PkiStack, CaInitWritesSecureStringsUnderTheKmsKeyAndRefusesASecondCa) {
  Result r = run({"ca", "init", "--root-key-in-ssm", "--name", "Pki Test", "--json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  const json::value out = parse_out(r);
  EXPECT_EQ(str(out, "root_key"), prefix_ + "/pki/root-ca.key");
  for (const char* name :
       {"root-ca.pem", "root-ca.key", "intermediate-ca.pem", "intermediate-ca.key"}) {
    const auto h = history(prefix_ + "/pki/" + name);
    const auto& v = core::find(h, "Parameters")->as_array().back();
    EXPECT_EQ(str(v, "Type"), "SecureString") << name;
    EXPECT_EQ(str(v, "KeyId"), kKey) << name;
  }
  const auto key = parameter(prefix_ + "/pki/intermediate-ca.key");
  ASSERT_TRUE(key);
  EXPECT_NE(key->find("BEGIN PRIVATE KEY"), std::string::npos) << "KMS protects it in SSM";
  // Without decryption SSM answers ciphertext, never the key.
  aws::Ssm ssm(config(ssm_url()));
  EXPECT_EQ(ssm.get_parameter(prefix_ + "/pki/intermediate-ca.key", false, soon())->find("PRIVATE"),
            std::string::npos);

  const std::string before = *parameter(prefix_ + "/pki/root-ca.pem");
  r = run({"ca", "init", "--root-key-in-ssm"}, env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("a CA exists"), std::string::npos) << r;
  EXPECT_EQ(*parameter(prefix_ + "/pki/root-ca.pem"), before);

  r = run({"ca", "status", "--json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(str(parse_out(r), "root_key"), "ssm");
  EXPECT_EQ(core::get_bool(parse_out(r), "exists"), true);
}

// docs/operations.md section 2, "Migrating": a CA made by the first version (`ca init --dir`,
// keys unencrypted) moves into SSM unchanged: the same certificates and keys, so a certificate it
// issued before still chains to what the store now signs with. A CA that does not hold together
// is refused whole.
TEST_F(PkiStack, CaImportMovesADirectoryCaIntoSsmUnchanged) {
  ASSERT_EQ(run({"ca", "init", "--dir", tmp_ / "legacy"}).exit_code, 0);
  ASSERT_EQ(run({"cert", "issue", "--ca-dir", tmp_ / "legacy", "--client-id", "before", "--out-dir",
                 tmp_ / "before"})
                .exit_code,
            0);
  EXPECT_EQ(run({"ca", "import", "--from", "dir:" + tmp_ / "legacy"}, env_).exit_code, 2)
      << "an ssm: store needs a place for the root key";
  Result r = run(
      {"ca", "import", "--from", "dir:" + tmp_ / "legacy", "--root-key-in-ssm", "--json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  for (const std::string name :
       {"root-ca.pem", "intermediate-ca.pem", "root-ca.key", "intermediate-ca.key"}) {
    EXPECT_EQ(parameter(prefix_ + "/pki/" + name), slurp(tmp_ / "legacy/" + name)) << name;
  }
  // The store signs with the same intermediate: old and new certificates verify alike.
  ASSERT_EQ(
      run({"cert", "issue", "--client-id", "after", "--out-dir", tmp_ / "after"}, env_).exit_code,
      0);
  for (const std::string who : {"before", "after"}) {
    EXPECT_EQ(run_openssl_verify(
                  {"-CAfile", tmp_ / "legacy/truststore.pem", tmp_ / who + "/" + who + ".pem"}),
              0)
        << who;
  }
  EXPECT_EQ(run({"ca", "import", "--from", "dir:" + tmp_ / "legacy", "--root-key-in-ssm"}, env_)
                .exit_code,
            1)
      << "a CA exists in the store";

  // A directory whose intermediate key is another key: nothing is written.
  ASSERT_EQ(run({"ca", "init", "--dir", tmp_ / "broken"}).exit_code, 0);
  spit(tmp_ / "broken/intermediate-ca.key", slurp(tmp_ / "broken/root-ca.key"));
  auto env = env_;
  env["MTLSCTL_STORE"] = "ssm:" + prefix_ + "/other";
  r = run({"ca", "import", "--from", "dir:" + tmp_ / "broken", "--root-key-in-ssm"}, env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("does not hold together"), std::string::npos) << r;
  EXPECT_FALSE(parameter(prefix_ + "/other/intermediate-ca.key"));
}

TEST_F(PkiStack, CaInitRefusesAmbiguousOrUnprotectedChoicesWithExitTwo) {
  auto no_kms = env_;
  no_kms.erase("MTLSCTL_KMS_KEY_ID");
  EXPECT_EQ(run({"ca", "init", "--root-key-in-ssm"}, no_kms).exit_code, 2);
  EXPECT_EQ(run({"ca", "init"}, env_).exit_code, 2) << "neither root key choice";
  EXPECT_EQ(run({"ca", "init", "--root-key-in-ssm", "--root-key-out", tmp_ / "k"}, env_).exit_code,
            2);
  EXPECT_EQ(run({"ca", "init", "--root-key-out", tmp_ / "k"}, env_).exit_code, 2)
      << "an offline root key needs its passphrase";
  EXPECT_FALSE(parameter(prefix_ + "/pki/root-ca.pem")) << "nothing written";
  EXPECT_EQ(run({"ca", "init", "--store", "dir:" + (tmp_ / "ca")}, base_env()).exit_code, 2)
      << "a dir: store needs a passphrase or --insecure-no-passphrase";
}

TEST_F(PkiStack, OfflineRootKeyIsEncryptedAndOpensWithItsPassphraseOnly) {
  auto env = env_;
  env["MTLSCTL_ROOT_KEY_PASSPHRASE"] = "correct horse battery staple";
  const Result r = run({"ca", "init", "--root-key-out", tmp_ / "root-ca.key"}, env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(mode_of(tmp_ / "root-ca.key"), 0600U);
  const std::string key = slurp(tmp_ / "root-ca.key");
  EXPECT_NE(key.find("BEGIN ENCRYPTED PRIVATE KEY"), std::string::npos);
  EXPECT_FALSE(parameter(prefix_ + "/pki/root-ca.key")) << "the root key is not in SSM";
  // openssl, as docs/operations.md section 2 has the operator check it.
  const auto opens = [&](const std::string& passphrase) {
    test::ChildProcess p(
        {"openssl", "pkey", "-in", tmp_ / "root-ca.key", "-passin", "env:PASS", "-noout"},
        {{"PASS", passphrase}}, true, "/dev/null");
    const auto st = p.wait_for(seconds(30));
    return st && WIFEXITED(*st) && WEXITSTATUS(*st) == 0;
  };
  EXPECT_TRUE(opens("correct horse battery staple"));
  EXPECT_FALSE(opens("wrong"));
  const Result status = run({"ca", "status", "--json"}, env_);
  EXPECT_EQ(str(parse_out(status), "root_key"), "offline");
}

TEST_F(PkiStack, DirStoreKeysAreEncryptedAndIssueNeedsThePassphrase) {
  auto env = base_env();
  env["MTLSCTL_CA_PASSPHRASE"] = "a local passphrase";
  const std::string store = "dir:" + (tmp_ / "ca");
  ASSERT_EQ(run({"ca", "init", "--store", store}, env).exit_code, 0);
  EXPECT_NE(slurp(tmp_ / "ca/intermediate-ca.key").find("ENCRYPTED PRIVATE KEY"),
            std::string::npos);
  EXPECT_NE(slurp(tmp_ / "ca/root-ca.key").find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  const std::vector<std::string> issue{"cert",        "issue", "--store",   store,
                                       "--client-id", "c1",    "--out-dir", tmp_ / "out"};
  EXPECT_EQ(run(issue, base_env()).exit_code, 2) << "no passphrase";
  auto wrong = env;
  wrong["MTLSCTL_CA_PASSPHRASE"] = "another";
  EXPECT_EQ(run(issue, wrong).exit_code, 1);
  ASSERT_EQ(run(issue, env).exit_code, 0);
  EXPECT_EQ(run_openssl_verify({"-CAfile", tmp_ / "ca/truststore.pem", "-purpose", "sslclient",
                                tmp_ / "out/c1.pem"}),
            0);
  // --insecure-no-passphrase: a throw-away CA with plain keys.
  ASSERT_EQ(
      run({"ca", "init", "--store", "dir:" + (tmp_ / "ca2"), "--insecure-no-passphrase"}).exit_code,
      0);
  EXPECT_NE(slurp(tmp_ / "ca2/intermediate-ca.key").find("BEGIN PRIVATE KEY"), std::string::npos);
}

TEST_F(PkiStack, CertSignRefusesWeakKeysAndBadSignaturesAndSignsTheProfile) {
  init_ca();
  const auto weak = pki::create_csr("weak", pki::KeyType::kRsa2048, 1024);
  spit(tmp_ / "weak.csr", weak.cert_pem);
  Result r = run(
      {"cert", "sign", "--csr", tmp_ / "weak.csr", "--client-id", "w", "--out-dir", tmp_ / "out"},
      env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("1024 bits"), std::string::npos) << r;
  EXPECT_FALSE(fs::exists(tmp_ / "out/w.pem"));

  // A CSR whose signed content was changed after signing: its signature no longer holds.
  auto good = pki::create_csr("good", pki::KeyType::kEcP256);
  std::string tampered = good.cert_pem;
  const std::size_t at = tampered.find('\n', 40) + 20;
  tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
  spit(tmp_ / "tampered.csr", tampered);
  r = run({"cert", "sign", "--csr", tmp_ / "tampered.csr", "--client-id", "t", "--out-dir",
           tmp_ / "out"},
          env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_FALSE(fs::exists(tmp_ / "out/t.pem"));

  spit(tmp_ / "good.csr", good.cert_pem);
  r = run({"cert", "sign", "--csr", tmp_ / "good.csr", "--client-id", "client-1", "--out-dir",
           tmp_ / "out", "--json"},
          env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_FALSE(fs::exists(tmp_ / "out/client-1.key")) << "the client keeps its key";
  const auto cert = mtls::ClientCertificate::from_pem(slurp(tmp_ / "out/client-1.pem"));
  EXPECT_EQ(cert.subject_dn, "CN=client-1");
  spit(tmp_ / "trust.pem",
       *parameter(prefix_ + "/pki/root-ca.pem") + *parameter(prefix_ + "/pki/intermediate-ca.pem"));
  EXPECT_EQ(run_openssl_verify({"-CAfile", tmp_ / "trust.pem", "-purpose", "sslclient",
                                tmp_ / "out/client-1.pem"}),
            0);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    out.push_back(line);
  }
  return out;
}

constexpr const char* kTwoClients = R"({
  "clients": {
    "orders-service": {
      "scopes": ["orders.read"],
      "certificate": { "generate": { "key_type": "ec-p256", "days": 365 } }
    },
    "billing": {
      "scopes": ["orders.read", "health.read"],
      "access_token_validity_minutes": 15,
      "certificate": { "csr": "csr/billing.csr" }
    }
  }
})";

TEST_F(PkiStack, ApplyPlansThenConvergesAndASecondApplyHasNoChanges) {
  init_ca();
  fs::create_directories(tmp_ / "csr");
  const auto billing_key = pki::create_csr("billing", pki::KeyType::kEcP256);
  spit(tmp_ / "csr/billing.csr", billing_key.cert_pem);
  const std::string file = clients_file(kTwoClients);

  Result r = run({"apply", "--file", file, "--dry-run"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::vector<std::string> plan{"create billing",       "sign billing",
                                      "register billing",     "create orders-service",
                                      "issue orders-service", "register orders-service"};
  EXPECT_EQ(lines_of(r.out), plan) << r;
  EXPECT_TRUE(app_clients().empty()) << "a dry run changes nothing";

  r = run({"apply", "--file", file}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(lines_of(r.out), plan) << r;
  const auto clients = app_clients();
  ASSERT_EQ(clients.size(), 2U);
  for (const auto& [name, ids] : clients) {
    ASSERT_EQ(ids.size(), 1U) << name;
  }

  r = run({"apply", "--file", file}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "no changes\n") << r;
  r = run({"apply", "--file", file, "--dry-run", "--json"}, env_);
  EXPECT_EQ(r.out, "[]\n") << r;

  // What the client fetches: its chain, its key (generate only), client.json with the secret
  // Cognito holds; the certificate is the one registered ACTIVE.
  r = run({"cert", "fetch", "--client", "orders-service", "--out-dir", tmp_ / "creds"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(mode_of(tmp_ / "creds/orders-service.key"), 0600U);
  EXPECT_EQ(mode_of(tmp_ / "creds/client.json"), 0600U);
  const json::value client = *core::parse_json(slurp(tmp_ / "creds/client.json"));
  const std::string id = str(client, "client_id");
  EXPECT_EQ(id, clients.at("orders-service").front());
  EXPECT_EQ(*core::find(client, "scopes"), (json::array{"mtls-api/orders.read"}));
  EXPECT_EQ(str(client, "token_url"), "https://api.example.test/token");
  aws::CognitoIdp idp(config(cognito_url()));
  const auto described = idp.call("DescribeUserPoolClient",
                                  json::object{{"UserPoolId", kPool}, {"ClientId", id}}, soon());
  const std::string secret = str(*core::find(described, "UserPoolClient"), "ClientSecret");
  EXPECT_EQ(str(client, "client_secret"), secret);
  const auto recs = records(id);
  ASSERT_EQ(recs.size(), 1U);
  EXPECT_EQ(recs[0].status, mtls::CertStatus::kActive);
  EXPECT_EQ(recs[0].thumbprint, thumbprint_of_pem(slurp(tmp_ / "creds/orders-service.pem")));
  EXPECT_EQ(run_openssl_verify({"-CAfile", tmp_ / "creds/orders-service-chain.pem",
                                "-partial_chain", tmp_ / "creds/orders-service.pem"}),
            0);
  // The CSR client keeps its key: nothing of it is stored.
  r = run({"cert", "fetch", "--client", "billing", "--out-dir", tmp_ / "billing"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_FALSE(fs::exists(tmp_ / "billing/billing.key"));
  EXPECT_FALSE(parameter(prefix_ + "/clients/billing/billing.key"));
  // No secret in anything apply printed.
  EXPECT_EQ(r.out.find(secret), std::string::npos);
}

TEST_F(PkiStack, ApplyRevokesRemovedClientsAndRotatesWithinRenewWithin) {
  init_ca();
  fs::create_directories(tmp_ / "csr");
  spit(tmp_ / "csr/billing.csr", pki::create_csr("billing", pki::KeyType::kEcP256).cert_pem);
  ASSERT_EQ(run({"apply", "--file", clients_file(kTwoClients)}, env_).exit_code, 0);
  const std::string orders = app_clients().at("orders-service").front();
  const std::string billing = app_clients().at("billing").front();

  // Within --renew-within of expiry (365 days < 400): a successor; the old one stays ACTIVE.
  Result r = run({"apply", "--file", tmp_ / "clients.json", "--renew-within", "400"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(lines_of(r.out).size(), 2U) << r;
  EXPECT_EQ(r.out.rfind("rotate billing (expires ", 0), 0U) << r;
  EXPECT_EQ(records(orders).size(), 2U);

  spit(tmp_ / "clients.json", R"({"clients": {"billing": {"scopes": ["orders.read", "health.read"],
    "access_token_validity_minutes": 15, "certificate": {"csr": "csr/billing.csr"}}}})");
  r = run({"apply", "--file", tmp_ / "clients.json", "--dry-run"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "revoke orders-service (2 certificate(s))\n") << r;
  EXPECT_EQ(records(orders)[0].status, mtls::CertStatus::kActive) << "dry run";
  r = run({"apply", "--file", tmp_ / "clients.json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  for (const auto& rec : records(orders)) {
    EXPECT_EQ(rec.status, mtls::CertStatus::kRevoked);
    EXPECT_EQ(rec.revocation_reason.value_or(""), "cessation-of-operation");
  }
  EXPECT_EQ(records(billing).size(), 2U);
  EXPECT_EQ(run({"apply", "--file", tmp_ / "clients.json"}, env_).out, "no changes\n");
}

// The smoke test's revoked canary (issue 18): "revoked_canary": true keeps a second certificate
// of the client at /<prefix>/clients/<name>-revoked (leaf and key, no second copy of the secret),
// registered REVOKED; a second apply plans nothing; near its expiry it is issued again.
TEST_F(PkiStack, ApplyKeepsARevokedCanaryCertificate) {
  init_ca();
  const std::string file = clients_file(R"({"clients": {"canary": {"scopes": ["health.read"],
    "certificate": {"generate": {"days": 90}}, "revoked_canary": true}}})");
  Result r = run({"apply", "--file", file, "--dry-run"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::vector<std::string> plan{"create canary",
                                      "issue canary",
                                      "register canary",
                                      "issue canary (revoked canary)",
                                      "register canary (revoked canary)",
                                      "revoke canary (revoked canary)"};
  EXPECT_EQ(lines_of(r.out), plan) << r;
  r = run({"apply", "--file", file}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(lines_of(r.out), plan) << r;

  const std::string id = app_clients().at("canary").front();
  const std::string at = prefix_ + "/clients/canary-revoked/canary-revoked";
  const auto revoked_pem = parameter(at + ".pem");
  ASSERT_TRUE(revoked_pem);
  EXPECT_TRUE(parameter(at + ".key"));
  EXPECT_FALSE(parameter(prefix_ + "/clients/canary-revoked/client.json"));
  const auto count = [&](mtls::CertStatus status) {
    const auto recs = records(id);
    return std::count_if(recs.begin(), recs.end(),
                         [&](const auto& x) { return x.status == status; });
  };
  EXPECT_EQ(count(mtls::CertStatus::kActive), 1);
  ASSERT_EQ(count(mtls::CertStatus::kRevoked), 1);
  for (const auto& rec : records(id)) {
    if (rec.status == mtls::CertStatus::kRevoked) {
      EXPECT_EQ(rec.thumbprint, thumbprint_of_pem(*revoked_pem));
      EXPECT_EQ(rec.revocation_reason.value_or(""), "unspecified");
    }
  }
  r = run({"apply", "--file", file}, env_);
  EXPECT_EQ(r.out, "no changes\n") << r;

  // Within --renew-within of its expiry: a new one, revoked too (and the ACTIVE one rotated).
  r = run({"apply", "--file", file, "--renew-within", "100"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("issue canary (revoked canary)\nregister canary (revoked canary)\n"
                       "revoke canary (revoked canary)\n"),
            std::string::npos)
      << r;
  EXPECT_NE(parameter(at + ".pem"), revoked_pem);
  EXPECT_EQ(count(mtls::CertStatus::kRevoked), 2);

  // No client may take the canary's material name.
  r = run({"apply", "--dry-run", "--file", clients_file(R"({"clients": {
    "canary": {"scopes": ["health.read"], "certificate": {"generate": {}}, "revoked_canary": true},
    "canary-revoked": {"scopes": ["health.read"], "certificate": {"generate": {}}}}})")},
          env_);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(
      r.err.find("clients.canary-revoked: the name is taken by clients.canary.revoked_canary"),
      std::string::npos)
      << r;
}

// The file's scopes and token lifetime are the app client's: a change in the file updates the
// app client in place (plan line `update`; its id and secret stay), and then nothing is planned.
TEST_F(PkiStack, ApplyUpdatesAnAppClientWhoseScopesOrTokenLifetimeChanged) {
  init_ca();
  const std::string file = clients_file(R"({"clients": {"orders-service": {
    "scopes": ["orders.read"], "certificate": {"generate": {}}}}})");
  ASSERT_EQ(run({"apply", "--file", file}, env_).exit_code, 0);
  const std::string id = app_clients().at("orders-service").front();
  aws::CognitoIdp idp(config(cognito_url()));
  const auto describe = [&] {
    const auto answer = idp.call("DescribeUserPoolClient",
                                 json::object{{"UserPoolId", kPool}, {"ClientId", id}}, soon());
    return *core::find(answer, "UserPoolClient");
  };
  const std::string secret = str(describe(), "ClientSecret");

  clients_file(R"({"clients": {"orders-service": {"scopes": ["orders.read", "health.read"],
    "access_token_validity_minutes": 15, "certificate": {"generate": {}}}}})");
  Result r = run({"apply", "--file", file, "--dry-run"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out,
            "update orders-service (scopes mtls-api/health.read mtls-api/orders.read, access "
            "token 15 min)\n")
      << r;
  EXPECT_EQ(*core::find(describe(), "AllowedOAuthScopes"), (json::array{"mtls-api/orders.read"}))
      << "a dry run";
  r = run({"apply", "--file", file}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto updated = describe();
  EXPECT_EQ(*core::find(updated, "AllowedOAuthScopes"),
            (json::array{"mtls-api/health.read", "mtls-api/orders.read"}));
  EXPECT_EQ(core::get_int(updated, "AccessTokenValidity"), 15);
  EXPECT_EQ(str(updated, "ClientSecret"), secret) << "the secret stays";
  EXPECT_EQ(app_clients().at("orders-service"), std::vector<std::string>{id}) << "no new client";
  EXPECT_EQ(run({"apply", "--file", file}, env_).out, "no changes\n");
}

TEST_F(PkiStack, AMalformedClientsFileNamesLineAndFieldAndChangesNothing) {
  init_ca();
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"clients": {"Bad_Name": {"scopes": ["a"], "certificate": {"generate": {}}}}})",
       ":1: clients.Bad_Name: a name is"},
      {"{\n \"clients\": {\n  \"ok\": {\n   \"scopes\": [],\n   \"certificate\": {\"generate\": "
       "{}}}}}",
       ":4: clients.ok.scopes:"},
      {"{\"clients\": {\"ok\": {\"scopes\": [\"a\"],\n \"certificate\": {\"csr\": "
       "\"missing.csr\"}}}}",
       ":2: clients.ok.certificate.csr:"},
      {"{\"clients\": {\"ok\": {\"scopes\": [\"a\"], \"colour\": 1,\n \"certificate\": "
       "{\"generate\": {}}}}}",
       ":1: clients.ok.colour: unknown field"},
      {"{\"clients\": {\"ok\": {\"scopes\": [\"a\"],\n\n \"certificate\": {\"generate\": "
       "{\"days\": 0}}}}}",
       ":3: clients.ok.certificate.generate.days:"},
      {"{\"clients\": {\n\"ok\": {\"scopes\": [\"a\"] \"certificate\": 1}}}",
       ":2: (file): not JSON"},
  };
  for (const auto& [body, expected] : cases) {
    const Result r = run({"apply", "--file", clients_file(body)}, env_);
    EXPECT_EQ(r.exit_code, 2) << body << "\n" << r;
    EXPECT_NE(r.err.find(tmp_ / "clients.json" + expected), std::string::npos) << expected << "\n"
                                                                               << r;
  }
  // A CSR with an RSA-1024 key is a malformed file too.
  spit(tmp_ / "weak.csr", pki::create_csr("w", pki::KeyType::kRsa2048, 1024).cert_pem);
  const Result r = run({"apply", "--file", clients_file(R"({"clients": {"w": {"scopes": ["a"],
      "certificate": {"csr": "weak.csr"}}}})")},
                       env_);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find("1024 bits"), std::string::npos) << r;
  EXPECT_TRUE(app_clients().empty());
}

// What an apply killed half way leaves, and the next apply finishing it: an app client made but
// its secret not yet stored (adopted, not duplicated), a certificate stored but not yet registered
// (registered, not issued again).
TEST_F(PkiStack, ApplyFinishesWhatAnInterruptedApplyLeft) {
  init_ca();
  const std::string file =
      clients_file(R"({"clients": {"orders-service": {"scopes": ["orders.read"],
      "certificate": {"generate": {}}}}})");
  aws::CognitoIdp idp(config(cognito_url()));
  idp.call("CreateUserPoolClient",
           json::object{{"UserPoolId", kPool},
                        {"ClientName", "orders-service"},
                        {"GenerateSecret", true},
                        {"AllowedOAuthFlows", json::array{"client_credentials"}},
                        {"AllowedOAuthScopes", json::array{"mtls-api/orders.read"}},
                        {"AllowedOAuthFlowsUserPoolClient", true}},
           soon());
  Result r = run({"apply", "--file", file}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(lines_of(r.out),
            (std::vector<std::string>{"adopt orders-service", "issue orders-service",
                                      "register orders-service"}))
      << r;
  ASSERT_EQ(app_clients().at("orders-service").size(), 1U) << "no duplicate app client";
  const std::string id = app_clients().at("orders-service").front();

  // The registration lost (as if killed between storing and registering).
  aws::DynamoDb db(config(dynalite_->endpoint()));
  const std::string stored =
      thumbprint_of_pem(*parameter(prefix_ + "/clients/orders-service/orders-service.pem"));
  db.client().call("DeleteItem",
                   json::object{{"TableName", table_},
                                {"Key", json::object{{"thumbprint", json::object{{"S", stored}}}}}},
                   soon());
  r = run({"apply", "--file", file}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(lines_of(r.out).size(), 1U) << r;
  EXPECT_EQ(r.out.rfind("register orders-service (stored ", 0), 0U) << r;
  const auto recs = records(id);
  ASSERT_EQ(recs.size(), 1U);
  EXPECT_EQ(recs[0].thumbprint, stored) << "the stored certificate, not a new one";
  EXPECT_EQ(run({"apply", "--file", file}, env_).out, "no changes\n");
}

// Intermediate rotation as ca-rotate.yml runs it: a new intermediate, the truststore with both,
// apply re-issues every client under the new one, retire refuses while old ACTIVE certificates
// remain and, with --revoke-superseded, revokes them and retires.
TEST_F(PkiStack, IntermediateRotationReissuesAndRetires) {
  init_ca();
  const std::string file =
      clients_file(R"({"clients": {"orders-service": {"scopes": ["orders.read"],
      "certificate": {"generate": {}}}}})");
  ASSERT_EQ(run({"apply", "--file", file}, env_).exit_code, 0);
  Result r = run({"ca", "rotate-intermediate", "--dry-run"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out.rfind("create intermediate CN=Pki Test Intermediate CA G2\n", 0), 0U) << r;
  r = run({"ca", "rotate-intermediate"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(run({"ca", "rotate-intermediate"}, env_).exit_code, 1) << "one rotation at a time";
  r = run({"ca", "truststore", "--parameter", prefix_ + "/truststore", "--json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(core::get_int(parse_out(r), "certificates"), 3);
  EXPECT_EQ(pki::split_pem_bundle(*parameter(prefix_ + "/truststore")).size(), 3U);

  r = run({"apply", "--file", file}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "rotate orders-service (issued by CN=Pki Test Intermediate CA)\n") << r;
  const std::string id = app_clients().at("orders-service").front();
  ASSERT_EQ(records(id).size(), 2U);

  r = run({"ca", "retire-intermediate"}, env_);
  EXPECT_EQ(r.exit_code, 1) << "an ACTIVE certificate of the old one remains\n" << r;
  r = run({"ca", "retire-intermediate", "--revoke-superseded"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("(superseded)"), std::string::npos) << r;
  EXPECT_FALSE(parameter(prefix_ + "/pki/previous-intermediate-ca.key"));
  r = run({"ca", "truststore", "--parameter", prefix_ + "/truststore", "--json"}, env_);
  EXPECT_EQ(core::get_int(parse_out(r), "certificates"), 2);
  int active = 0;
  for (const auto& rec : records(id)) {
    active += rec.status == mtls::CertStatus::kActive ? 1 : 0;
    EXPECT_EQ(rec.status == mtls::CertStatus::kActive,
              rec.issuer_dn == "CN=Pki Test Intermediate CA G2");
  }
  EXPECT_EQ(active, 1);
}

// docs/operations.md section 8.2: the old intermediate's key leaked. `retire-intermediate
// --revoke-all --reason ca-compromise` ends every certificate it issued (the suspended one too),
// even where the client has no new one yet, then retires it.
TEST_F(PkiStack, RetireIntermediateRevokeAllEndsEveryCertificateOfTheOldOne) {
  init_ca();
  const std::string file = clients_file(R"({"clients": {
    "a": {"scopes": ["orders.read"], "certificate": {"generate": {}}},
    "b": {"scopes": ["orders.read"], "certificate": {"generate": {}}}}})");
  ASSERT_EQ(run({"apply", "--file", file}, env_).exit_code, 0);
  const std::string a = app_clients().at("a").front();
  const std::string b = app_clients().at("b").front();
  ASSERT_EQ(run({"client", "suspend", "--client", "b"}, env_).exit_code, 0);
  ASSERT_EQ(run({"ca", "rotate-intermediate"}, env_).exit_code, 0);
  EXPECT_EQ(
      run({"ca", "retire-intermediate", "--revoke-all", "--revoke-superseded"}, env_).exit_code, 2);
  EXPECT_EQ(run({"ca", "retire-intermediate", "--revoke-all", "--reason", "certificate-hold"}, env_)
                .exit_code,
            2);
  Result r = run({"ca", "retire-intermediate", "--revoke-all", "--dry-run"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3) << "two revocations, one retirement\n"
                                                             << r;
  EXPECT_EQ(records(a)[0].status, mtls::CertStatus::kActive) << "a dry run";
  r = run({"ca", "retire-intermediate", "--revoke-all", "--reason", "cACompromise"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  for (const auto& id : {a, b}) {
    const auto recs = records(id);
    ASSERT_EQ(recs.size(), 1U);
    EXPECT_EQ(recs[0].status, mtls::CertStatus::kRevoked);
    EXPECT_EQ(recs[0].revocation_reason.value_or(""), "ca-compromise");
  }
  EXPECT_FALSE(parameter(prefix_ + "/pki/previous-intermediate-ca.key"));
  // The next apply gives each client a certificate of the new intermediate.
  r = run({"apply", "--file", file}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("issue a"), std::string::npos) << r;
}

TEST_F(PkiStack, SuspendResumeAndListFilters) {
  init_ca();
  const std::string file =
      clients_file(R"({"clients": {"orders-service": {"scopes": ["orders.read"],
      "certificate": {"generate": {"days": 20}}}}})");
  ASSERT_EQ(run({"apply", "--file", file, "--renew-within", "10"}, env_).exit_code, 0);
  const std::string id = app_clients().at("orders-service").front();
  Result r =
      run({"client", "list", "--status", "ACTIVE", "--expiring-within", "30d", "--json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(parse_out(r).as_array().size(), 1U);
  r = run({"client", "list", "--status", "ACTIVE", "--expiring-within", "10d", "--json"}, env_);
  EXPECT_EQ(parse_out(r).as_array().size(), 0U) << r;
  EXPECT_EQ(run({"client", "list", "--expiring-within", "soon"}, env_).exit_code, 2);

  r = run({"client", "suspend", "--client", "orders-service"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(records(id)[0].status, mtls::CertStatus::kSuspended);
  EXPECT_EQ(run({"apply", "--file", file, "--renew-within", "10"}, env_).out, "no changes\n")
      << "apply issues nothing for a suspended client";
  r = run({"client", "list", "--status", "SUSPENDED", "--json"}, env_);
  EXPECT_EQ(parse_out(r).as_array().size(), 1U) << r;
  r = run({"client", "resume", "--client-id", id}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(records(id)[0].status, mtls::CertStatus::kActive);
}

// Issue 17 item 5: `crl export` writes what the registry says as a CRL that openssl verifies
// against the intermediate (REVOKED with its reason, SUSPENDED as certificateHold); `crl import`
// applies a verified CRL to the registry by issuer and serial, once; a CRL of another CA changes
// nothing.
TEST_F(PkiStack, CrlExportListsWhatTheRegistrySaysAndImportAppliesAVerifiedCrlOnce) {
  init_ca();
  std::map<std::string, std::string> pem;  // name -> leaf
  for (const std::string name : {"kept", "revoked", "held", "later"}) {
    const Result r = run({"cert", "issue", "--client-id", name, "--out-dir", tmp_ / name}, env_);
    ASSERT_EQ(r.exit_code, 0) << r;
    pem[name] = slurp(tmp_ / name + "/" + name + ".pem");
    ASSERT_EQ(run({"client", "register", "--cert", tmp_ / name + "/" + name + ".pem", "--client-id",
                   name},
                  env_)
                  .exit_code,
              0);
  }
  ASSERT_EQ(run({"client", "revoke", "--cert", tmp_ / "revoked/revoked.pem", "--reason",
                 "key-compromise"},
                env_)
                .exit_code,
            0);
  ASSERT_EQ(run({"client", "suspend", "--client-id", "held"}, env_).exit_code, 0);

  Result r = run({"crl", "export", "--out", tmp_ / "intermediate.crl", "--json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(parse_out(r).at("entries").as_int64(), 2) << r;
  const std::string inter = *parameter(prefix_ + "/pki/intermediate-ca.pem");
  const std::string root = *parameter(prefix_ + "/pki/root-ca.pem");
  spit(tmp_ / "chain.pem", inter + root);
  // openssl's own reading: signed by the intermediate, the two serials with their reasons.
  test::ChildProcess openssl({"openssl", "crl", "-in", tmp_ / "intermediate.crl", "-CAfile",
                              tmp_ / "chain.pem", "-noout", "-text"},
                             {}, true, tmp_ / "openssl.out");
  const auto status = openssl.wait_for(seconds(30));
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << slurp(tmp_ / "openssl.out");
  const std::string text = slurp(tmp_ / "openssl.out");
  EXPECT_NE(text.find("verify OK"), std::string::npos) << text;
  EXPECT_NE(text.find("Key Compromise"), std::string::npos) << text;
  EXPECT_NE(text.find("Certificate Hold"), std::string::npos) << text;
  const auto serial_of = [&](const std::string& name) {
    return mtls::ClientCertificate::from_pem(pem[name]).serial_number;
  };
  std::string upper = serial_of("revoked");
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  EXPECT_NE(text.find(upper), std::string::npos) << text;
  // No previous intermediate yet: nothing to sign with.
  EXPECT_EQ(run({"crl", "export", "--out", tmp_ / "p.crl", "--issuer", "previous"}, env_).exit_code,
            1);

  // Import: another system revoked "later" (superseded) and a certificate we never registered.
  const pki::KeyAndCert signer{*parameter(prefix_ + "/pki/intermediate-ca.key"), inter};
  const auto now = core::SystemClock().now();
  spit(tmp_ / "theirs.crl",
       pki::create_crl(signer,
                       {{serial_of("later"), now, "superseded"}, {"0badc0de", now, "unspecified"}},
                       1, now, now + std::chrono::hours(24)));
  r = run({"crl", "import", tmp_ / "theirs.crl", "--dry-run"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("1 changed, 0 already revoked or suspended, 1 not registered"),
            std::string::npos)
      << r;
  EXPECT_EQ(records("later")[0].status, mtls::CertStatus::kActive) << "a dry run";
  r = run({"crl", "import", tmp_ / "theirs.crl"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(records("later")[0].status, mtls::CertStatus::kRevoked);
  EXPECT_EQ(records("later")[0].revocation_reason.value_or(""), "superseded");
  EXPECT_EQ(records("kept")[0].status, mtls::CertStatus::kActive);
  r = run({"crl", "import", tmp_ / "theirs.crl", "--json"}, env_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(parse_out(r).at("changed").as_int64(), 0) << r;
  EXPECT_EQ(parse_out(r).at("already").as_int64(), 1) << r;

  // A CRL signed by a CA that is not ours: refused, nothing changed.
  const auto other_root =
      pki::create_root_ca("Other Root", pki::KeyType::kEcP256, pki::days_from(now, 30));
  spit(tmp_ / "forged.crl", pki::create_crl(other_root, {{serial_of("kept"), now, "unspecified"}},
                                            1, now, now + std::chrono::hours(24)));
  r = run({"crl", "import", tmp_ / "forged.crl"}, env_);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("not signed by any of the given CA certificates"), std::string::npos) << r;
  EXPECT_EQ(records("kept")[0].status, mtls::CertStatus::kActive);
}

TEST(MtlsctlVersion, PrintsItsVersion) {
  const Result r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out.rfind("mtlsctl ", 0), 0U) << r;
}

}  // namespace
}  // namespace agm::mtlsctl
