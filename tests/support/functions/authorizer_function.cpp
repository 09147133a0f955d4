// Fixture Lambda authorizer (payload 2.0, simple responses). The Authorization header decides:
//   allow    {"isAuthorized":true,"context":{...}} with the certificate subject it was shown
//   deny     {"isAuthorized":false}
//   error    a function error            garbage  a response without isAuthorized
//   slow     sleeps 60 s (past the timeout)
#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/json.hpp"
#include "lambda/runtime.hpp"

namespace json = boost::json;
using agm::lambda::invocation_request;
using agm::lambda::invocation_response;

namespace {

int invocations = 0;  // per process: tests tell a cached decision from a fresh one

invocation_response handle(const invocation_request& req) {
  ++invocations;
  auto event = agm::core::parse_json(req.payload);
  if (!event)
    return invocation_response::failure("event is not JSON", "FixtureError");
  auto auth = agm::core::get_string_path(*event, {"headers", "authorization"});
  std::string decision = auth ? std::string(*auth) : std::string();
  if (decision == "slow")
    std::this_thread::sleep_for(std::chrono::seconds(60));
  if (decision == "error")
    return invocation_response::failure("asked to fail", "FixtureError");
  if (decision == "garbage")
    return invocation_response::success(R"({"nope":1})");
  if (decision != "allow")
    return invocation_response::success(R"({"isAuthorized":false})");
  auto subject = agm::core::get_string_path(
      *event, {"requestContext", "authentication", "clientCert", "subjectDN"});
  const json::value* ids = agm::core::find(*event, "identitySource");
  json::object ctx{{"client_id", "fixture-client"},
                   {"subject", subject ? std::string(*subject) : std::string()},
                   {"type", agm::core::get_string(*event, "type").value_or("")},
                   {"route_arn", agm::core::get_string(*event, "routeArn").value_or("")},
                   {"identity_source", ids ? *ids : json::value()},
                   {"n", 42},
                   {"pid", ::getpid()},
                   {"invocation", invocations}};
  return invocation_response::success(
      json::serialize(json::object{{"isAuthorized", true}, {"context", ctx}}));
}

}  // namespace

int main() {
  return agm::lambda::run_handler(handle);
}
