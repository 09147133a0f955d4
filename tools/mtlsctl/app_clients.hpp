#pragma once
// Cognito app clients for client_credentials, as `client create` and `apply` make them.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aws/cognito_idp.hpp"

namespace agm::mtlsctl {

struct AppClient {
  std::string id;
  std::string secret;  // empty unless created or described
};

// CreateUserPoolClient with a secret, client_credentials only, the given scopes (full names) and,
// when given, the access token's lifetime in minutes.
AppClient create_app_client(aws::CognitoIdp& cognito, const std::string& pool,
                            const std::string& name, const std::vector<std::string>& scopes,
                            std::optional<int> access_token_minutes);
// DescribeUserPoolClient: the id and secret of an existing client.
AppClient describe_app_client(aws::CognitoIdp& cognito, const std::string& pool,
                              const std::string& client_id);
// What apply converges of an existing app client: its scopes (full names, sorted) and its access
// token's lifetime in minutes.
struct AppClientSettings {
  std::vector<std::string> scopes;
  int access_token_minutes = 60;
  bool operator==(const AppClientSettings&) const = default;
};
// DescribeUserPoolClient's AllowedOAuthScopes and AccessTokenValidity (in TokenValidityUnits'
// unit, hours when absent as Cognito documents; 60 minutes when the client has none).
AppClientSettings describe_app_client_settings(aws::CognitoIdp& cognito, const std::string& pool,
                                               const std::string& client_id);
// UpdateUserPoolClient with every setting create_app_client makes: Cognito resets what an update
// leaves out to its default. The secret stays.
void update_app_client(aws::CognitoIdp& cognito, const std::string& pool,
                       const std::string& client_id, const std::string& name,
                       const AppClientSettings& settings);
// ListUserPoolClients, every page: ClientName -> ClientId (the first of a name, in list order).
std::map<std::string, std::string> list_app_clients(aws::CognitoIdp& cognito,
                                                    const std::string& pool);

}  // namespace agm::mtlsctl
