// The whole local stack, end to end: scripts/local starts dynalite, agm-cognito and agm-gateway
// (which runs the real token, authorizer and health binaries of this build) on free ports with a
// temporary state dir; the cases talk to it with curl (real TLS, client certificates) and onboard
// clients with mtlsctl only. After a stop no process of the stack may remain.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/encoding.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "e2e/support/local_stack.hpp"
#include "mtls/certificate.hpp"
#include "pki/pki.hpp"
#include "unit/metrics/emf_validator.hpp"

namespace json = boost::json;
using namespace agm::test;
using namespace std::chrono_literals;

namespace {

class LocalStackE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = new std::string(make_temp_dir("agm-e2e-work"));
    stack_ = new Stack(make_temp_dir("agm-e2e-state"));
    ready_ = stack_->wait_ready();
  }
  static void TearDownTestSuite() {
    if (stack_ != nullptr) {
      const std::string state = stack_->state_dir();
      stack_->terminate();
      delete stack_;  // the ChildProcess destructor kills its group if anything is left
      stack_ = nullptr;
      std::filesystem::remove_all(state);
      std::filesystem::remove(state + "-stack.log");
    }
    if (work_ != nullptr) {
      std::filesystem::remove_all(*work_);
      delete work_;
      work_ = nullptr;
    }
  }
  void SetUp() override {
    ASSERT_TRUE(ready_) << "the local stack did not start:\n" << stack_->log();
  }

  static const Stack& stack() { return *stack_; }
  static const std::string& work() { return *work_; }
  static std::string api(const std::string& path) { return stack_->env("API_URL") + path; }

  // POST /token with a certificate and Basic credentials.
  static Result token(const std::string& cert, const std::string& key, const std::string& id,
                      const std::string& secret,
                      const std::string& scope = "mtls-api/health.read") {
    return curl(stack(), work(),
                with_cert(cert, key,
                          {"-u", id + ":" + secret, "-d", "grant_type=client_credentials", "-d",
                           "scope=" + scope, api("/token")}));
  }
  static Result health(const std::string& cert, const std::string& key, const std::string& jwt) {
    return curl(stack(), work(),
                with_cert(cert, key, {"-H", "Authorization: Bearer " + jwt, api("/health")}));
  }
  static std::string demo_token() {
    const Result r = token(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"),
                           stack().env("CLIENT_ID"), stack().env("CLIENT_SECRET"));
    EXPECT_EQ(r.http, 200) << r.body;
    return json_string(r.body, "access_token");
  }

  // An onboarded client through mtlsctl only: create, issue, register.
  static Client onboard(const std::string& name) {
    return agm::test::onboard(stack(), work(), name);
  }

  static std::string* work_;
  static Stack* stack_;
  static bool ready_;
};
std::string* LocalStackE2E::work_ = nullptr;
Stack* LocalStackE2E::stack_ = nullptr;
bool LocalStackE2E::ready_ = false;

TEST_F(LocalStackE2E, EnvFileHasEveryContractKey) {
  for (const char* key :
       {"API_URL", "SERVER_CA", "TRUSTSTORE", "CA_DIR", "CLIENT_CERT", "CLIENT_KEY", "CLIENT_ID",
        "CLIENT_SECRET", "SCOPE", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
        "COGNITO_USER_POOL_ID", "CERT_TABLE_NAME", "MTLSCTL"})
    EXPECT_FALSE(stack().env(key).empty()) << key;
  EXPECT_TRUE(std::filesystem::exists(stack().env("CLIENT_CERT")));
  EXPECT_TRUE(std::filesystem::exists(stack().env("TRUSTSTORE")));
}

