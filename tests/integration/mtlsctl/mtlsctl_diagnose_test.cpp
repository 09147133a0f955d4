// Issue 18's acceptance: `mtlsctl diagnose` names the failing rule for each of an unregistered,
// a revoked and an expired certificate, another client's token, a missing scope and a wrong
// issuer, against dynalite (the registry) and the Cognito emulator (app clients, tokens, JWKS),
// and says "would be allowed" for a request the authorizer lets through.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "aws/dynamodb.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "harness.hpp"
#include "mtls/dynamo_registry.hpp"
#include "oauth/protocol.hpp"
#include "oauth/token_client.hpp"
#include "pki/pki.hpp"
#include "support/dynalite.hpp"
#include "support/dynamodb_tables.hpp"
#include "support/process.hpp"

namespace agm::test {
namespace {

constexpr const char* kPool = "us-east-1_DiagnosePool";
constexpr const char* kHealthScope = "mtls-api/health.read";
constexpr const char* kAdminScope = "mtls-api/admin";

struct AppClient {
  std::string id, secret;
};

class MtlsctlDiagnose : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dynalite_ = std::make_unique<Dynalite>();
    aws::DynamoDb db(dynalite_config(dynalite_->endpoint()));
    ASSERT_NO_THROW(create_table_and_wait(db, mtls::DynamoRegistry::create_table_request(kTable)));
    state_ = std::make_unique<TempDir>();
    const std::uint16_t port = free_port();
    cognito_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{binary_dir() + "/bin/agm-cognito", "--host", "127.0.0.1", "--port",
                                 std::to_string(port), "--region", kRegion, "--user-pool-id", kPool,
                                 "--state-dir", *state_ / "state", "--resource-server-scopes",
                                 kHealthScope, kAdminScope},
        std::map<std::string, std::string>{}, true, *state_ / "cognito.log");
    ASSERT_TRUE(wait_for_port(port, std::chrono::seconds(15))) << slurp(*state_ / "cognito.log");
    cognito_url_ = "http://127.0.0.1:" + std::to_string(port);
  }
  static void TearDownTestSuite() {
    cognito_.reset();
    state_.reset();
    dynalite_.reset();
  }

  void SetUp() override {
    env_ = aws_env();
    env_["AWS_ENDPOINT_URL_DYNAMODB"] = dynalite_->endpoint();
    env_["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] = cognito_url_;
    env_["CERT_TABLE_NAME"] = kTable;
    env_["COGNITO_USER_POOL_ID"] = kPool;
    env_["COGNITO_JWKS_URL"] = cognito_url_ + "/" + kPool + "/.well-known/jwks.json";
    env_["COGNITO_TOKEN_URL"] = cognito_url_ + "/oauth2/token";
    env_["ROUTE_SCOPES"] =
        std::string("GET /health=") + kHealthScope + ";GET /admin=" + kAdminScope;
    ASSERT_EQ(run({"ca", "init", "--dir", ca_}).exit_code, 0);
  }

  AppClient create_client(const std::string& name) {
    const Result r =
        run({"client", "create", "--name", name, "--scopes", kHealthScope, "--json"}, env_);
    EXPECT_EQ(r.exit_code, 0) << r;
    const auto created = parse_out(r);
    return {str(created, "client_id"), str(created, "client_secret")};
  }

  // A certificate for `client`, registered to it unless `registered` is false.
  std::string certificate(const AppClient& client, const std::string& name, bool registered) {
    const std::string dir = tmp_ / name;
    EXPECT_EQ(run({"cert", "issue", "--ca-dir", ca_, "--client-id", client.id, "--out-dir", dir})
                  .exit_code,
              0);
    const std::string file = dir + "/" + client.id + ".pem";
    if (registered) {
      EXPECT_EQ(
          run({"client", "register", "--cert", file, "--client-id", client.id}, env_).exit_code, 0);
    }
    return file;
  }

  // An access token from the emulator's token endpoint, as a client would get one.
  static std::string token_of(const AppClient& client) {
    oauth::TokenEndpointClient endpoint(cognito_url_ + "/oauth2/token", net::HttpOptions{});
    const auto answer = endpoint.request(oauth::basic_authorization(client.id, client.secret),
                                         oauth::client_credentials_form({kHealthScope}, ""));
    EXPECT_EQ(answer.status, 200) << answer.body;
    const auto body = core::parse_json(answer.body);
    return body ? std::string(core::get_string(*body, "access_token").value_or("")) : "";
  }

  // diagnose --json; checks the exit code and returns what it printed.
  json::value diagnose(std::vector<std::string> args, int expected_exit,
                       const std::map<std::string, std::string>& extra_env = {}) {
    auto env = env_;
    for (const auto& [k, v] : extra_env)
      env[k] = v;
    args.insert(args.begin(), "diagnose");
    args.emplace_back("--json");
    const Result r = run(args, env);
    EXPECT_EQ(r.exit_code, expected_exit) << r;
    return parse_out(r);
  }

  static std::unique_ptr<Dynalite> dynalite_;
  static std::unique_ptr<TempDir> state_;
  static std::unique_ptr<ChildProcess> cognito_;
  static std::string cognito_url_;
  TempDir tmp_;
  std::string ca_ = tmp_ / "ca";
  std::map<std::string, std::string> env_;
};
std::unique_ptr<Dynalite> MtlsctlDiagnose::dynalite_;
std::unique_ptr<TempDir> MtlsctlDiagnose::state_;
std::unique_ptr<ChildProcess> MtlsctlDiagnose::cognito_;
std::string MtlsctlDiagnose::cognito_url_;

