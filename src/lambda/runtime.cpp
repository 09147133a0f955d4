#include "lambda/runtime.hpp"

#include <curl/curl.h>

#include <cxxabi.h>
#include <cstdlib>
#include <memory>
#include <thread>
#include <typeinfo>

#include "core/encoding.hpp"
#include "core/json.hpp"
#include "core/log.hpp"

namespace agm::lambda {
namespace {

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

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  const std::string_view line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
      value.remove_suffix(1);
    static_cast<HttpResult*>(user)->headers.emplace_back(core::to_lower(line.substr(0, colon)),
                                                         std::string(core::trim(value)));
  }
  return size * count;
}

// One easy handle for the whole life of the process: libcurl keeps the connection to the Runtime
// API alive between calls, as the Runtime API expects of a long-lived runtime.
class RuntimeClient {
 public:
  explicit RuntimeClient(std::string endpoint)
      : base_("http://" + std::move(endpoint) + std::string(kApiVersion)),
        curl_(curl_easy_init()) {}
  ~RuntimeClient() {
    if (curl_ != nullptr)
      curl_easy_cleanup(curl_);
  }
  RuntimeClient(const RuntimeClient&) = delete;
  RuntimeClient& operator=(const RuntimeClient&) = delete;

  [[nodiscard]] bool ok() const { return curl_ != nullptr; }

  HttpResult get(const std::string& path) { return perform(path, nullptr, {}); }
  HttpResult post(const std::string& path, const std::string& body,
                  const std::vector<std::string>& headers) {
    return perform(path, &body, headers);
  }

 private:
  HttpResult perform(const std::string& path, const std::string* body,
                     const std::vector<std::string>& headers) {
    HttpResult result;
    curl_easy_reset(curl_);
    const std::string url = base_ + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_PROXY, "");  // never route the Runtime API through a proxy
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    // No overall timeout: GET next is a long poll that returns when an event arrives.
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 0L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &result.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &result);
    curl_slist* list = nullptr;
    for (const auto& h : headers)
      list = curl_slist_append(list, h.c_str());
    list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    if (body != nullptr) {
      curl_easy_setopt(curl_, CURLOPT_POST, 1L);
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    }
    const CURLcode rc = curl_easy_perform(curl_);
    curl_slist_free_all(list);
    if (rc != CURLE_OK) {
      result.transport_error = curl_easy_strerror(rc);
      return result;
    }
    result.transport_ok = true;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &result.status);
    return result;
  }

  std::string base_;
  CURL* curl_;
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

void ensure_curl_global() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
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
  ensure_curl_global();
  const std::string endpoint = resolve_endpoint(options);
  if (endpoint.empty()) {
    runtime_log().error("AWS_LAMBDA_RUNTIME_API is not set");
    return 2;
  }
  RuntimeClient client(endpoint);
  if (!client.ok())
    return 2;

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
    if (!deadline_text.empty() && end != nullptr && *end == '\0' && deadline_ms > 0) {
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
                           {"Content-Type: " + resp.get_content_type()});
      if (posted.transport_ok && posted.status == 413) {
        posted = client.post(base + "/error",
                             error_body("response payload too large", "Runtime.ResponseTooLarge"),
                             {"Content-Type: application/json",
                              "Lambda-Runtime-Function-Error-Type: Runtime.ResponseTooLarge"});
      }
    } else {
      posted = client.post(base + "/error", resp.get_payload(),
                           {"Content-Type: application/json",
                            "Lambda-Runtime-Function-Error-Type: " + resp.get_error_type()});
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
  ensure_curl_global();
  runtime_log().error("init error", {{"errorType", error_type}, {"errorMessage", error_message}});
  const std::string endpoint = resolve_endpoint(options);
  if (endpoint.empty())
    return false;
  RuntimeClient client(endpoint);
  if (!client.ok())
    return false;
  const HttpResult r = client.post(
      "/runtime/init/error", error_body(error_message, error_type),
      {"Content-Type: application/json", "Lambda-Runtime-Function-Error-Type: " + error_type});
  return r.transport_ok && r.status >= 200 && r.status < 300;
}

}  // namespace agm::lambda
