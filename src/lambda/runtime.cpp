#include "lambda/runtime.hpp"

#include <cxxabi.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdlib>
#include <memory>
#include <thread>
#include <typeinfo>

#include "core/encoding.hpp"
#include "core/json.hpp"
#include "core/log.hpp"

namespace agm::lambda {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::string_view kApiVersion = "/2018-06-01";

const core::Logger& runtime_log() {
  static const core::Logger log(core::LogLevel::kInfo, nullptr,
                                core::json::object{{"component", "lambda-runtime"}});
  return log;
}

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> out(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(name);
}

struct HttpResult {
  bool transport_ok = false;  // false: connection refused, reset, ...
  std::string transport_error;
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  [[nodiscard]] std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name)
        return v;
    }
    return {};
  }
};

// One connection for the whole life of the process, kept alive as the Runtime API expects of a
// long-lived runtime. Plain synchronous Beast on a socket: the Runtime API is HTTP on a local
// address, GET next is a long poll with no timeout by design, and nothing else runs meanwhile.
// (Not libcurl: see src/aws/http.cpp; its shared libraries were most of our cold start.)
class RuntimeClient {
 public:
  explicit RuntimeClient(std::string endpoint) : endpoint_(std::move(endpoint)) {
    const auto colon = endpoint_.rfind(':');
    host_ = endpoint_.substr(0, colon);
    port_ = colon == std::string::npos ? "80" : endpoint_.substr(colon + 1);
    if (host_.size() > 2 && host_.front() == '[' && host_.back() == ']')
      host_ = host_.substr(1, host_.size() - 2);
  }

  HttpResult get(const std::string& path) { return perform(http::verb::get, path, nullptr, {}); }
  HttpResult post(const std::string& path, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
    return perform(http::verb::post, path, &body, headers);
  }

 private:
  HttpResult perform(http::verb verb, const std::string& path, const std::string* body,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
    http::request<http::string_body> req{verb, std::string(kApiVersion) + path, 11};
    req.set(http::field::host, endpoint_);
    for (const auto& [name, value] : headers)
      req.set(name, value);
    if (body != nullptr) {
      req.body() = *body;
      req.prepare_payload();
    }
    HttpResult result;
    // A kept-alive connection the peer closed while we were busy fails at once: one retry on a
    // fresh connection (the request never reached the Runtime API).
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = socket_.is_open();
      boost::system::error_code ec;
      if (!reused)
        connect(ec);
      if (!ec)
        http::write(socket_, req, ec);
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxEventBytes);
      if (!ec)
        http::read(socket_, buffer_, parser, ec);
      if (ec) {
        close();
        result.transport_error = ec.message();
        if (reused && !parser.got_some())
          continue;
        return result;
      }
      const auto& msg = parser.get();
      result.transport_ok = true;
      result.status = static_cast<long>(msg.result_int());
      for (const auto& field : msg)
        result.headers.emplace_back(core::to_lower(field.name_string()),
                                    std::string(core::trim(field.value())));
      if (!msg.keep_alive())
        close();
      result.body = std::move(parser.release().body());
      return result;
    }
    return result;
  }

  void connect(boost::system::error_code& ec) {
    tcp::resolver resolver(io_);
    const auto endpoints = resolver.resolve(host_, port_, ec);
    if (ec)
      return;
    asio::connect(socket_, endpoints, ec);
    if (!ec)
      socket_.set_option(tcp::no_delay(true), ec);
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    buffer_.clear();
  }

  // Lambda's own limit for a synchronous event is 6 MB; a little headroom, then refuse.
  static constexpr std::uint64_t kMaxEventBytes = std::uint64_t{8} * 1024 * 1024;

  std::string endpoint_;
  std::string host_;
  std::string port_;
  asio::io_context io_{1};
  tcp::socket socket_{io_};
  beast::flat_buffer buffer_;
};

std::string resolve_endpoint(const run_options& options) {
  if (!options.endpoint.empty())
    return options.endpoint;
  const char* env = std::getenv("AWS_LAMBDA_RUNTIME_API");
  return env != nullptr ? std::string(env) : std::string();
}

std::string error_body(const std::string& message, const std::string& type) {
  return core::json::serialize(core::json::object{
      {"errorMessage", message}, {"errorType", type}, {"stackTrace", core::json::array{}}});
}

// _X_AMZN_TRACE_ID for this invocation (empty: unset). Not setenv(): glibc never frees a value
// setenv() replaces (pointers getenv() returned earlier must stay valid), so a fresh trace id per
// invocation leaked ~150 bytes each time; the soak saw every function grow ~15 MiB per 100 000
// invocations (docs/reliability.md). putenv() with storage owned here instead: the previous string
// is freed only after environ points at the new one. The runtime loop is the only writer.
void set_trace_env(const std::string& value) {
  static std::unique_ptr<char[]> current;  // "_X_AMZN_TRACE_ID=<value>", referenced by environ
  if (value.empty()) {
    unsetenv("_X_AMZN_TRACE_ID");
    current.reset();
    return;
  }
  const std::string text = "_X_AMZN_TRACE_ID=" + value;
  auto next = std::make_unique<char[]>(text.size() + 1);
  text.copy(next.get(), text.size());
  next[text.size()] = '\0';
  if (putenv(next.get()) == 0) {
    current = std::move(next);  // frees the previous string, no longer in environ
  } else {
    unsetenv("_X_AMZN_TRACE_ID");  // never leave the previous invocation's id in place
    current.reset();
  }
}