TEST_F(MtlsctlDiagnose, NamesTheFailingRuleForEachWayARequestIsRefused) {
  const AppClient alpha = create_client("alpha");
  const AppClient beta = create_client("beta");
  const std::string alpha_token = token_of(alpha);
  const std::string beta_token = token_of(beta);
  ASSERT_FALSE(alpha_token.empty());
  ASSERT_FALSE(beta_token.empty());
  const std::string good = certificate(alpha, "good", true);

  // Allowed: the same question the authorizer answers, and the text form says so.
  auto out = diagnose({"--cert", good, "--token", alpha_token}, 0);
  EXPECT_EQ(out.at("allowed").as_bool(), true);
  EXPECT_EQ(str(out, "reason"), "allowed");
  EXPECT_EQ(str(out, "client_id"), alpha.id);
  Result text = run({"diagnose", "--cert", good, "--token", alpha_token}, env_);
  EXPECT_EQ(text.exit_code, 0) << text;
  EXPECT_NE(text.out.find("would be allowed"), std::string::npos) << text;
  EXPECT_EQ(text.out.find(alpha_token), std::string::npos) << "the token is never printed";

  struct Case {
    std::string name, cert, token, reason, rule;
    std::vector<std::string> extra;
  };
  const std::string unregistered = certificate(alpha, "unregistered", false);
  const std::string revoked = certificate(alpha, "revoked", true);
  ASSERT_EQ(
      run({"client", "revoke", "--cert", revoked, "--reason", "key-compromise"}, env_).exit_code,
      0);
  const pki::KeyAndCert inter{slurp(ca_ + "/intermediate-ca.key"),
                              slurp(ca_ + "/intermediate-ca.pem")};
  const auto now = core::SystemClock().now();
  const std::string expired = tmp_ / "expired.pem";
  spit(expired,
       pki::issue_client_certificate(inter, alpha.id, pki::KeyType::kEcP256,
                                     {now - std::chrono::days(10), now - std::chrono::days(1)})
           .cert_pem);
  ASSERT_EQ(
      run({"client", "register", "--cert", expired, "--client-id", alpha.id, "--allow-expired"},
          env_)
          .exit_code,
      0);

  for (const Case& c : std::vector<Case>{
           {"unregistered", unregistered, alpha_token, "cert_not_registered", "rule 2", {}},
           {"revoked", revoked, alpha_token, "cert_revoked", "rule 2", {}},
           {"expired", expired, alpha_token, "cert_expired", "rule 2", {}},
           {"other client's token", good, beta_token, "client_mismatch", "rule 5", {}},
           {"missing scope",
            good,
            alpha_token,
            "scope_missing",
            "rule 6",
            {"--route", "GET /admin"}},
           {"wrong issuer",
            good,
            alpha_token,
            "token_wrong_issuer",
            "rule 4",
            {"--user-pool-id", "us-east-1_AnotherPool"}},
       }) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> args{"--cert", c.cert, "--token", c.token};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    out = diagnose(args, 3);
    EXPECT_EQ(out.at("allowed").as_bool(), false);
    EXPECT_EQ(str(out, "stage"), "authorizer");
    EXPECT_EQ(str(out, "reason"), c.reason);
    EXPECT_EQ(std::string(out.at("rule").as_string()).substr(0, 6), c.rule);
    EXPECT_FALSE(out.at("fix").as_string().empty());
  }

  // The text form names the rule, the cause and the fix.
  text = run({"diagnose", "--cert", revoked, "--token", alpha_token}, env_);
  EXPECT_EQ(text.exit_code, 3) << text;
  EXPECT_NE(text.out.find("REFUSED at GET /health: cert_revoked"), std::string::npos) << text;
  EXPECT_NE(text.out.find("the certificate was revoked"), std::string::npos) << text;
  EXPECT_NE(text.out.find("fix          issue a new one"), std::string::npos) << text;
}

