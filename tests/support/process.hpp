#pragma once
// Child processes for tests: started with fork/exec, stopped (SIGTERM, then SIGKILL) and reaped by
// the destructor, so a failing test never leaves a process behind.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace agm::test {

// The project's root and the CMake binary dir (compile-time paths of this build).
std::string project_root();
std::string binary_dir();

// The whole file as bytes; "" when it cannot be opened (tests assert on the content).
std::string read_file(const std::string& path);

class ChildProcess {
 public:
  // argv[0] is looked up in PATH when it has no '/'. `env` entries are added to (or, with
  // inherit_env=false, replace) the parent's environment. stdout/stderr go to `log_file` when
  // given (appended), otherwise they are inherited.
  explicit ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                        bool inherit_env = true, std::string log_file = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running();
  // SIGTERM, wait up to `grace`, then SIGKILL; returns the exit status as from waitpid.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
  // Waits for exit up to `timeout`; nullopt when still running.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// A TCP port free on 127.0.0.1 at the time of the call.
std::uint16_t free_port();
// True once 127.0.0.1:port accepts a connection, false after `timeout`.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace agm::test