TEST_F(LocalStackE2E, TokenThenHealth200) {
  const std::string jwt = demo_token();
  ASSERT_FALSE(jwt.empty());
  const Result r = health(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"), jwt);
  EXPECT_EQ(r.exit_code, 0);
  ASSERT_EQ(r.http, 200) << r.body;
  EXPECT_EQ(json_string(r.body, "status"), "ok") << r.body;
  EXPECT_EQ(json_string(r.body, "client_id"), stack().env("CLIENT_ID")) << r.body;
}

TEST_F(LocalStackE2E, NoClientCertificateFailsHandshake) {
  const Result r = curl(stack(), work(),
                        {"-u", stack().env("CLIENT_ID") + ":" + stack().env("CLIENT_SECRET"), "-d",
                         "grant_type=client_credentials", api("/token")});
  EXPECT_NE(r.exit_code, 0) << "HTTP " << r.http << " " << r.body;
  EXPECT_EQ(r.http, 0);
}

// A certificate the truststore does not cover (or an expired one): the TLS connection is made and
// the gateway answers 403 {"message":"Forbidden"} itself, as API Gateway does (docs/contract.md
// section 3).
void expect_refused(const Result& r) {
  EXPECT_EQ(r.exit_code, 0) << "curl failed: " << r.body;
  EXPECT_EQ(r.http, 403) << r.body;
  EXPECT_EQ(r.body, R"({"message":"Forbidden"})");
}

TEST_F(LocalStackE2E, CertificateFromUntrustedCaRefused) {
  namespace pki = agm::pki;
  const auto now = agm::core::SystemClock().now();
  const auto root =
      pki::create_root_ca("untrusted root", pki::KeyType::kEcP256, pki::days_from(now, 30));
  const auto leaf = pki::issue_client_certificate(root, stack().env("CLIENT_ID"),
                                                  pki::KeyType::kEcP256, pki::days_from(now, 30));
  write_file(work() + "/untrusted.pem", leaf.cert_pem);
  write_file(work() + "/untrusted.key", leaf.key_pem);
  expect_refused(token(work() + "/untrusted.pem", work() + "/untrusted.key",
                       stack().env("CLIENT_ID"), stack().env("CLIENT_SECRET")));
  // Self-signed leaf.
  const auto self = pki::issue_certificate(nullptr, "self", pki::KeyType::kEcP256,
                                           pki::days_from(now, 30), {}, {"clientAuth"});
  write_file(work() + "/self.pem", self.cert_pem);
  write_file(work() + "/self.key", self.key_pem);
  expect_refused(health(work() + "/self.pem", work() + "/self.key", demo_token()));
}

TEST_F(LocalStackE2E, ExpiredCertificateRefused) {
  namespace pki = agm::pki;
  // Signed by the demo intermediate CA (trusted), but expired yesterday.
  const pki::KeyAndCert issuer{read_all(stack().env("CA_DIR") + "/intermediate-ca.key"),
                               read_all(stack().env("CA_DIR") + "/intermediate-ca.pem")};
  ASSERT_FALSE(issuer.key_pem.empty());
  const auto now = agm::core::SystemClock().now();
  const pki::Validity past{now - std::chrono::hours(48), now - std::chrono::hours(24)};
  const auto leaf =
      pki::issue_client_certificate(issuer, stack().env("CLIENT_ID"), pki::KeyType::kEcP256, past);
  write_file(work() + "/expired.pem", leaf.cert_pem);
  write_file(work() + "/expired.key", leaf.key_pem);
  expect_refused(token(work() + "/expired.pem", work() + "/expired.key", stack().env("CLIENT_ID"),
                       stack().env("CLIENT_SECRET")));
  expect_refused(health(work() + "/expired.pem", work() + "/expired.key", demo_token()));
}

TEST_F(LocalStackE2E, NoAuthorizationHeader401) {
  const Result r =
      curl(stack(), work(),
           with_cert(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"), {api("/health")}));
  EXPECT_EQ(r.http, 401) << r.body;
  EXPECT_EQ(json_string(r.body, "message"), "Unauthorized");
}

TEST_F(LocalStackE2E, TokenWithChangedPayload403) {
  const std::string jwt = demo_token();
  const auto dot1 = jwt.find('.');
  const auto dot2 = jwt.find('.', dot1 + 1);
  ASSERT_NE(dot2, std::string::npos);
  auto claims = agm::core::parse_json(
      agm::core::base64url_decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1)).value_or(""));
  ASSERT_TRUE(claims && claims->is_object());
  claims->as_object()["exp"] = agm::core::to_epoch_seconds(agm::core::SystemClock().now()) +
                               86400 * 365;  // a longer life, same signature
  const std::string tampered = jwt.substr(0, dot1 + 1) +
                               agm::core::base64url_encode(json::serialize(*claims)) +
                               jwt.substr(dot2);
  const Result r = health(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"), tampered);
  EXPECT_EQ(r.http, 403) << r.body;
  EXPECT_EQ(json_string(r.body, "message"), "Forbidden");
}

// The functions' EMF lines (src/metrics), as the gateway logs their stdout ("[name pid] line"):
// every one valid Embedded Metric Format, counted by metric and dimension value ("TokenRequest
// issued", "AuthorizerDecision token_bad_signature", ...).
std::map<std::string, int> emf_counts(const std::string& gateway_log) {
  std::map<std::string, int> counts;
  std::istringstream in(gateway_log);
  for (std::string line; std::getline(in, line);) {
    const auto start = line.find("{\"");
    if (line.find("\"_aws\"") == std::string::npos || start == std::string::npos)
      continue;
    const std::string doc = line.substr(start);
    const auto errors = agm::test::emf_violations(doc);
    EXPECT_TRUE(errors.empty()) << doc << ": " << (errors.empty() ? "" : errors.front());
    const auto v = json::parse(doc).as_object();
    if (v.contains("TokenRequest"))
      ++counts["TokenRequest " + std::string(v.at("Outcome").as_string())];
    if (v.contains("AuthorizerDecision")) {
      ++counts["AuthorizerDecision " + std::string(v.at("Reason").as_string())];
      ++counts["AuthorizerDecision " + std::string(v.at("Decision").as_string())];
    }
    if (v.contains("DependencyLatency"))
      ++counts["Dependency " + std::string(v.at("Dependency").as_string())];
  }
  return counts;
}

TEST_F(LocalStackE2E, MetricsCountTheRequests) {
  // A client of its own, so that its first token cannot come from the token cache (an earlier
  // test may have cached the demo client's).
  const Client m = onboard("client-metrics");
  const auto before = emf_counts(stack().part_log("gateway"));
  const auto delta = [&](const std::map<std::string, int>& now, const std::string& key) {
    const auto b = before.find(key);
    const auto n = now.find(key);
    return (n == now.end() ? 0 : n->second) - (b == before.end() ? 0 : b->second);
  };
  const Result issued = token(m.cert, m.key, m.id, m.secret);
  ASSERT_EQ(issued.http, 200) << issued.body;
  const std::string jwt = json_string(issued.body, "access_token");
  EXPECT_EQ(health(m.cert, m.key, jwt).http, 200);
  EXPECT_EQ(health(m.cert, m.key, jwt).http, 200);
  EXPECT_EQ(health(m.cert, m.key, jwt + "x").http, 403);
  // Cognito's invalid_client passes through, counted as token_endpoint_error (a wrong secret
  // never matches a cached token, so it reaches Cognito).
  EXPECT_NE(token(m.cert, m.key, m.id, "wrong-secret").http, 200);
  std::map<std::string, int> now;
  // The gateway copies the functions' output as it arrives: wait (bounded) for the last line.
  for (int i = 0; i < 50; ++i) {
    now = emf_counts(stack().part_log("gateway"));
    if (delta(now, "TokenRequest token_endpoint_error") >= 1 &&
        delta(now, "AuthorizerDecision Deny") >= 1)
      break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(delta(now, "TokenRequest issued"), 1);
  EXPECT_EQ(delta(now, "TokenRequest token_endpoint_error"), 1);
  EXPECT_EQ(delta(now, "AuthorizerDecision allowed"), 2);
  EXPECT_EQ(delta(now, "AuthorizerDecision Deny"), 1);
  // Each token request asked the registry and Cognito once.
  EXPECT_GE(delta(now, "Dependency Registry"), 2);
  EXPECT_EQ(delta(now, "Dependency Cognito"), 2);
}

TEST_F(LocalStackE2E, ClientACertificateWithClientBToken403) {
  const Client b = onboard("client-b");
  const Result tb = token(b.cert, b.key, b.id, b.secret);
  ASSERT_EQ(tb.http, 200) << tb.body;
  const std::string b_token = json_string(tb.body, "access_token");
  // B's own certificate with B's token works; A's (the demo client's) certificate with it does not.
  EXPECT_EQ(health(b.cert, b.key, b_token).http, 200);
  const Result r = health(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"), b_token);
  EXPECT_EQ(r.http, 403) << r.body;
  EXPECT_EQ(r.body.find("client_mismatch"), std::string::npos)
      << "the client never sees the reason";
  // The access log names the deny's reason and the certificate (the authorizer's deny context,
  // $context.authorizer.reason and .cert_thumbprint in infra/modules/http_api), so one query joins
  // a refused request to its certificate.
  const std::string a_thumbprint =
      agm::mtls::ClientCertificate::from_pem(read_all(stack().env("CLIENT_CERT"))).thumbprint;
  bool logged = false;
  std::istringstream access(stack().part_log("access"));
  for (std::string line; std::getline(access, line);) {
    const auto v = agm::core::parse_json(line);
    if (v && agm::core::get_string(*v, "authorizerReason") == "client_mismatch" &&
        agm::core::get_int(*v, "status") == 403)
      logged = agm::core::get_string(*v, "authorizerCertThumbprint") == a_thumbprint;
  }
  EXPECT_TRUE(logged) << stack().part_log("access");
  // Nor may B ask for a token with A's certificate.
  EXPECT_NE(token(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"), b.id, b.secret).http, 200);
}

// Onboarding with mtlsctl and curl only; then revocation takes effect once the registry cache TTL
// (1 s here) has passed.
TEST_F(LocalStackE2E, OnboardingThenRevocation) {
  const Client c = onboard("onboarded");
  const Result t = token(c.cert, c.key, c.id, c.secret);
  ASSERT_EQ(t.http, 200) << t.body;
  const std::string jwt = json_string(t.body, "access_token");
  ASSERT_EQ(health(c.cert, c.key, jwt).http, 200);

  const Result revoked = run(
      stack(), work(),
      {stack().env("MTLSCTL"), "client", "revoke", "--cert", c.cert, "--reason", "keyCompromise"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.body;
  // Bounded poll: refused within a few TTLs (warm authorizer processes keep their cache up to 1 s).
  long status = 200;
  const auto end = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < end) {
    status = health(c.cert, c.key, jwt).http;
    if (status == 403)
      break;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(status, 403);
  // A revoked certificate gets no new token either: client authentication fails (RFC 8705).
  EXPECT_EQ(token(c.cert, c.key, c.id, c.secret).http, 401);
  // The demo client is untouched.
  EXPECT_EQ(health(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"), demo_token()).http, 200);
}

// requests-oauthlib (Debian's python3-requests-oauthlib) as a real OAuth2 client against
// POST /token through the gateway: a token with the right secret and an ACTIVE certificate, and
// oauthlib's InvalidClientError both for a wrong secret (Cognito's invalid_client passed through)
// and for a revoked certificate (the token function's 401 invalid_client, RFC 8705 section 2).
TEST_F(LocalStackE2E, RequestsOAuthlibGetsATokenAndInvalidClientErrors) {
  const std::string script = agm::test::project_root() + "/tests/e2e/local_stack/oauth_client.py";
  const auto oauth = [&](const std::string& cert, const std::string& key, const std::string& id,
                         const std::string& secret, const std::string& expect) {
    // Debian's interpreter: the Python packages come from Debian (scripts/install-deps).
    return run(stack(), work(),
               {"/usr/bin/python3", script, "--token-url", api("/token"), "--server-ca",
                stack().env("SERVER_CA"), "--cert", cert, "--key", key, "--client-id", id,
                "--client-secret", secret, "--scope", stack().env("SCOPE"), "--expect", expect});
  };
  const Result ok = oauth(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"),
                          stack().env("CLIENT_ID"), stack().env("CLIENT_SECRET"), "token");
  EXPECT_EQ(ok.exit_code, 0) << ok.body;
  const Result wrong_secret = oauth(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"),
                                    stack().env("CLIENT_ID"), "not-the-secret", "invalid_client");
  EXPECT_EQ(wrong_secret.exit_code, 0) << wrong_secret.body;

  const Client c = onboard("oauthlib");
  const Result before = oauth(c.cert, c.key, c.id, c.secret, "token");
  EXPECT_EQ(before.exit_code, 0) << before.body;
  const Result revoked =
      run(stack(), work(), {stack().env("MTLSCTL"), "client", "revoke", "--cert", c.cert});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.body;
  const Result after = oauth(c.cert, c.key, c.id, c.secret, "invalid_client");
  EXPECT_EQ(after.exit_code, 0) << after.body;
  EXPECT_NE(after.body.find("http=401 www-authenticate='Basic'"), std::string::npos) << after.body;
}

// scripts/smoke (what terraform-deploy runs after apply) against the local stack: every check
// passes for a canary with another client and a revoked certificate of its own; once the canary's
// certificate is revoked, it fails and names the token check.
TEST_F(LocalStackE2E, SmokeScriptPassesThenNamesTheRevokedCanary) {
  // dir:<work>/smoke/<label>: <label>.pem, <label>.key, client.json, as mtlsctl apply stores them.
  const auto material = [&](const std::string& label, const std::string& cert,
                            const std::string& key, const Client& client) {
    const std::string dir = work() + "/smoke/" + label;
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(cert, dir + "/" + label + ".pem");
    std::filesystem::copy_file(key, dir + "/" + label + ".key");
    json::object c{{"client_id", client.id}, {"client_secret", client.secret}};
    write_file(dir + "/client.json", json::serialize(c));
    return "dir:" + dir;
  };
  const Client canary = onboard("smoke-canary");
  const Client other = onboard("smoke-other");
  const CertFiles old = add_certificate(stack(), work(), canary.id, "smoke-canary-old");
  const Result revoke_old =
      run(stack(), work(), {stack().env("MTLSCTL"), "client", "revoke", "--cert", old.cert});
  ASSERT_EQ(revoke_old.exit_code, 0) << revoke_old.body;
  const std::string smoke = agm::test::project_root() + "/scripts/smoke";
  const std::vector<std::string> args{
      smoke,      api(""),
      "--cacert", stack().env("SERVER_CA"),
      "--client", material("canary", canary.cert, canary.key, canary)};

  std::vector<std::string> all = args;
  for (const std::string& a :
       {std::string("--other"), material("other", other.cert, other.key, other),
        std::string("--revoked"), material("revoked", old.cert, old.key, canary)})
    all.push_back(a);
  const Result passed = run(stack(), work(), all);
  EXPECT_EQ(passed.exit_code, 0) << passed.body;
  for (const char* check :
       {"ok token", "ok health", "ok no-token", "ok other-certificate", "ok revoked-certificate"})
    EXPECT_NE(passed.body.find(check), std::string::npos) << check << "\n" << passed.body;

  const Result revoke =
      run(stack(), work(), {stack().env("MTLSCTL"), "client", "revoke", "--cert", canary.cert});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.body;
  const Result failed = run(stack(), work(), args);
  EXPECT_EQ(failed.exit_code, 1) << failed.body;
  EXPECT_NE(failed.body.find("FAIL token: POST /token answered 401"), std::string::npos)
      << failed.body;
}

// Issue 17's acceptance, on a stack of its own (it rotates the CA): a client added to the
// clients file is planned (create, issue, register), applied, and works with the certificate
// `cert fetch` hands out; removed, apply revokes it and /token says 401 and /health 403 once the
// registry cache TTL (1 s here) passed. Then the intermediate rotates: during the overlap the old
// and the new certificate both work (a new one presents its chain, which names the new
// intermediate; on AWS `ca truststore` publishes both), and after `retire-intermediate
// --revoke-superseded` only the new one. No secret reaches anything mtlsctl printed.
TEST(LocalStackClientsFile, OnboardRemoveAndRotateThroughTheClientsFile) {
  const std::string state = make_temp_dir("agm-e2e-clients");
  const std::string work = make_temp_dir("agm-e2e-clients-work");
  Stack stack(state);
  ASSERT_TRUE(stack.wait_ready()) << stack.log();
  const std::string mtlsctl = stack.env("MTLSCTL");
  const auto demo = agm::core::parse_json(read_all(stack.env("APPLIED_CLIENTS_FILE")));
  ASSERT_TRUE(demo.has_value());
  json::object with_partner = demo->as_object();
  with_partner["clients"].as_object()["partner"] =
      json::object{{"scopes", json::array{"health.read"}},
                   {"certificate", json::object{{"generate", json::object{}}}}};
  const std::string file = work + "/clients.json";
  const auto write = [&](const json::object& doc) {
    std::ofstream(file) << json::serialize(doc) << "\n";
  };
  const auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
      out.push_back(l);
    return out;
  };
  write(with_partner);
  Result r = run(stack, work, {mtlsctl, "apply", "--file", file, "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.body;
  const std::vector<std::string> plan{"create partner", "issue partner", "register partner"};
  EXPECT_EQ(lines(r.body), plan) << r.body;
  r = run(stack, work, {mtlsctl, "apply", "--file", file});
  ASSERT_EQ(r.exit_code, 0) << r.body;
  EXPECT_EQ(lines(r.body), plan) << r.body;
  std::string printed = r.body;
  r = run(stack, work, {mtlsctl, "cert", "fetch", "--client", "partner", "--out-dir", work + "/p"});
  ASSERT_EQ(r.exit_code, 0) << r.body;
  printed += r.body;
  const std::string client_json = read_all(work + "/p/client.json");
  const std::string id = json_string(client_json, "client_id");
  const std::string secret = json_string(client_json, "client_secret");
  ASSERT_FALSE(secret.empty()) << client_json;
  // Nothing printed or logged holds the secret or the private key mtlsctl made: its output, the
  // stack's, and every log of every part (gateway, functions, Cognito, SSM, dynalite, access).
  const std::string key_body = read_all(work + "/p/partner.key").substr(40, 40);
  ASSERT_EQ(key_body.size(), 40U);
  std::map<std::string, std::string> outputs{{"mtlsctl", printed}, {"scripts/local", stack.log()}};
  for (const auto& entry : std::filesystem::directory_iterator(state + "/logs"))
    outputs[entry.path().filename().string()] = read_all(entry.path().string());
  EXPECT_GE(outputs.size(), 7U) << "the parts' logs are where they were";
  for (const auto& [where, text] : outputs) {
    EXPECT_EQ(text.find(secret), std::string::npos) << "the client secret in " << where;
    EXPECT_EQ(text.find(key_body), std::string::npos) << "the private key in " << where;
  }

  const auto token = [&](const std::string& cert, const std::string& key, const std::string& cid,
                         const std::string& csecret) {
    return curl(stack, work,
                with_cert(cert, key,
                          {"-u", cid + ":" + csecret, "-d", "grant_type=client_credentials", "-d",
                           "scope=mtls-api/health.read", stack.env("API_URL") + "/token"}));
  };
  const auto health = [&](const std::string& cert, const std::string& key, const std::string& jwt) {
    return curl(
        stack, work,
        with_cert(cert, key,
                  {"-H", "Authorization: Bearer " + jwt, stack.env("API_URL") + "/health"}));
  };
  const std::string pcert = work + "/p/partner.pem";
  const std::string pkey = work + "/p/partner.key";
  Result t = token(pcert, pkey, id, secret);
  ASSERT_EQ(t.http, 200) << t.body;
  const std::string jwt = json_string(t.body, "access_token");
  EXPECT_EQ(health(pcert, pkey, jwt).http, 200);

  // Removed from the file: revoked, refused at both routes after the cache TTL.
  write(demo->as_object());
  r = run(stack, work, {mtlsctl, "apply", "--file", file});
  ASSERT_EQ(r.exit_code, 0) << r.body;
  EXPECT_EQ(lines(r.body), std::vector<std::string>{"revoke partner (1 certificate(s))"}) << r.body;
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(token(pcert, pkey, id, secret).http, 401);
  EXPECT_EQ(health(pcert, pkey, jwt).http, 403);

  // The intermediate rotates; apply gives the demo client a certificate of the new one.
  r = run(stack, work, {mtlsctl, "ca", "rotate-intermediate"});
  ASSERT_EQ(r.exit_code, 0) << r.body;
  r = run(stack, work, {mtlsctl, "apply", "--file", file});
  ASSERT_EQ(r.exit_code, 0) << r.body;
  EXPECT_EQ(r.body.rfind("rotate demo (issued by ", 0), 0U) << r.body;
  r = run(stack, work, {mtlsctl, "cert", "fetch", "--client", "demo", "--out-dir", work + "/d"});
  ASSERT_EQ(r.exit_code, 0) << r.body;
  const std::string old_cert = stack.env("CLIENT_CERT");
  const std::string old_key = stack.env("CLIENT_KEY");
  const std::string new_chain = work + "/d/demo-chain.pem";
  const std::string new_key = work + "/d/demo.key";
  const std::string cid = stack.env("CLIENT_ID");
  const std::string csecret = stack.env("CLIENT_SECRET");
  EXPECT_EQ(token(old_cert, old_key, cid, csecret).http, 200) << "the old one, during the overlap";
  EXPECT_EQ(token(new_chain, new_key, cid, csecret).http, 200) << "the new one, during the overlap";
  r = run(stack, work, {mtlsctl, "ca", "retire-intermediate", "--revoke-superseded"});
  ASSERT_EQ(r.exit_code, 0) << r.body;
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(token(old_cert, old_key, cid, csecret).http, 401) << "the old one, after";
  t = token(new_chain, new_key, cid, csecret);
  ASSERT_EQ(t.http, 200) << t.body;
  EXPECT_EQ(health(new_chain, new_key, json_string(t.body, "access_token")).http, 200);

  ASSERT_TRUE(stack.terminate().has_value());
  std::filesystem::remove_all(work);
  std::filesystem::remove_all(state);
}

// Start, stop (SIGTERM to the script only), no process left; a second start on the same state dir
// reuses the CA, the client and its secret, and re-registers the certificate in the fresh dynalite.
TEST(LocalStackLifecycle, StopLeavesNoProcessAndRestartReusesState) {
  const std::string state = make_temp_dir("agm-e2e-life");
  std::string first_client;
  for (int round = 0; round < 2; ++round) {
    Stack stack(state);
    ASSERT_TRUE(stack.wait_ready()) << stack.log();
    if (round == 0) {
      first_client = stack.env("CLIENT_ID");
      ASSERT_FALSE(first_client.empty());
    } else {
      EXPECT_EQ(stack.env("CLIENT_ID"), first_client);  // state reused, not re-provisioned
      const std::string work = make_temp_dir("agm-e2e-life-work");
      const Result t =
          curl(stack, work,
               with_cert(stack.env("CLIENT_CERT"), stack.env("CLIENT_KEY"),
                         {"-u", stack.env("CLIENT_ID") + ":" + stack.env("CLIENT_SECRET"), "-d",
                          "grant_type=client_credentials", "-d", "scope=mtls-api/health.read",
                          stack.env("API_URL") + "/token"}));
      EXPECT_EQ(t.http, 200) << t.body;
      std::filesystem::remove_all(work);
    }
    // The scan below can see the stack: while it runs, its processes (the function processes
    // the gateway started included) carry the state dir.
    const auto running = processes_mentioning(state);
    EXPECT_GE(running.size(), 4U);
    EXPECT_TRUE(std::any_of(running.begin(), running.end(), [](const std::string& p) {
      return p.find("/bin/authorizer") != std::string::npos;
    })) << "no authorizer process found";
    const auto status = stack.terminate();
    ASSERT_TRUE(status.has_value()) << "scripts/local did not exit after SIGTERM";
    // Nothing of the stack remains: no process mentions the state dir, the ports are free, and
    // the env file (which describes a running stack) is gone.
    std::vector<std::string> left;
    const auto end = std::chrono::steady_clock::now() + 10s;
    do {
      left = processes_mentioning(state);
      if (left.empty())
        break;
      std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < end);
    EXPECT_TRUE(left.empty()) << left.front();
    for (const auto port : stack.ports())
      EXPECT_FALSE(port_in_use(port)) << port;
    EXPECT_FALSE(std::filesystem::exists(state + "/env"));
  }
  std::filesystem::remove_all(state);
  std::filesystem::remove(state + "-stack.log");
}

}  // namespace
