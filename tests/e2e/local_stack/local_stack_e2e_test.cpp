// The whole local stack, end to end: scripts/local starts dynalite, agm-cognito and agm-gateway
// (which runs the real token, authorizer and health binaries of this build) on free ports with a
// temporary state dir; the cases talk to it with curl (real TLS, client certificates) and onboard
// clients with mtlsctl only. After a stop no process of the stack may remain.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/encoding.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "mtls/pki.hpp"
#include "support/process.hpp"

namespace json = boost::json;
using agm::test::ChildProcess;
using namespace std::chrono_literals;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::trunc);
  out << data;
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

// `KEY=value` lines; values may be shell-quoted by printf %q (only backslash escapes appear for
// our paths and ids, which are plain).
std::map<std::string, std::string> parse_env_file(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      continue;
    std::string value;
    for (std::size_t i = eq + 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size())
        ++i;
      value.push_back(line[i]);
    }
    out[line.substr(0, eq)] = value;
  }
  return out;
}

// Every pid whose command line or environment mentions `needle` (other than this process).
std::vector<std::string> processes_mentioning(const std::string& needle) {
  std::vector<std::string> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr)
    return found;
  const std::string self = std::to_string(getpid());
  while (dirent* e = readdir(proc)) {
    const std::string pid = e->d_name;
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || pid == self)
      continue;
    for (const char* file : {"/cmdline", "/environ"}) {
      const std::string text = read_all("/proc/" + pid + file);
      if (text.find(needle) != std::string::npos) {
        std::string cmd = read_all("/proc/" + pid + "/cmdline");
        std::replace(cmd.begin(), cmd.end(), '\0', ' ');
        found.push_back(pid + ": " + cmd);
        break;
      }
    }
  }
  closedir(proc);
  return found;
}

bool port_in_use(std::uint16_t port) {
  return agm::test::wait_for_port(port, 50ms);
}

struct Result {
  int exit_code = -1;  // the program's exit status
  long http = 0;       // HTTP status (curl), 0 when none
  std::string body;    // response body (curl) or output (others)
};

// One scripts/local run.
class Stack {
 public:
  explicit Stack(std::string state_dir) : state_dir_(std::move(state_dir)) {
    gateway_port_ = agm::test::free_port();
    dynamodb_port_ = agm::test::free_port();
    cognito_port_ = agm::test::free_port();
    log_ = state_dir_ + "-stack.log";
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{agm::test::project_root() + "/scripts/local"},
        std::map<std::string, std::string>{{"LOCAL_STATE_DIR", state_dir_},
                                           {"BUILD_DIR", agm::test::binary_dir()},
                                           {"GATEWAY_PORT", std::to_string(gateway_port_)},
                                           {"DYNAMODB_PORT", std::to_string(dynamodb_port_)},
                                           {"COGNITO_PORT", std::to_string(cognito_port_)},
                                           {"REGISTRY_CACHE_TTL_SECONDS", "1"},
                                           {"LOG_LEVEL", "warn"}},
        true, log_);
  }

  // Waits (bounded) for `.local/env`; false when the stack exits or times out first.
  bool wait_ready(std::chrono::seconds timeout = 180s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (std::filesystem::exists(state_dir_ + "/env")) {
        env_ = parse_env_file(read_all(state_dir_ + "/env"));
        return true;
      }
      if (!process_->running())
        return false;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // SIGTERM to the script only (as `kill PID`): it must stop everything it started. Returns the
  // exit status.
  std::optional<int> terminate(std::chrono::seconds timeout = 30s) {
    kill(process_->pid(), SIGTERM);
    return process_->wait_for(timeout);
  }

  [[nodiscard]] std::string log() const { return read_all(log_); }
  [[nodiscard]] const std::map<std::string, std::string>& env() const { return env_; }
  [[nodiscard]] std::string env(const std::string& key) const {
    const auto it = env_.find(key);
    return it == env_.end() ? std::string() : it->second;
  }
  [[nodiscard]] std::vector<std::uint16_t> ports() const {
    return {gateway_port_, dynamodb_port_, cognito_port_};
  }
  [[nodiscard]] const std::string& state_dir() const { return state_dir_; }

 private:
  std::string state_dir_;
  std::string log_;
  std::uint16_t gateway_port_ = 0, dynamodb_port_ = 0, cognito_port_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::map<std::string, std::string> env_;
};

