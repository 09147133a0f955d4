// The real pre-token program (<build>/bin/pre-token) started with ONLY its variables, against a
// fake Lambda Runtime API and dynalite holding the registry: the V3_0 event Cognito sends in, the
// same event with cnf out (Runtime API response), or a Runtime API error.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/dynamodb.hpp"
#include "core/json.hpp"
#include "integration/functions/stack.hpp"
#include "mtls/dynamo_registry.hpp"
#include "mtls/registry.hpp"

namespace agm::test {
namespace {

using namespace std::chrono_literals;

using test::read_file;

std::string log_path(const std::string& name) {
  const std::string p = test::binary_dir() + "/pre-token-it-" + name + ".log";
  std::remove(p.c_str());
  return p;
}

std::string pre_token_bin() {
  return test::binary_dir() + "/bin/pre-token";
}

// The event Cognito sends a V3_0 pre token generation trigger for a client_credentials grant
// whose request carried aws_client_metadata={"cert_thumbprint":"<hex>"}.
std::string v3_event(const std::string& client_id, const std::string& thumbprint) {
  return json::serialize(json::object{
      {"version", "3"},
      {"triggerSource", "TokenGeneration_ClientCredentials"},
      {"region", kRegion},
      {"userPoolId", kPool},
      {"userName", nullptr},
      {"callerContext",
       json::object{{"awsSdkVersion", "aws-sdk-unknown-unknown"}, {"clientId", client_id}}},
      {"request", json::object{{"userAttributes", json::object{}},
                               {"groupConfiguration", json::object{}},
                               {"scopes", json::array{FunctionStack::kScope}},
                               {"clientMetadata", json::object{{"cert_thumbprint", thumbprint}}}}},
      {"response", json::object{{"claimsAndScopeOverrideDetails", nullptr}}}});
}

class PreTokenIT : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack = new FunctionStack();  // one per suite
    stack->register_cert(stack->cert_a.cert_pem, "client-a");
  }
  static void TearDownTestSuite() {
    delete stack;
    stack = nullptr;
  }
  static aws::ClientConfig dynalite() {
    aws::ClientConfig c;
    c.region = kRegion;
    c.endpoint = stack->dynalite.endpoint();
    c.credentials = aws::Credentials{"AKIDTEST", "test-secret", ""};
    return c;
  }
  static FunctionStack* stack;
};
FunctionStack* PreTokenIT::stack = nullptr;

TEST_F(PreTokenIT, BindsTheRegisteredClientsCertificateAndRefusesOthers) {
  const auto cert = mtls::ClientCertificate::from_pem(stack->cert_a.cert_pem);
  const auto unknown = mtls::ClientCertificate::from_pem(stack->cert_unknown.cert_pem);
  FakeRuntimeApi api;
  api.push(v3_event("client-a", cert.thumbprint));     // allow
  api.push(v3_event("client-b", cert.thumbprint));     // another client's certificate
  api.push(v3_event("client-a", unknown.thumbprint));  // not registered
  const std::string log = log_path("bind");
  test::ChildProcess fn({pre_token_bin()}, stack->common_env(api), false, log);
  const auto results = api.wait_results(3, 20s);
  ASSERT_EQ(results.size(), 3U) << read_file(log);

  EXPECT_EQ(results[0].request_id, "req-1");
  ASSERT_EQ(results[0].kind, "response") << results[0].body << read_file(log);
  const auto out = core::parse_json(results[0].body).value();
  EXPECT_EQ(core::get_string_path(
                out, {"response", "claimsAndScopeOverrideDetails", "accessTokenGeneration",
                      "claimsToAddOrOverride", "cnf", "x5t#S256"})
                .value_or(""),
            cert.x5t_s256)
      << results[0].body;
  EXPECT_EQ(core::get_string_path(out, {"callerContext", "clientId"}).value_or(""), "client-a");
  EXPECT_EQ(core::get_string(out, "triggerSource").value_or(""),
            "TokenGeneration_ClientCredentials");

  for (std::size_t i : {1U, 2U}) {
    EXPECT_EQ(results[i].kind, "error") << results[i].body;
    const auto err = core::parse_json(results[i].body).value();
    EXPECT_EQ(core::get_string(err, "errorType").value_or(""), "CertificateBindingRefused");
    EXPECT_EQ(results[i].body.find("client"), std::string::npos) << "no reason in the error";
  }
  fn.stop();
  const std::string text = read_file(log);
  EXPECT_NE(text.find(R"("reason":"allowed")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("reason":"client_mismatch")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("reason":"cert_not_registered")"), std::string::npos) << text;
}

TEST_F(PreTokenIT, ARevocationInTheRegistryStopsTheNextToken) {
  const auto cert_b = stack->pki.client("client-b", 30);
  const auto cert = mtls::ClientCertificate::from_pem(cert_b.cert_pem);
  stack->register_cert(cert_b.cert_pem, "client-b");
  FakeRuntimeApi api(10s);
  const std::string log = log_path("revoke");
  test::ChildProcess fn({pre_token_bin()}, stack->common_env(api), false, log);
  api.push(v3_event("client-b", cert.thumbprint));
  auto results = api.wait_results(1, 20s);
  ASSERT_EQ(results.size(), 1U) << read_file(log);
  EXPECT_EQ(results[0].kind, "response") << results[0].body << read_file(log);

  aws::DynamoDb db(dynalite());
  mtls::DynamoRegistry registry(db, FunctionStack::kTable, 5000ms);
  (void)registry.revoke(cert.thumbprint, "key compromise", agm::core::SystemClock().now());
  api.push(v3_event("client-b", cert.thumbprint));  // the same warm process
  results = api.wait_results(2, 20s);
  ASSERT_EQ(results.size(), 2U) << read_file(log);
  EXPECT_EQ(results[1].kind, "error") << results[1].body;
  fn.stop();
  EXPECT_NE(read_file(log).find(R"("reason":"cert_revoked")"), std::string::npos) << read_file(log);
}

