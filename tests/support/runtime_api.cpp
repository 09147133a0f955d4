#include "support/runtime_api.hpp"

#include <utility>

namespace agm::test {

namespace {

constexpr const char* kPrefix = "/2018-06-01/runtime/";

HttpResponse accepted() {
  HttpResponse r;
  r.status = 202;
  r.body = R"({"status":"OK"})";
  return r;
}

}  // namespace

FakeRuntimeApi::FakeRuntimeApi(std::chrono::milliseconds hold)
    : hold_(hold),
      server_(
          std::make_unique<LoopbackServer>([this](const HttpRequest& r) { return handle(r); })) {}

FakeRuntimeApi::~FakeRuntimeApi() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  server_.reset();
}

std::string FakeRuntimeApi::endpoint() const {
  return "127.0.0.1:" + std::to_string(server_->port());
}

long long FakeRuntimeApi::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void FakeRuntimeApi::push(const std::string& event) {
  Invocation inv;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    inv.request_id = "req-" + std::to_string(++next_id_);
  }
  inv.payload = event;
  inv.function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:test";
  inv.trace_id = "Root=1-00000000-000000000000000000000000";
  push(inv);
}

void FakeRuntimeApi::push(const Invocation& invocation) {
  HttpResponse r;
  r.body = invocation.payload;
  r.headers["Lambda-Runtime-Aws-Request-Id"] = invocation.request_id;
  r.headers["Lambda-Runtime-Deadline-Ms"] =
      std::to_string(invocation.deadline_ms != 0 ? invocation.deadline_ms : now_ms() + 30000);
  r.headers["Lambda-Runtime-Invoked-Function-Arn"] = invocation.function_arn;
  if (!invocation.trace_id.empty())
    r.headers["Lambda-Runtime-Trace-Id"] = invocation.trace_id;
  r.headers["Content-Type"] = "application/json";
  push_answer(std::move(r));
}

void FakeRuntimeApi::push_answer(HttpResponse answer) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    answers_.push_back(std::move(answer));
  }
  cv_.notify_all();
}

std::size_t FakeRuntimeApi::pending() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return answers_.size();
}

std::vector<FakeRuntimeApi::Result> FakeRuntimeApi::wait_results(
    std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return results_.size() >= count; });
  return results_;
}

std::optional<std::string> FakeRuntimeApi::wait_init_error(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return !init_errors_.empty(); });
  if (init_errors_.empty())
    return std::nullopt;
  return init_errors_.front();
}

HttpResponse FakeRuntimeApi::handle(const HttpRequest& request) {
  const std::string prefix = kPrefix;
  HttpResponse response;
  if (request.target.rfind(prefix, 0) != 0) {
    response.status = 404;
    return response;
  }
  const std::string path = request.target.substr(prefix.size());
  std::unique_lock<std::mutex> lock(mutex_);
  if (request.method == "GET" && path == "invocation/next") {
    cv_.wait_for(lock, hold_, [&] { return stopping_ || !answers_.empty(); });
    if (answers_.empty()) {
      response.close_connection = true;  // "the Runtime API went away": the runtime exits
      return response;
    }
    response = std::move(answers_.front());
    answers_.pop_front();
    return response;
  }
  if (request.method == "POST" && path == "init/error") {
    init_errors_.push_back(request.body);
    cv_.notify_all();
    return accepted();
  }
  const std::string inv = "invocation/";
  if (request.method == "POST" && path.rfind(inv, 0) == 0) {
    const auto slash = path.find('/', inv.size());
    if (slash != std::string::npos) {
      const std::string kind = path.substr(slash + 1);
      if (kind == "response" || kind == "error") {
        results_.push_back({path.substr(inv.size(), slash - inv.size()), kind, request.body});
        cv_.notify_all();
        return accepted();
      }
    }
  }
  response.status = 404;
  return response;
}

}  // namespace agm::test
