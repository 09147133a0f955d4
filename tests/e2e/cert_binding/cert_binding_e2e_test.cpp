// Certificate-bound access tokens (RFC 8705, docs/contract.md section 8), end to end on the local
// stack started with CERT_BOUND_TOKENS=true and REQUIRE_CERT_BOUND_TOKEN=true: the token function
// sends the certificate's thumbprint as aws_client_metadata, agm-cognito runs bin/pre-token as its
// pre token generation trigger (V3_0), which adds cnf.x5t#S256, and the authorizer enforces it.
//
// The unbound token: the suite first runs the stack on the same state dir WITHOUT binding (no
// trigger, no thumbprint sent) and takes a token for the demo client there, checking that this
// stack accepts it. The bound stack reuses that state, so its Cognito emulator has the same pool,
// issuer, client and signing keys: the token is a genuine token of the same issuer, still valid,
// and differs from the bound stack's tokens only by the missing `cnf`. Refusing it is then the
// binding requirement's doing (the authorizer's log reason, binding_required, is checked too).
// Signing a token ourselves with the emulator's key file would rely on its storage format; asking
// the bound stack's emulator directly cannot give one (its trigger refuses requests without a
// thumbprint, which a test below checks).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/json.hpp"
#include "e2e/support/local_stack.hpp"

namespace json = boost::json;
using namespace agm::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kScope = "mtls-api/health.read";

// The DER of the first certificate of a PEM file, decoded here rather than by the project's mtls
// code, so the expected values below do not depend on what is under test.
std::string der_of(const std::string& pem_path) {
  const std::string pem = read_all(pem_path);
  const std::string begin = "-----BEGIN CERTIFICATE-----";
  const auto b = pem.find(begin);
  const auto e = pem.find("-----END CERTIFICATE-----");
  if (b == std::string::npos || e == std::string::npos || e < b)
    return {};
  std::string body;
  for (char c : pem.substr(b + begin.size(), e - b - begin.size()))
    if (c != '\n' && c != '\r')
      body.push_back(c);
  return agm::core::base64_decode(body).value_or("");
}
// RFC 8705 section 3.1: base64url(SHA-256(DER)).
std::string x5t_s256(const std::string& pem_path) {
  return agm::core::base64url_encode(agm::core::sha256(der_of(pem_path)));
}
// The registry key: lowercase hex SHA-256 of the DER.
std::string thumbprint(const std::string& pem_path) {
  return agm::core::sha256_hex(der_of(pem_path));
}

// cnf["x5t#S256"] of a token; empty when absent.
std::string cnf_of(const std::string& jwt) {
  const auto claims = jwt_claims(jwt);
  if (!claims)
    return {};
  const json::value* cnf = agm::core::find(*claims, "cnf");
  if (cnf == nullptr)
    return {};
  return std::string(agm::core::get_string(*cnf, "x5t#S256").value_or(""));
}