invocation_response call_handler(const handler_fn& handler, const invocation_request& req) {
  try {
    return handler(req);
  } catch (const std::exception& e) {
    return invocation_response::failure(e.what(), demangle(typeid(e).name()));
  } catch (...) {
    return invocation_response::failure("unknown exception", "UnknownException");
  }
}

}  // namespace

std::chrono::milliseconds invocation_request::get_time_remaining() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                               std::chrono::system_clock::now());
}

invocation_response invocation_response::success(std::string payload, std::string content_type) {
  return {std::move(payload), std::move(content_type), true};
}

invocation_response invocation_response::failure(const std::string& error_message,
                                                 std::string error_type) {
  std::string body = error_body(error_message, error_type);
  return {std::move(body), "application/json", false, std::move(error_type)};
}

int run_handler(const handler_fn& handler, const run_options& options) {
  const std::string endpoint = resolve_endpoint(options);
  if (endpoint.empty()) {
    runtime_log().error("AWS_LAMBDA_RUNTIME_API is not set");
    return 2;
  }
  RuntimeClient client(endpoint);

  std::size_t served = 0;
  int consecutive_failures = 0;
  while (options.max_invocations == 0 || served < options.max_invocations) {
    const HttpResult next = client.get("/runtime/invocation/next");
    if (!next.transport_ok) {
      // The Runtime API is gone (the sandbox is shutting down) or not up yet: a few retries, then
      // stop.
      if (++consecutive_failures >= 5) {
        runtime_log().error("runtime API unreachable", {{"error", next.transport_error}});
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * consecutive_failures));
      continue;
    }
    invocation_request req;
    req.request_id = next.header("lambda-runtime-aws-request-id");
    if (next.status != 200 || req.request_id.empty()) {
      // Malformed: nothing to answer to. Back off a little so a broken peer cannot spin us.
      runtime_log().warn("malformed next invocation",
                         {{"status", next.status}, {"has_request_id", !req.request_id.empty()}});
      if (++consecutive_failures >= 100)
        return 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    consecutive_failures = 0;
    req.payload = next.body;
    req.xray_trace_id = next.header("lambda-runtime-trace-id");
    req.client_context = next.header("lambda-runtime-client-context");
    req.cognito_identity = next.header("lambda-runtime-cognito-identity");
    req.function_arn = next.header("lambda-runtime-invoked-function-arn");
    const std::string deadline_text = next.header("lambda-runtime-deadline-ms");
    char* end = nullptr;
    const long long deadline_ms = std::strtoll(deadline_text.c_str(), &end, 10);
    // Past ~2262 a millisecond count does not fit system_clock's nanoseconds; such a header is
    // treated like a missing one rather than wrapped into the past.
    constexpr long long kLatestDeadlineMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::duration::max())
                                                .count();
    if (!deadline_text.empty() && end != nullptr && *end == '\0' && deadline_ms > 0 &&
        deadline_ms < kLatestDeadlineMs) {
      req.deadline = std::chrono::system_clock::time_point(std::chrono::milliseconds(deadline_ms));
    } else {
      // AWS always sends it; without one, assume Lambda's default 3 s timeout rather than none.
      req.deadline = std::chrono::system_clock::now() + std::chrono::seconds(3);
    }
    set_trace_env(req.xray_trace_id);

    const invocation_response resp = call_handler(handler, req);
    ++served;
    const std::string base = "/runtime/invocation/" + req.request_id;
    HttpResult posted;
    if (resp.is_success()) {
      posted = client.post(base + "/response", resp.get_payload(),
                           {{"Content-Type", resp.get_content_type()}});
      if (posted.transport_ok && posted.status == 413) {
        posted = client.post(base + "/error",
                             error_body("response payload too large", "Runtime.ResponseTooLarge"),
                             {{"Content-Type", "application/json"},
                              {"Lambda-Runtime-Function-Error-Type", "Runtime.ResponseTooLarge"}});
      }
    } else {
      posted = client.post(base + "/error", resp.get_payload(),
                           {{"Content-Type", "application/json"},
                            {"Lambda-Runtime-Function-Error-Type", resp.get_error_type()}});
    }
    if (!posted.transport_ok || posted.status >= 300) {
      runtime_log().warn("runtime API refused the result", {{"request_id", req.request_id},
                                                            {"status", posted.status},
                                                            {"error", posted.transport_error}});
    }
  }
  return 0;
}

bool report_init_error(const std::string& error_message, const std::string& error_type,
                       const run_options& options) {
  runtime_log().error("init error", {{"errorType", error_type}, {"errorMessage", error_message}});
  const std::string endpoint = resolve_endpoint(options);
  if (endpoint.empty())
    return false;
  RuntimeClient client(endpoint);
  const HttpResult r = client.post(
      "/runtime/init/error", error_body(error_message, error_type),
      {{"Content-Type", "application/json"}, {"Lambda-Runtime-Function-Error-Type", error_type}});
  return r.transport_ok && r.status >= 200 && r.status < 300;
}

}  // namespace agm::lambda
