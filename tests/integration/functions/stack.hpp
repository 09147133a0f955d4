#pragma once
// What the functions' integration tests run the real binaries against: the fake Lambda Runtime
// API of tests/support, dynalite holding the cert registry, a JWKS endpoint and a token endpoint
// (LoopbackServers), and keys and certificates made in the test.
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "support/dynalite.hpp"
#include "support/fixtures.hpp"
#include "support/loopback_server.hpp"
#include "support/process.hpp"
#include "support/runtime_api.hpp"

namespace agm::test {

// dynalite with the registry table, a JWKS endpoint, a token endpoint; env for each function.
class FunctionStack {
 public:
  FunctionStack();
  void register_cert(const std::string& cert_pem, const std::string& client_id,
                     std::optional<std::vector<std::string>> scopes = std::nullopt);

  // Only the variables each function needs (the tests start them with inherit_env=false).
  [[nodiscard]] std::map<std::string, std::string> common_env(const FakeRuntimeApi& api) const;
  [[nodiscard]] std::map<std::string, std::string> authorizer_env(const FakeRuntimeApi& api) const;
  [[nodiscard]] std::map<std::string, std::string> token_env(const FakeRuntimeApi& api) const;
  [[nodiscard]] std::map<std::string, std::string> health_env(const FakeRuntimeApi& api) const;

  // A Cognito-shaped access token for client-a signed with the JWKS key.
  [[nodiscard]] std::string access_token(const std::string& client_id,
                                         const std::string& scope) const;
  // Payload 2.0 events.
  [[nodiscard]] std::string authorizer_event(const std::string& cert_pem,
                                             const std::string& bearer) const;
  [[nodiscard]] std::string token_event(const std::string& cert_pem, const std::string& client_id,
                                        const std::string& secret) const;
  [[nodiscard]] std::string health_event(const std::string& cert_pem,
                                         const std::string& approved_thumbprint) const;

  std::vector<test::HttpRequest> token_requests() const { return token_server->requests(); }

  static constexpr const char* kTable = "functions-it-certs";
  static constexpr const char* kScope = "mtls-api/health.read";
  static constexpr const char* kIssued =
      R"({"access_token":"eyJ.issued.token","expires_in":3600,"token_type":"Bearer"})";

  test::Dynalite dynalite;
  TestPki pki;
  RsaKey key;
  std::string jwks;
  pki::KeyAndCert cert_a;        // registered to client-a
  pki::KeyAndCert cert_unknown;  // never registered
  std::unique_ptr<test::LoopbackServer> jwks_server;
  std::unique_ptr<test::LoopbackServer> token_server;
};

// VmRSS of a process in kB, from /proc/<pid>/status; nullopt when unreadable.
std::optional<long> vm_rss_kb(pid_t pid);

}  // namespace agm::test
