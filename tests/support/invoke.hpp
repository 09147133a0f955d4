#pragma once
// A handler driven the way its main drives it: a Runtime API payload through the edge
// (functions::invoke: parse once, handle, answer), so the tests see what the Runtime API sees.
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "functions/common/main.hpp"
#include "lambda/runtime.hpp"
#include "mtls/authorization.hpp"

namespace agm::test {

template <typename Handler>
lambda::invocation_response invoke(const Handler& handler, std::string_view payload,
                                   std::string_view request_id = {}) {
  lambda::invocation_request request;
  request.payload = std::string(payload);
  request.request_id = std::string(request_id);
  return functions::invoke(handler, request);
}

// The answer's payload as JSON (an HTTP result or an authorizer's simple response).
template <typename Handler>
core::json::object respond(const Handler& handler, const core::json::value& event) {
  const auto answer = invoke(handler, core::json::serialize(event));
  return core::parse_json(answer.get_payload()).value().as_object();
}

// The authorizer's decision as the tests read it: allowed, and the reason as the log writes it.
struct Verdict {
  bool allowed = false;
  std::string reason;
  std::string detail;
};
inline Verdict verdict_of(const mtls::Authorization& decision) {
  return Verdict{decision.allowed(), std::string(mtls::to_string(decision.reason)),
                 decision.detail};
}

}  // namespace agm::test
