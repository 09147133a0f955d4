#pragma once
// What the functions' integration tests run the real binaries against: a fake Lambda Runtime API
// (LoopbackServer), dynalite holding the cert registry, a JWKS endpoint and a token endpoint
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

namespace agm::test {

// The Runtime API (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html): GET
// .../invocation/next hands out queued events (waiting up to `hold` for one, then dropping the
// connection, which makes the runtime give up and exit); POSTs of .../response, .../error and
// init/error are recorded.
class FakeRuntimeApi {
 public:
  struct Result {
    std::string request_id;
    std::string kind;  // "response" or "error"
    std::string body;
  };
  explicit FakeRuntimeApi(std::chrono::milliseconds hold = std::chrono::milliseconds(2000));
  ~FakeRuntimeApi();
  FakeRuntimeApi(const FakeRuntimeApi&) = delete;
  FakeRuntimeApi& operator=(const FakeRuntimeApi&) = delete;

  [[nodiscard]] std::string endpoint() const;  // "127.0.0.1:PORT" for AWS_LAMBDA_RUNTIME_API
  void push(const std::string& event);         // request ids are "req-1", "req-2", ...
  // Waits until `count` results arrived; returns them all (fewer after `timeout`).
  std::vector<Result> wait_results(std::size_t count, std::chrono::milliseconds timeout);
  std::optional<std::string> wait_init_error(std::chrono::milliseconds timeout);
  [[nodiscard]] std::size_t pending() const;

 private:
  test::HttpResponse handle(const test::HttpRequest& request);

  std::chrono::milliseconds hold_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::size_t next_id_ = 0;
  std::deque<std::pair<std::string, std::string>> queue_;
  std::vector<Result> results_;
  std::vector<std::string> init_errors_;
  std::unique_ptr<test::LoopbackServer> server_;  // last: stopped first
};

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
