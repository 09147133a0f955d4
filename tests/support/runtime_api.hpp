#pragma once
// The one fake Lambda Runtime API of the tests
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html), on a LoopbackServer: GET
// .../invocation/next hands out queued answers in order (waiting up to `hold` for one, then
// dropping the connection, which makes the runtime give up and exit); POSTs of .../response,
// .../error and init/error are recorded. The unit tests of src/lambda queue exact answers
// (malformed ones too); the integration tests queue events and wait for the functions' results.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "support/loopback_server.hpp"

namespace agm::test {

class FakeRuntimeApi {
 public:
  struct Result {
    std::string request_id;
    std::string kind;  // "response" or "error"
    std::string body;
  };
  // One invocation as GET .../next hands it out.
  struct Invocation {
    std::string request_id;
    std::string payload;
    long long deadline_ms = 0;  // Unix ms; 0: 30 s from the push
    std::string function_arn = "arn:aws:lambda:us-east-1:000000000000:function:test";
    std::string trace_id;  // empty: no Lambda-Runtime-Trace-Id header
  };

  explicit FakeRuntimeApi(std::chrono::milliseconds hold = std::chrono::milliseconds(2000));
  ~FakeRuntimeApi();
  FakeRuntimeApi(const FakeRuntimeApi&) = delete;
  FakeRuntimeApi& operator=(const FakeRuntimeApi&) = delete;

  [[nodiscard]] std::string endpoint() const;  // "127.0.0.1:PORT" for AWS_LAMBDA_RUNTIME_API
  // Every request as received, and the connections accepted (keep-alive checks).
  [[nodiscard]] const LoopbackServer& server() const { return *server_; }

  // An event with request id "req-1", "req-2", ..., a trace id and an eu-west-1 function ARN.
  void push(const std::string& event);
  void push(const Invocation& invocation);
  // Exactly this answer to one GET .../next (a missing header, an error status, ...).
  void push_answer(HttpResponse answer);

  // Waits until `count` results arrived; returns them all (fewer after `timeout`).
  std::vector<Result> wait_results(std::size_t count, std::chrono::milliseconds timeout);
  std::optional<std::string> wait_init_error(std::chrono::milliseconds timeout);
  [[nodiscard]] std::size_t pending() const;

  static long long now_ms();  // Unix time in ms

 private:
  HttpResponse handle(const HttpRequest& request);

  std::chrono::milliseconds hold_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::size_t next_id_ = 0;
  std::deque<HttpResponse> answers_;
  std::vector<Result> results_;
  std::vector<std::string> init_errors_;
  std::unique_ptr<LoopbackServer> server_;  // last: stopped first
};

}  // namespace agm::test
