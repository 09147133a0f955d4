// The Runtime API client against a Runtime API served on loopback by the test (real HTTP).
#include "lambda/runtime.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "core/json.hpp"
#include "support/loopback_server.hpp"
#include "support/process.hpp"
#include "support/runtime_api.hpp"

namespace agm::lambda {
namespace {

using test::HttpRequest;
using test::HttpResponse;
using test::LoopbackServer;

using test::FakeRuntimeApi;

// An event with this request id (and the deadline and trace id when given).
void push_event(FakeRuntimeApi& api, const std::string& id, const std::string& payload,
                long long deadline_ms = 0, const std::string& trace = "") {
  FakeRuntimeApi::Invocation inv;
  inv.request_id = id;
  inv.payload = payload;
  inv.deadline_ms = deadline_ms;
  inv.trace_id = trace;
  api.push(inv);
}

std::string endpoint_of(const LoopbackServer& s) {
  return "127.0.0.1:" + std::to_string(s.port());
}

std::vector<HttpRequest> posts(const LoopbackServer& s) {
  std::vector<HttpRequest> out;
  for (auto& r : s.requests()) {
    if (r.method == "POST")
      out.push_back(r);
  }
  return out;
}

TEST(LambdaRuntime, SuccessRoundTripOnOneConnection) {
  FakeRuntimeApi api;
  const LoopbackServer& server = api.server();
  push_event(api, "req-1", R"({"n":1})");
  push_event(api, "req-2", R"({"n":2})");
  push_event(api, "req-3", R"({"n":3})");
  const int rc = run_handler(
      [](const invocation_request& req) {
        return invocation_response::success("echo:" + req.payload, "text/plain");
      },
      run_options{endpoint_of(server), 3});
  EXPECT_EQ(rc, 0);
  const auto p = posts(server);
  ASSERT_EQ(p.size(), 3U);
  EXPECT_EQ(p[0].target, "/2018-06-01/runtime/invocation/req-1/response");
  EXPECT_EQ(p[0].body, R"(echo:{"n":1})");
  EXPECT_EQ(p[0].headers.at("content-type"), "text/plain");
  EXPECT_EQ(p[2].target, "/2018-06-01/runtime/invocation/req-3/response");
  EXPECT_EQ(server.connections_accepted(), 1U) << "one connection reused across invocations";
}

TEST(LambdaRuntime, HandlerExceptionIsReportedWithItsTypeAndTheLoopGoesOn) {
  FakeRuntimeApi api;
  const LoopbackServer& server = api.server();
  push_event(api, "bad", "{}");
  push_event(api, "good", "{}");
  const int rc = run_handler(
      [](const invocation_request& req) {
        if (req.request_id == "bad")
          throw std::invalid_argument("no such thing");
        return invocation_response::success("{}");
      },
      run_options{endpoint_of(server), 2});
  EXPECT_EQ(rc, 0);
  const auto p = posts(server);
  ASSERT_EQ(p.size(), 2U);
  EXPECT_EQ(p[0].target, "/2018-06-01/runtime/invocation/bad/error");
  EXPECT_EQ(p[0].headers.at("lambda-runtime-function-error-type"), "std::invalid_argument");
  const auto body = core::parse_json(p[0].body).value();
  EXPECT_EQ(core::get_string(body, "errorMessage").value(), "no such thing");
  EXPECT_EQ(core::get_string(body, "errorType").value(), "std::invalid_argument");
  ASSERT_NE(core::find(body, "stackTrace"), nullptr);
  EXPECT_TRUE(core::find(body, "stackTrace")->is_array());
  EXPECT_EQ(p[1].target, "/2018-06-01/runtime/invocation/good/response");
}

TEST(LambdaRuntime, FailureResponseIsReportedAsError) {
  FakeRuntimeApi api;
  const LoopbackServer& server = api.server();
  push_event(api, "r", "{}");
  run_handler(
      [](const invocation_request&) { return invocation_response::failure("denied", "Deny"); },
      run_options{endpoint_of(server), 1});
  const auto p = posts(server);
  ASSERT_EQ(p.size(), 1U);
  EXPECT_EQ(p[0].target, "/2018-06-01/runtime/invocation/r/error");
  EXPECT_EQ(p[0].headers.at("lambda-runtime-function-error-type"), "Deny");
}

TEST(LambdaRuntime, DeadlineRequestIdArnAndTraceAreExposed) {
  FakeRuntimeApi api;
  const LoopbackServer& server = api.server();
  const long long deadline = FakeRuntimeApi::now_ms() + 5000;
  push_event(api, "abc-123", "{}", deadline, "Root=1-5759e988-bd862e3fe1be46a994272793");
  invocation_request seen;
  std::string trace_env;
  run_handler(
      [&](const invocation_request& req) {
        seen = req;
        const char* t = std::getenv("_X_AMZN_TRACE_ID");
        trace_env = t != nullptr ? t : "";
        return invocation_response::success("{}");
      },
      run_options{endpoint_of(server), 1});
  EXPECT_EQ(seen.request_id, "abc-123");
  EXPECT_EQ(seen.function_arn, "arn:aws:lambda:us-east-1:000000000000:function:test");
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(seen.deadline.time_since_epoch())
                .count(),
            deadline);
  EXPECT_GT(seen.get_time_remaining().count(), 0);
  EXPECT_LE(seen.get_time_remaining().count(), 5000);
  EXPECT_EQ(seen.xray_trace_id, "Root=1-5759e988-bd862e3fe1be46a994272793");
  EXPECT_EQ(trace_env, seen.xray_trace_id);
}

TEST(LambdaRuntime, MalformedNextResponsesDoNotStopTheLoop) {
  FakeRuntimeApi api;
  const LoopbackServer& server = api.server();
  api.push_answer(HttpResponse{200, {}, "{}", {}, false});                 // no request id
  api.push_answer(HttpResponse{500, {}, "<html>oops</html>", {}, false});  // error status
  api.push_answer(HttpResponse{200,
                               {{"Lambda-Runtime-Aws-Request-Id", "x"},  // garbage deadline
                                {"Lambda-Runtime-Deadline-Ms", "soon"}},
                               "not json at all",
                               {},
                               false});
  push_event(api, "fine", "{}");
  std::vector<std::string> handled;
  const int rc = run_handler(
      [&](const invocation_request& req) {
        handled.push_back(req.request_id);
        return invocation_response::success("{}");
      },
      run_options{endpoint_of(server), 2});
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(handled, (std::vector<std::string>{"x", "fine"}));
}

TEST(LambdaRuntime, InitErrorIsReported) {
  FakeRuntimeApi api;
  const LoopbackServer& server = api.server();
  EXPECT_TRUE(report_init_error("CERT_TABLE_NAME: not set", "Runtime.InvalidConfiguration",
                                run_options{endpoint_of(server), 0}));
  const auto p = posts(server);
  ASSERT_EQ(p.size(), 1U);
  EXPECT_EQ(p[0].target, "/2018-06-01/runtime/init/error");
  EXPECT_EQ(p[0].headers.at("lambda-runtime-function-error-type"), "Runtime.InvalidConfiguration");
  const auto body = core::parse_json(p[0].body).value();
  EXPECT_EQ(core::get_string(body, "errorMessage").value(), "CERT_TABLE_NAME: not set");
}

TEST(LambdaRuntime, UnreachableRuntimeApiEndsWithAnError) {
  const auto port = test::free_port();
  const auto start = std::chrono::steady_clock::now();
  const int rc =
      run_handler([](const invocation_request&) { return invocation_response::success("{}"); },
                  run_options{"127.0.0.1:" + std::to_string(port), 0});
  EXPECT_NE(rc, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_FALSE(report_init_error("x", "y", run_options{"127.0.0.1:" + std::to_string(port), 0}));
}

}  // namespace
}  // namespace agm::lambda
