#pragma once
// Cognito user pools (service cognito-idp, JSON 1.1, target prefix
// AWSCognitoIdentityProviderService). Callers build the request bodies as the API documents them
// (CreateUserPoolClient, DescribeUserPoolClient, DeleteUserPoolClient, ...).
#include <boost/json.hpp>
#include <string_view>

#include "aws/client.hpp"

namespace agm::aws {

class CognitoIdp {
 public:
  explicit CognitoIdp(ClientConfig config);
  boost::json::value call(std::string_view action, const boost::json::value& body,
                          Deadline deadline);
  JsonClient& client();

 private:
  JsonClient client_;
};

}  // namespace agm::aws
