#pragma once
// One scripts/local run for end-to-end tests, and the programs the tests run against it (curl
// with real TLS and client certificates, mtlsctl). Shared by the tests/e2e/* folders.
#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/process.hpp"

namespace agm::test {

std::string read_all(const std::string& path);  // empty when unreadable
void write_file(const std::string& path, const std::string& data);
std::string make_temp_dir(const std::string& prefix);  // /tmp/<prefix>-XXXXXX; throws on failure

// `KEY=value` lines as scripts/local writes them (printf %q: backslash escapes only).
std::map<std::string, std::string> parse_env_file(const std::string& text);

// "pid: cmdline" of every process whose command line or environment mentions `needle` (other
// than this process).
std::vector<std::string> processes_mentioning(const std::string& needle);
bool port_in_use(std::uint16_t port);

struct Result {
  int exit_code = -1;  // the program's exit status
  long http = 0;       // HTTP status (curl), 0 when none
  std::string body;    // response body (curl) or output (others)
};

// One scripts/local run: free ports, the given state dir, this build's binaries
// (BUILD_DIR = binary_dir()), LOG_LEVEL=warn, REGISTRY_CACHE_TTL_SECONDS=1. `extra_env` adds to or
// overrides those (e.g. CERT_BOUND_TOKENS=true). The script's output goes to
// `<state_dir>-stack.log`.
class Stack {
 public:
  explicit Stack(std::string state_dir, std::map<std::string, std::string> extra_env = {});

  // Waits (bounded) for `<state_dir>/env`; false when the stack exits or times out first.
  bool wait_ready(std::chrono::seconds timeout = std::chrono::seconds(180));
  // SIGTERM to the script only (as `kill PID`): it must stop everything it started. Returns the
  // exit status, nullopt when it did not exit in time.
  std::optional<int> terminate(std::chrono::seconds timeout = std::chrono::seconds(30));

  [[nodiscard]] std::string log() const { return read_all(log_); }
  // A log of one part of the stack: `<state_dir>/logs/<name>.log` (gateway, cognito, dynalite).
  [[nodiscard]] std::string part_log(const std::string& name) const;
  [[nodiscard]] const std::map<std::string, std::string>& env() const { return env_; }
  [[nodiscard]] std::string env(const std::string& key) const;
  [[nodiscard]] std::vector<std::uint16_t> ports() const {
    return {gateway_port_, dynamodb_port_, cognito_port_, ssm_port_};
  }
  [[nodiscard]] const std::string& state_dir() const { return state_dir_; }

 private:
  std::string state_dir_;
  std::string log_;
  std::uint16_t gateway_port_ = 0, dynamodb_port_ = 0, cognito_port_ = 0, ssm_port_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::map<std::string, std::string> env_;
};

// Runs a program with the stack's env (bounded: 60 s); stdout+stderr into a file under `work`.
Result run(const Stack& stack, const std::string& work, std::vector<std::string> argv);

// curl with the server CA; `args` add the client certificate, headers, data. Body and status
// come back separately; curl's own exit code says whether TLS worked.
Result curl(const Stack& stack, const std::string& work, std::vector<std::string> args);

// {"--cert", cert, "--key", key, rest...}
std::vector<std::string> with_cert(const std::string& cert, const std::string& key,
                                   std::vector<std::string> rest);

// The string member `key` of a JSON object text; empty when absent or not JSON.
std::string json_string(const std::string& text, std::string_view key);

// The decoded payload of a compact JWS (not verified); nullopt when it is not one.
std::optional<boost::json::value> jwt_claims(const std::string& jwt);

// A client onboarded with mtlsctl only (client create, cert issue, client register); failures
// are reported with EXPECT_* and leave fields empty.
struct Client {
  std::string id, secret, cert, key;
};
Client onboard(const Stack& stack, const std::string& work, const std::string& name,
               const std::string& scopes = "mtls-api/health.read");

// Issues one more certificate for an existing client (into `<work>/<dir_name>`) and registers it
// with mtlsctl. Returns {cert, key} paths.
struct CertFiles {
  std::string cert, key;
};
CertFiles add_certificate(const Stack& stack, const std::string& work, const std::string& client_id,
                          const std::string& dir_name);

}  // namespace agm::test
