#include "aws/cognito_idp.hpp"

#include <utility>

namespace agm::aws {

CognitoIdp::CognitoIdp(ClientConfig config)
    : client_(std::move(config), "cognito-idp", "AWSCognitoIdentityProviderService",
              "application/x-amz-json-1.1") {}

boost::json::value CognitoIdp::call(std::string_view action, const boost::json::value& body,
                                    Deadline deadline) {
  return client_.call(action, body, deadline);
}

JsonClient& CognitoIdp::client() {
  return client_;
}

}  // namespace agm::aws
