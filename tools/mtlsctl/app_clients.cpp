#include "app_clients.hpp"

#include "common.hpp"
#include "core/json.hpp"

namespace agm::mtlsctl {

namespace json = boost::json;

AppClient create_app_client(aws::CognitoIdp& cognito, const std::string& pool,
                            const std::string& name, const std::vector<std::string>& scopes,
                            std::optional<int> access_token_minutes) {
  json::array scope_list;
  for (const auto& s : scopes) {
    scope_list.emplace_back(s);
  }
  json::object request{{"UserPoolId", pool},
                       {"ClientName", name},
                       {"GenerateSecret", true},
                       {"AllowedOAuthFlows", json::array{"client_credentials"}},
                       {"AllowedOAuthScopes", scope_list},
                       {"AllowedOAuthFlowsUserPoolClient", true}};
  if (access_token_minutes) {
    request["AccessTokenValidity"] = *access_token_minutes;
    request["TokenValidityUnits"] = json::object{{"AccessToken", "minutes"}};
  }
  const json::value answer = cognito.call("CreateUserPoolClient", request, deadline_from_now());
  const auto id = core::get_string_path(answer, {"UserPoolClient", "ClientId"});
  const auto secret = core::get_string_path(answer, {"UserPoolClient", "ClientSecret"});
  if (!id || id->empty() || !secret || secret->empty()) {
    throw CliError("CreateUserPoolClient answered without ClientId and ClientSecret");
  }
  return {std::string(*id), std::string(*secret)};
}

AppClient describe_app_client(aws::CognitoIdp& cognito, const std::string& pool,
                              const std::string& client_id) {
  const json::value answer = cognito.call(
      "DescribeUserPoolClient", json::object{{"UserPoolId", pool}, {"ClientId", client_id}},
      deadline_from_now());
  const auto secret = core::get_string_path(answer, {"UserPoolClient", "ClientSecret"});
  if (!secret || secret->empty()) {
    throw CliError("app client " + client_id + " has no secret (not a client_credentials client)");
  }
  return {client_id, std::string(*secret)};
}

std::map<std::string, std::string> list_app_clients(aws::CognitoIdp& cognito,
                                                    const std::string& pool) {
  std::map<std::string, std::string> out;
  std::string next;
  do {
    json::object request{{"UserPoolId", pool}, {"MaxResults", 60}};
    if (!next.empty()) {
      request["NextToken"] = next;
    }
    const json::value answer = cognito.call("ListUserPoolClients", request, deadline_from_now());
    const auto* list =
        answer.is_object() ? answer.as_object().if_contains("UserPoolClients") : nullptr;
    if (list != nullptr && list->is_array()) {
      for (const auto& c : list->as_array()) {
        const auto name = core::get_string(c, "ClientName");
        const auto id = core::get_string(c, "ClientId");
        if (name && id) {
          out.emplace(std::string(*name), std::string(*id));
        }
      }
    }
    const auto token = core::get_string(answer, "NextToken");
    next = token ? std::string(*token) : std::string();
  } while (!next.empty());
  return out;
}

}  // namespace agm::mtlsctl
