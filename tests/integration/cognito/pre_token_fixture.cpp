// A pre token generation trigger for the Cognito emulator test, on the project's Lambda runtime.
// By request.clientMetadata.mode:
//   absent/"bind": adds cnf {"x5t#S256": clientMetadata.cert_thumbprint}, plus echo claims that
//                  let the test check the event (trigger source, client id, scopes, version)
//   "deny":        fails the invocation (Cognito then refuses the token)
//   "reserved":    tries to override `iss` (Cognito's reserved claims: refused)
//   "suppress":    removes the scope mtls-api/admin and adds mtls-api/health.read
#include <cstdlib>
#include <string>

#include "core/json.hpp"
#include "lambda/runtime.hpp"

namespace json = boost::json;

int main() {
  return agm::lambda::run_handler([](const agm::lambda::invocation_request& req) {
    const auto event = agm::core::parse_json(req.payload);
    if (!event)
      return agm::lambda::invocation_response::failure("event is not JSON", "BadEvent");
    const std::string mode(
        agm::core::get_string_path(*event, {"request", "clientMetadata", "mode"}).value_or("bind"));
    if (mode == "deny")
      return agm::lambda::invocation_response::failure("denied by the fixture", "Denied");
    json::object gen;
    if (mode == "reserved") {
      gen["claimsToAddOrOverride"] = json::object{{"iss", "https://evil.example.com"}};
    } else if (mode == "suppress") {
      gen["scopesToSuppress"] = json::array{"mtls-api/admin"};
      gen["scopesToAdd"] = json::array{"mtls-api/health.read"};
    } else {
      const auto* scopes = agm::core::find_path(*event, {"request", "scopes"});
      gen["claimsToAddOrOverride"] = json::object{
          {"cnf",
           json::object{{"x5t#S256", agm::core::get_string_path(
                                         *event, {"request", "clientMetadata", "cert_thumbprint"})
                                         .value_or("")}}},
          {"seen_trigger_source", agm::core::get_string(*event, "triggerSource").value_or("")},
          {"seen_version", agm::core::get_string(*event, "version").value_or("")},
          {"seen_client_id",
           agm::core::get_string_path(*event, {"callerContext", "clientId"}).value_or("")},
          {"seen_scopes", scopes != nullptr ? *scopes : json::value()}};
    }
    json::object out = event->as_object();
    out["response"] = json::object{
        {"claimsAndScopeOverrideDetails", json::object{{"accessTokenGeneration", gen}}}};
    return agm::lambda::invocation_response::success(json::serialize(out));
  });
}
