#pragma once
// A local stand-in for the Lambda service: each function runs as its real binary in child
// processes, and each process gets its own Lambda Runtime API server on 127.0.0.1
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):
//   GET  /2018-06-01/runtime/invocation/next          (long poll, one invocation at a time)
//   POST /2018-06-01/runtime/invocation/{id}/response
//   POST /2018-06-01/runtime/invocation/{id}/error
//   POST /2018-06-01/runtime/init/error
//
// Like Lambda, a process handles one invocation at a time and stays warm; under concurrent load
// the pool starts more processes up to `max_concurrency`, then invocations wait in a bounded
// queue; when the queue is full the invocation is throttled. A timed-out process is killed (its
// whole process group) and the next invocation gets a fresh one; so does a crashed one.
//
// Everything runs on one io_context thread (no locks): invoke() is a coroutine on that context.
#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.hpp"

namespace agm::local {

struct FunctionConfig {
  std::string name;                          // the key in the gateway config ("token")
  std::vector<std::string> command;          // argv; argv[0] absolute or relative to cwd
  std::map<std::string, std::string> env;    // added to the Lambda variables
  std::chrono::milliseconds timeout{10000};  // per invocation, as the function's Lambda timeout
  std::size_t max_concurrency = 4;           // processes at most
  std::size_t max_queue = 64;                // waiting invocations at most, then throttled
  // How long an invocation may wait in the queue for a process (API Gateway's integration
  // timeout is 30 s at most; a queued request beyond that gets a timeout).
  std::chrono::milliseconds queue_timeout{30000};
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  int memory_mb = 128;
};

enum class InvokeStatus {
  kOk,             // /response: payload is the function's response
  kFunctionError,  // /error: payload is the error document
  kTimeout,        // no answer within the timeout: process killed
  kCrash,          // the process exited during the invocation
  kInitError,      // the process reported /init/error (or exited before asking for work)
  kThrottled,      // concurrency and queue full
  kShutdown,       // the pool is shutting down
};
std::string_view to_string(InvokeStatus s);

struct InvokeResult {
  InvokeStatus status = InvokeStatus::kOk;
  std::string payload;  // response body (kOk) or error document (kFunctionError, kInitError)
  pid_t pid = -1;       // the process that ran it (-1 when none did)
};

class FunctionPool {
 public:
  // `log` must outlive the pool. Child output lines go to `child_output` (stderr when null),
  // each prefixed with "[name pid] ".
  FunctionPool(boost::asio::io_context& io, FunctionConfig config, const core::Logger& log,
               std::ostream* child_output = nullptr);
  ~FunctionPool();
  FunctionPool(const FunctionPool&) = delete;
  FunctionPool& operator=(const FunctionPool&) = delete;

  // Runs one invocation with `event` (JSON text). Must be awaited on the pool's io_context.
  boost::asio::awaitable<InvokeResult> invoke(std::string event);

  // Kills every process group (SIGKILL), reaps the processes, fails waiting invocations with
  // kShutdown. Idempotent; also called by the destructor.
  void shutdown();

  [[nodiscard]] const FunctionConfig& config() const { return config_; }
  [[nodiscard]] std::vector<pid_t> pids() const;  // live processes
  [[nodiscard]] std::size_t processes_started() const { return started_; }

  struct Process;
  struct Invocation;

 private:
  void dispatch(const std::shared_ptr<Invocation>& inv);
  void assign(const std::shared_ptr<Process>& proc, const std::shared_ptr<Invocation>& inv);
  std::shared_ptr<Process> spawn();
  void on_exit(const std::shared_ptr<Process>& proc);
  void on_free(const std::shared_ptr<Process>& proc);
  // By value: callers pass proc->current, which complete() resets.
  void complete(std::shared_ptr<Invocation> inv, InvokeStatus status, std::string payload);
  void kill_process(const std::shared_ptr<Process>& proc);
  boost::asio::awaitable<void> serve_runtime_api(std::shared_ptr<Process> proc);
  boost::asio::awaitable<void> serve_connection(std::shared_ptr<Process> proc,
                                                boost::asio::ip::tcp::socket socket);
  // What serve_connection does with each Runtime API call (the HTTP side stays there).
  void on_response_too_large(const std::shared_ptr<Process>& proc);
  void on_init_error(const std::shared_ptr<Process>& proc, std::string_view error_type,
                     const std::string& body);
  // False when `id` is not the invocation the process was handed.
  bool on_result(const std::shared_ptr<Process>& proc, std::string_view id, bool is_error,
                 std::string_view error_type, const std::string& body);
  [[nodiscard]] std::string function_arn() const;
  boost::asio::awaitable<void> pump_output(std::shared_ptr<Process> proc, int which);
  void watch_exit(const std::shared_ptr<Process>& proc);

  boost::asio::io_context& io_;
  FunctionConfig config_;
  const core::Logger& log_;
  std::ostream* child_output_;
  std::vector<std::shared_ptr<Process>> processes_;
  std::deque<std::shared_ptr<Invocation>> queue_;
  std::size_t started_ = 0;
  std::uint64_t next_id_ = 0;
  bool shut_down_ = false;
};

}  // namespace agm::local
