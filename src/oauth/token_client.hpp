#pragma once
// The Cognito token endpoint client (POST COGNITO_TOKEN_URL): one net::HttpClient reused across
// invocations (keep-alive), timeouts from HttpOptions. Not thread-safe (one per thread).
#include <string>

#include "net/http.hpp"

namespace agm::oauth {

struct TokenEndpointResponse {
  long status = 0;
  std::string content_type;  // "" when the endpoint sent none
  std::string body;
};

class TokenEndpointClient {
 public:
  TokenEndpointClient(std::string token_url, net::HttpOptions options);
  // POSTs `form_body` as application/x-www-form-urlencoded with `authorization` as the full
  // Authorization header value ("Basic ..."), Accept: application/json. Any HTTP status is
  // returned as it came; throws net::TransportError when the endpoint cannot be reached, times out
  // or answers more than max_response_bytes.
  TokenEndpointResponse request(const std::string& authorization, const std::string& form_body);

 private:
  std::string token_url_;
  net::HttpClient http_;
};

}  // namespace agm::oauth