// Registry dates at the edges of X.509's range, stored as the certificates carry them: a record
// valid until 9999-12-31T23:59:59Z binds; one for 2600-2615 (not valid yet) and one for 1950-1960
// (expired) refuse. In a nanosecond clock 2600 wraps into the past and would bind.
TEST_F(PreTokenIT, RecordValidityBeyond2262AndBefore1970) {
  const auto at = [](int year, int month, int day) {
    return core::from_civil(year, month, day, 0, 0, 0).value();
  };
  const auto forever =
      stack->pki.client_valid("client-d", core::SystemClock().now() - std::chrono::hours(24),
                              core::from_civil(9999, 12, 31, 23, 59, 59).value());
  const auto future = stack->pki.client_valid("client-d", at(2600, 1, 1), at(2615, 1, 1));
  const auto past = stack->pki.client_valid("client-d", at(1950, 1, 1), at(1960, 1, 1));
  FakeRuntimeApi api;
  for (const auto* c : {&forever, &future, &past}) {
    stack->register_cert(c->cert_pem, "client-d");
    api.push(v3_event("client-d", mtls::ClientCertificate::from_pem(c->cert_pem).thumbprint));
  }
  const std::string log = log_path("far-dates");
  test::ChildProcess fn({pre_token_bin()}, stack->common_env(api), false, log);
  const auto results = api.wait_results(3, 20s);
  ASSERT_EQ(results.size(), 3U) << read_file(log);
  EXPECT_EQ(results[0].kind, "response") << results[0].body << read_file(log);
  EXPECT_EQ(results[1].kind, "error") << results[1].body;
  EXPECT_EQ(results[2].kind, "error") << results[2].body;
  fn.stop();
  const std::string text = read_file(log);
  EXPECT_NE(text.find(R"("reason":"record_not_yet_valid")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("reason":"record_expired")"), std::string::npos) << text;
}

TEST_F(PreTokenIT, AnUnreachableRegistryRefuses) {
  const auto cert = mtls::ClientCertificate::from_pem(stack->cert_a.cert_pem);
  FakeRuntimeApi api;
  auto env = stack->common_env(api);
  env["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:" + std::to_string(test::free_port());
  api.push(v3_event("client-a", cert.thumbprint));
  const std::string log = log_path("unreachable");
  test::ChildProcess fn({pre_token_bin()}, env, false, log);
  const auto results = api.wait_results(1, 30s);
  ASSERT_EQ(results.size(), 1U) << read_file(log);
  EXPECT_EQ(results[0].kind, "error") << results[0].body;
  fn.stop();
  EXPECT_NE(read_file(log).find(R"("reason":"registry_unavailable")"), std::string::npos)
      << read_file(log);
}

TEST_F(PreTokenIT, MissingConfigurationIsAnInitErrorNamingTheVariable) {
  for (const char* variable : {"CERT_TABLE_NAME", "AWS_REGION"}) {
    FakeRuntimeApi api;
    auto env = stack->common_env(api);
    env.erase(variable);
    const std::string log = log_path(std::string("init-") + variable);
    test::ChildProcess fn({pre_token_bin()}, env, false, log);
    const auto error = api.wait_init_error(10s);
    ASSERT_TRUE(error.has_value()) << variable << ": " << read_file(log);
    const auto body = core::parse_json(*error).value();
    EXPECT_NE(std::string(core::get_string(body, "errorMessage").value_or("")).find(variable),
              std::string::npos)
        << *error;
    EXPECT_EQ(core::get_string(body, "errorType").value_or(""), "Runtime.InvalidConfiguration");
    const auto status = fn.wait_for(10s);
    ASSERT_TRUE(status.has_value()) << "pre-token did not exit";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0);
  }
}

// dist/pre-token/bootstrap (docs/contract.md section 8) as `scripts/package` makes it, run with
// only its variables.
TEST_F(PreTokenIT, TheBundleServesAnInvocationWithOnlyItsVariables) {
#ifdef AGM_SANITIZED
  GTEST_SKIP() << "a sanitized program is never what gets packaged";
#endif
  char tmpl[] = "/tmp/agm-pre-token-bundle-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string work = tmpl;
  const std::string pkg_log = work + "/package.log";
  {
    test::ChildProcess package({test::project_root() + "/scripts/package", "--build-dir",
                                test::binary_dir(), "--out", work + "/dist"},
                               {}, true, pkg_log);
    const auto status = package.wait_for(180s);
    ASSERT_TRUE(status.has_value()) << "scripts/package hung";
    ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << read_file(pkg_log);
  }
  const auto cert = mtls::ClientCertificate::from_pem(stack->cert_a.cert_pem);
  FakeRuntimeApi api;
  api.push(v3_event("client-a", cert.thumbprint));
  const std::string log = work + "/pre-token.log";
  {
    test::ChildProcess fn({work + "/dist/pre-token/bootstrap"}, stack->common_env(api), false, log);
    const auto results = api.wait_results(1, 20s);
    ASSERT_EQ(results.size(), 1U) << read_file(log);
    EXPECT_EQ(results[0].kind, "response") << results[0].body << read_file(log);
    EXPECT_NE(results[0].body.find(cert.x5t_s256), std::string::npos) << results[0].body;
  }
  std::error_code ec;
  std::filesystem::remove_all(work, ec);
}

}  // namespace
}  // namespace agm::test
