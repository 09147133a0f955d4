#pragma once
// The OAuth token endpoint as the token function sees it: one request, the answer as it came.
// oauth/token_client.hpp is the HTTP implementation (Cognito's /oauth2/token); tests pass a fake.
#include <string>

namespace agm::oauth {

struct TokenEndpointResponse {
  long status = 0;
  std::string content_type;  // "" when the endpoint sent none
  std::string body;
};

class TokenEndpoint {
 public:
  virtual ~TokenEndpoint() = default;
  // POSTs `form_body` with `authorization` as the full Authorization header value ("Basic ...").
  // Any HTTP status is returned as it came; throws (any exception) when the endpoint cannot be
  // reached or times out.
  virtual TokenEndpointResponse request(const std::string& authorization,
                                        const std::string& form_body) = 0;
};

}  // namespace agm::oauth