class CertBindingE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = new std::string(make_temp_dir("agm-e2e-bind-work"));
    state_ = new std::string(make_temp_dir("agm-e2e-bind-state"));
    {
      // First run: binding off (the defaults). An unbound token for the demo client.
      Stack unbound(*state_);
      unbound_ready_ = unbound.wait_ready();
      if (unbound_ready_) {
        const Result t = token_at(unbound, unbound.env("CLIENT_CERT"), unbound.env("CLIENT_KEY"),
                                  unbound.env("CLIENT_ID"), unbound.env("CLIENT_SECRET"));
        unbound_token_ = new std::string(json_string(t.body, "access_token"));
        unbound_health_ = health_at(unbound, unbound.env("CLIENT_CERT"), unbound.env("CLIENT_KEY"),
                                    *unbound_token_)
                              .http;
      } else {
        unbound_log_ = new std::string(unbound.log());
      }
      unbound.terminate();
    }
    stack_ =
        new Stack(*state_, {{"CERT_BOUND_TOKENS", "true"}, {"REQUIRE_CERT_BOUND_TOKEN", "true"}});
    ready_ = stack_->wait_ready();
  }
  static void TearDownTestSuite() {
    if (stack_ != nullptr) {
      stack_->terminate();
      delete stack_;  // the ChildProcess destructor kills its group if anything is left
      stack_ = nullptr;
      // Nothing of the stack remains, the trigger's processes (started by agm-cognito) included.
      std::vector<std::string> left;
      const auto end = std::chrono::steady_clock::now() + 10s;
      do {
        left = processes_mentioning(*state_);
        if (left.empty())
          break;
        std::this_thread::sleep_for(100ms);
      } while (std::chrono::steady_clock::now() < end);
      if (!left.empty())
        ADD_FAILURE() << "left running after the stop: " << left.front();
    }
    std::filesystem::remove_all(*state_);
    std::filesystem::remove(*state_ + "-stack.log");
    std::filesystem::remove_all(*work_);
    for (std::string** s : {&work_, &state_, &unbound_token_, &unbound_log_}) {
      delete *s;
      *s = nullptr;
    }
  }
  void SetUp() override {
    ASSERT_TRUE(ready_) << "the bound local stack did not start:\n" << stack_->log();
  }

  static const Stack& stack() { return *stack_; }
  static const std::string& work() { return *work_; }

  static Result token_at(const Stack& s, const std::string& cert, const std::string& key,
                         const std::string& id, const std::string& secret) {
    return curl(s, *work_,
                with_cert(cert, key,
                          {"-u", id + ":" + secret, "-d", "grant_type=client_credentials", "-d",
                           std::string("scope=") + kScope, s.env("API_URL") + "/token"}));
  }
  static Result health_at(const Stack& s, const std::string& cert, const std::string& key,
                          const std::string& jwt) {
    return curl(
        s, *work_,
        with_cert(cert, key, {"-H", "Authorization: Bearer " + jwt, s.env("API_URL") + "/health"}));
  }
  static Result token(const std::string& cert, const std::string& key, const std::string& id,
                      const std::string& secret) {
    return token_at(stack(), cert, key, id, secret);
  }
  static Result health(const std::string& cert, const std::string& key, const std::string& jwt) {
    return health_at(stack(), cert, key, jwt);
  }
  // POST straight to the Cognito emulator's token endpoint (not through the gateway and the token
  // function), optionally with aws_client_metadata.
  static Result cognito_token(const std::string& id, const std::string& secret,
                              const std::string& metadata_json) {
    std::vector<std::string> args{"-u", id + ":" + secret,
                                  "-d", "grant_type=client_credentials",
                                  "-d", std::string("scope=") + kScope};
    if (!metadata_json.empty()) {
      args.emplace_back("--data-urlencode");
      args.push_back("aws_client_metadata=" + metadata_json);
    }
    args.push_back(stack().env("COGNITO_URL") + "/oauth2/token");
    return curl(stack(), work(), args);
  }

  static std::string* work_;
  static std::string* state_;
  static Stack* stack_;
  static bool ready_;
  static bool unbound_ready_;
  static std::string* unbound_token_;
  static std::string* unbound_log_;
  static long unbound_health_;
};
std::string* CertBindingE2E::work_ = nullptr;
std::string* CertBindingE2E::state_ = nullptr;
Stack* CertBindingE2E::stack_ = nullptr;
bool CertBindingE2E::ready_ = false;
bool CertBindingE2E::unbound_ready_ = false;
std::string* CertBindingE2E::unbound_token_ = nullptr;
std::string* CertBindingE2E::unbound_log_ = nullptr;
long CertBindingE2E::unbound_health_ = 0;

// One client, two registered ACTIVE certificates. Without binding either certificate would do
// (the registry rules only look at the client); with it, a token works with the certificate it
// was issued to and with no other.
TEST_F(CertBindingE2E, TokenWorksOnlyWithTheCertificateItWasIssuedTo) {
  const Client c = onboard(stack(), work(), "two-certs");
  const CertFiles second = add_certificate(stack(), work(), c.id, "two-certs-second");
  ASSERT_FALSE(c.cert.empty());
  ASSERT_NE(x5t_s256(c.cert), x5t_s256(second.cert));
  ASSERT_FALSE(der_of(second.cert).empty());

  const Result t1 = token(c.cert, c.key, c.id, c.secret);
  ASSERT_EQ(t1.http, 200) << t1.body;
  const std::string jwt1 = json_string(t1.body, "access_token");
  EXPECT_EQ(cnf_of(jwt1), x5t_s256(c.cert)) << t1.body;
  const auto claims = jwt_claims(jwt1);
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(agm::core::get_string(*claims, "client_id").value_or(""), c.id);

  const Result first_ok = health(c.cert, c.key, jwt1);
  EXPECT_EQ(first_ok.http, 200) << first_ok.body;
  const Result second_refused = health(second.cert, second.key, jwt1);
  EXPECT_EQ(second_refused.http, 403) << second_refused.body;
  EXPECT_NE(stack().part_log("gateway").find("binding_mismatch"), std::string::npos)
      << "the authorizer should log binding_mismatch";

  // And the other way round: a token obtained with the second certificate is bound to it.
  const Result t2 = token(second.cert, second.key, c.id, c.secret);
  ASSERT_EQ(t2.http, 200) << t2.body;
  const std::string jwt2 = json_string(t2.body, "access_token");
  EXPECT_EQ(cnf_of(jwt2), x5t_s256(second.cert));
  EXPECT_EQ(health(second.cert, second.key, jwt2).http, 200);
  EXPECT_EQ(health(c.cert, c.key, jwt2).http, 403);
}