TEST_F(MtlsctlDiagnose, WithClientCredentialsAsksWhatPostTokenAsksThenCognito) {
  const AppClient alpha = create_client("gamma");
  const std::string good = certificate(alpha, "good", true);
  const std::string secret_file = tmp_ / "secret";
  spit(secret_file, alpha.secret + "\n");

  auto out = diagnose({"--cert", good, "--client-id", alpha.id, "--secret-file", secret_file}, 0);
  EXPECT_EQ(out.at("allowed").as_bool(), true);
  EXPECT_EQ(out.at("token_checked").as_bool(), true);

  // A wrong secret: Cognito refuses, and diagnose says it was Cognito.
  spit(secret_file, "not-the-secret\n");
  out = diagnose({"--cert", good, "--client-id", alpha.id, "--secret-file", secret_file}, 3);
  EXPECT_EQ(str(out, "stage"), "token");
  EXPECT_EQ(str(out, "reason"), "token_endpoint_error");
  EXPECT_NE(std::string(out.at("cause").as_string()).find("invalid_client"), std::string::npos);

  // A certificate of another client: POST /token already refuses it (rule 5 at the token
  // function), before any call to Cognito.
  const AppClient delta = create_client("delta");
  const std::string deltas = certificate(delta, "delta", true);
  out = diagnose({"--cert", deltas, "--client-id", alpha.id, "--secret", alpha.secret}, 3);
  EXPECT_EQ(str(out, "stage"), "token");
  EXPECT_EQ(str(out, "reason"), "client_mismatch");

  // No token at all: rules 1 and 2 only, and it says the rest was not checked.
  out = diagnose({"--cert", good}, 0);
  EXPECT_EQ(out.at("token_checked").as_bool(), false);
  // Usage: a token and client credentials together; a route ROUTE_SCOPES does not list.
  EXPECT_EQ(
      run({"diagnose", "--cert", good, "--token", "x", "--client-id", alpha.id}, env_).exit_code,
      2);
  out = diagnose({"--cert", good, "--route", "GET /nowhere"}, 3);
  EXPECT_EQ(str(out, "reason"), "route_unknown");
}

}  // namespace
}  // namespace agm::test