// Runs a program with the stack's env; stdout+stderr to a file.
Result run(const Stack& stack, const std::string& work, std::vector<std::string> argv) {
  static int counter = 0;
  const std::string out = work + "/run-" + std::to_string(++counter) + ".out";
  ChildProcess p(std::move(argv), stack.env(), true, out);
  const auto status = p.wait_for(60s);
  Result r;
  r.exit_code = status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  r.body = read_all(out);
  return r;
}

// curl with the server CA; `args` add the client certificate, headers, data. Body and status
// come back separately; curl's own exit code says whether TLS worked.
Result curl(const Stack& stack, const std::string& work, std::vector<std::string> args) {
  static int counter = 0;
  const std::string body_file = work + "/curl-" + std::to_string(++counter) + ".body";
  std::vector<std::string> argv{
      "curl", "-s",      "--max-time", "20",          "--cacert", stack.env("SERVER_CA"),
      "-o",   body_file, "-w",         "%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  Result r = run(stack, work, argv);
  r.http = std::strtol(r.body.c_str(), nullptr, 10);
  r.body = read_all(body_file);
  return r;
}

std::vector<std::string> with_cert(const std::string& cert, const std::string& key,
                                   std::vector<std::string> rest) {
  std::vector<std::string> out{"--cert", cert, "--key", key};
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

std::string json_string(const std::string& text, std::string_view key) {
  const auto v = agm::core::parse_json(text);
  if (!v)
    return {};
  return std::string(agm::core::get_string(*v, key).value_or(""));
}

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

  // An onboarded client through mtlsctl only: create, issue, register. Returns id, secret,
  // cert, key.
  struct Client {
    std::string id, secret, cert, key;
  };
  static Client onboard(const std::string& name) {
    const std::string mtlsctl = stack().env("MTLSCTL");
    Client c;
    const Result created = run(stack(), work(),
                               {mtlsctl, "client", "create", "--name", name, "--scopes",
                                "mtls-api/health.read", "--json"});
    EXPECT_EQ(created.exit_code, 0) << created.body;
    const auto brace = created.body.find('{');
    const std::string js = brace == std::string::npos ? "" : created.body.substr(brace);
    c.id = json_string(js, "client_id");
    c.secret = json_string(js, "client_secret");
    EXPECT_FALSE(c.id.empty()) << created.body;
    const std::string dir = work() + "/" + name;
    const Result issued = run(stack(), work(),
                              {mtlsctl, "cert", "issue", "--ca-dir", stack().env("CA_DIR"),
                               "--client-id", c.id, "--out-dir", dir});
    EXPECT_EQ(issued.exit_code, 0) << issued.body;
    c.cert = dir + "/" + c.id + ".pem";
    c.key = dir + "/" + c.id + ".key";
    const Result reg = run(stack(), work(),
                           {mtlsctl, "client", "register", "--cert", c.cert, "--client-id", c.id});
    EXPECT_EQ(reg.exit_code, 0) << reg.body;
    return c;
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

// A certificate the truststore does not cover: refused in the handshake or with 403.
void expect_refused(const Result& r) {
  EXPECT_TRUE(r.exit_code != 0 || r.http == 403)
      << "exit " << r.exit_code << " HTTP " << r.http << " " << r.body;
  EXPECT_NE(r.http, 200);
}

TEST_F(LocalStackE2E, CertificateFromUntrustedCaRefused) {
  namespace pki = agm::mtls::pki;
  const auto now = std::chrono::system_clock::now();
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
  namespace pki = agm::mtls::pki;
  // Signed by the demo intermediate CA (trusted), but expired yesterday.
  const pki::KeyAndCert issuer{read_all(stack().env("CA_DIR") + "/intermediate-ca.key"),
                               read_all(stack().env("CA_DIR") + "/intermediate-ca.pem")};
  ASSERT_FALSE(issuer.key_pem.empty());
  const auto now = std::chrono::system_clock::now();
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
  claims->as_object()["exp"] = agm::core::to_epoch_seconds(std::chrono::system_clock::now()) +
                               86400 * 365;  // a longer life, same signature
  const std::string tampered = jwt.substr(0, dot1 + 1) +
                               agm::core::base64url_encode(json::serialize(*claims)) +
                               jwt.substr(dot2);
  const Result r = health(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"), tampered);
  EXPECT_EQ(r.http, 403) << r.body;
  EXPECT_EQ(json_string(r.body, "message"), "Forbidden");
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
  // A revoked certificate gets no new token either.
  EXPECT_EQ(token(c.cert, c.key, c.id, c.secret).http, 403);
  // The demo client is untouched.
  EXPECT_EQ(health(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"), demo_token()).http, 200);
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