// A token without cnf, genuinely issued by the same Cognito pool (see the top of the file).
TEST_F(CertBindingE2E, TokenWithoutCnfRefusedWhenBindingRequired) {
  ASSERT_TRUE(unbound_ready_) << "the unbound local stack did not start:\n"
                              << (unbound_log_ != nullptr ? *unbound_log_ : "");
  ASSERT_NE(unbound_token_, nullptr);
  ASSERT_FALSE(unbound_token_->empty());
  EXPECT_EQ(cnf_of(*unbound_token_), "");
  EXPECT_EQ(unbound_health_, 200) << "the stack without binding should accept its own token";

  // Same demo client, same certificate, same issuer and signing key; only cnf is missing.
  ASSERT_EQ(stack().env("CLIENT_ID"),
            agm::core::get_string(*jwt_claims(*unbound_token_), "client_id").value_or(""));
  const Result refused =
      health(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"), *unbound_token_);
  EXPECT_EQ(refused.http, 403) << refused.body;
  EXPECT_NE(stack().part_log("gateway").find("binding_required"), std::string::npos)
      << "the authorizer should log binding_required";

  // A bound token for the same certificate is accepted.
  const Result t = token(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"),
                         stack().env("CLIENT_ID"), stack().env("CLIENT_SECRET"));
  ASSERT_EQ(t.http, 200) << t.body;
  const std::string bound = json_string(t.body, "access_token");
  EXPECT_EQ(cnf_of(bound), x5t_s256(stack().env("CLIENT_CERT")));
  EXPECT_EQ(health(stack().env("CLIENT_CERT"), stack().env("CLIENT_KEY"), bound).http, 200);
}

// The trigger itself, asked through Cognito's token endpoint directly (the token function would
// refuse a foreign certificate before Cognito is asked): client B naming the demo client's
// certificate gets no token; naming its own, it gets one bound to it; naming none, none.
TEST_F(CertBindingE2E, TriggerRefusesAnotherClientsThumbprint) {
  const Client b = onboard(stack(), work(), "client-b");
  ASSERT_FALSE(b.id.empty());
  const std::string a_thumb = thumbprint(stack().env("CLIENT_CERT"));
  ASSERT_EQ(a_thumb.size(), 64U);

  const Result foreign =
      cognito_token(b.id, b.secret, R"({"cert_thumbprint":")" + a_thumb + R"("})");
  EXPECT_EQ(foreign.http, 400) << foreign.body;
  EXPECT_EQ(json_string(foreign.body, "access_token"), "") << foreign.body;
  EXPECT_NE(stack().part_log("cognito").find("client_mismatch"), std::string::npos)
      << "pre-token should log client_mismatch:\n"
      << stack().part_log("cognito");

  const Result own =
      cognito_token(b.id, b.secret, R"({"cert_thumbprint":")" + thumbprint(b.cert) + R"("})");
  ASSERT_EQ(own.http, 200) << own.body;
  EXPECT_EQ(cnf_of(json_string(own.body, "access_token")), x5t_s256(b.cert));

  // The trigger ran as a process of this stack (so the no-process-left check at the end of the
  // suite covers it too).
  const auto running = processes_mentioning(stack().state_dir());
  EXPECT_TRUE(std::any_of(running.begin(), running.end(), [](const std::string& p) {
    return p.find("/bin/pre-token") != std::string::npos;
  })) << "no pre-token process found";

  const Result none = cognito_token(b.id, b.secret, "");
  EXPECT_EQ(none.http, 400) << none.body;
  EXPECT_EQ(json_string(none.body, "access_token"), "") << none.body;
}

}  // namespace
