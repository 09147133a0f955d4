#pragma once
// The Lambda Runtime API client: value types and one loop, after awslabs/aws-lambda-cpp.
//
// Why our own: aws-lambda-cpp is not packaged for Debian 12, and the protocol is four HTTP calls
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html). This is ~300 lines on
// Boost.Beast.
#include <chrono>
#include <functional>
#include <string>
#include <utility>

namespace agm::lambda {

struct invocation_request {
  std::string payload;           // the event, as sent
  std::string request_id;        // Lambda-Runtime-Aws-Request-Id
  std::string xray_trace_id;     // Lambda-Runtime-Trace-Id (also exported as _X_AMZN_TRACE_ID)
  std::string client_context;    // Lambda-Runtime-Client-Context
  std::string cognito_identity;  // Lambda-Runtime-Cognito-Identity
  std::string function_arn;      // Lambda-Runtime-Invoked-Function-Arn
  std::chrono::system_clock::time_point deadline;  // Lambda-Runtime-Deadline-Ms

  [[nodiscard]] std::chrono::milliseconds get_time_remaining() const;
};

class invocation_response {
 public:
  static invocation_response success(std::string payload,
                                     std::string content_type = "application/json");
  // Reported to .../error as {"errorMessage","errorType","stackTrace":[]}.
  static invocation_response failure(const std::string& error_message, std::string error_type);

  [[nodiscard]] const std::string& get_payload() const { return payload_; }
  [[nodiscard]] const std::string& get_content_type() const { return content_type_; }
  [[nodiscard]] bool is_success() const { return success_; }
  [[nodiscard]] const std::string& get_error_type() const { return error_type_; }

 private:
  invocation_response(std::string payload, std::string content_type, bool success,
                      std::string error_type = {})
      : payload_(std::move(payload)),
        content_type_(std::move(content_type)),
        success_(success),
        error_type_(std::move(error_type)) {}
  std::string payload_;
  std::string content_type_;
  bool success_;
  std::string error_type_;
};

using handler_fn = std::function<invocation_response(const invocation_request&)>;

struct run_options {
  std::string endpoint;  // host:port; empty: AWS_LAMBDA_RUNTIME_API
  // Stop after this many invocations (0: never). Tests and benchmarks use it.
  std::size_t max_invocations = 0;
};

// Serves invocations until the Runtime API goes away (connection refused after retries) or
// max_invocations is reached. A handler that throws is reported as an error of that invocation
// (errorType = the exception's type name) and the loop goes on. Returns 0 on a clean stop,
// non-zero when the Runtime API could not be reached.
int run_handler(const handler_fn& handler, const run_options& options = {});

// POST /runtime/init/error, for configuration or start-up failures before run_handler.
// Returns true when the Runtime API accepted it. The caller then exits non-zero.
bool report_init_error(const std::string& error_message, const std::string& error_type,
                       const run_options& options = {});

}  // namespace agm::lambda
