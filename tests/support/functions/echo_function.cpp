// Fixture function: answers with the event it got, as a structured payload 2.0 response. The query
// string steers it (tests of the gateway's error paths):
//   crash=1  exits in the middle of the invocation     sleep=1  sleeps 60 s (past any timeout)
//   hold=MS  sleeps MS milliseconds, then answers        error=1  reports a function error
//   plain=1  returns {"plain":true} (no statusCode)      b64=1    returns a base64-encoded body
// With FIXTURE_INIT_ERROR set it reports an init error and exits, as a misconfigured function.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "core/encoding.hpp"
#include "core/json.hpp"
#include "lambda/runtime.hpp"

namespace json = boost::json;
using agm::lambda::invocation_request;
using agm::lambda::invocation_response;

namespace {

std::string query(const json::value& event, std::string_view key) {
  auto v = agm::core::get_string_path(event, {"queryStringParameters", key});
  return v ? std::string(*v) : std::string();
}

invocation_response handle(const invocation_request& req) {
  auto event = agm::core::parse_json(req.payload);
  if (!event)
    return invocation_response::failure("event is not JSON", "FixtureError");
  std::cerr << "fixture echo: invocation " << req.request_id << std::endl;
  if (query(*event, "crash") == "1")
    std::_Exit(3);
  if (query(*event, "sleep") == "1")
    std::this_thread::sleep_for(std::chrono::seconds(60));
  if (auto hold = query(*event, "hold"); !hold.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(hold.c_str())));
  }
  if (query(*event, "error") == "1") {
    return invocation_response::failure("asked to fail", "FixtureError");
  }
  if (query(*event, "plain") == "1")
    return invocation_response::success(R"({"plain":true})");
  if (query(*event, "b64") == "1") {
    json::object r{{"statusCode", 200},
                   {"headers", json::object{{"content-type", "application/octet-stream"}}},
                   {"body", agm::core::base64_encode(std::string("bin\0ary", 7))},
                   {"isBase64Encoded", true}};
    return invocation_response::success(json::serialize(r));
  }
  json::object r{{"statusCode", 201},
                 {"headers", json::object{{"content-type", "application/json"},
                                          {"x-fixture-pid", std::to_string(::getpid())},
                                          {"x-fixture-function-arn", req.function_arn},
                                          {"x-fixture-remaining-ms",
                                           std::to_string(req.get_time_remaining().count())}}},
                 {"cookies", json::array{"a=1", "b=2; Path=/"}},
                 {"body", json::serialize(json::object{{"event", *event}})}};
  return invocation_response::success(json::serialize(r));
}

}  // namespace

int main() {
  if (const char* e = std::getenv("FIXTURE_INIT_ERROR"); e != nullptr && *e != '\0') {
    agm::lambda::report_init_error(std::string("FIXTURE_INIT_ERROR: ") + e, "Runtime.ConfigError");
    return 1;
  }
  return agm::lambda::run_handler(handle);
}
