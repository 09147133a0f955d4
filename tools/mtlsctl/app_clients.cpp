#include "app_clients.hpp"

#include <algorithm>
#include <cstdint>

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

AppClientSettings describe_app_client_settings(aws::CognitoIdp& cognito, const std::string& pool,
                                               const std::string& client_id) {
  const json::value answer = cognito.call(
      "DescribeUserPoolClient", json::object{{"UserPoolId", pool}, {"ClientId", client_id}},
      deadline_from_now());
  AppClientSettings out;
  const json::value* client = core::find(answer, "UserPoolClient");
  if (client == nullptr) {
    throw CliError("DescribeUserPoolClient answered without UserPoolClient");
  }
  if (const json::value* scopes = core::find(*client, "AllowedOAuthScopes");
      scopes != nullptr && scopes->is_array()) {
    for (const auto& scope : scopes->as_array()) {
      if (scope.is_string()) {
        out.scopes.emplace_back(scope.as_string());
      }
    }
  }
  std::sort(out.scopes.begin(), out.scopes.end());
  if (const auto validity = core::get_int(*client, "AccessTokenValidity")) {
    const std::string unit(
        core::get_string_path(*client, {"TokenValidityUnits", "AccessToken"}).value_or("hours"));
    const std::int64_t per = unit == "minutes" ? 1 : unit == "days" ? 1440 : 60;
    out.access_token_minutes =
        unit == "seconds" ? static_cast<int>(*validity / 60) : static_cast<int>(*validity * per);
  }
  return out;
}

void update_app_client(aws::CognitoIdp& cognito, const std::string& pool,
                       const std::string& client_id, const std::string& name,
                       const AppClientSettings& settings) {
  json::array scope_list;
  for (const auto& s : settings.scopes) {
    scope_list.emplace_back(s);
  }
  const json::object request{{"UserPoolId", pool},
                             {"ClientId", client_id},
                             {"ClientName", name},
                             {"AllowedOAuthFlows", json::array{"client_credentials"}},
                             {"AllowedOAuthScopes", scope_list},
                             {"AllowedOAuthFlowsUserPoolClient", true},
                             {"AccessTokenValidity", settings.access_token_minutes},
                             {"TokenValidityUnits", json::object{{"AccessToken", "minutes"}}}};
  (void)cognito.call("UpdateUserPoolClient", request, deadline_from_now());
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
