#pragma once
// The Cognito token endpoint client (POST COGNITO_TOKEN_URL): one net::HttpClient reused across
// invocations (keep-alive), timeouts from HttpOptions. Not thread-safe (one per thread).
#include <string>

#include "net/http.hpp"
#include "oauth/token_endpoint.hpp"

namespace agm::oauth {

class TokenEndpointClient final : public TokenEndpoint {
 public:
  TokenEndpointClient(std::string token_url, net::HttpOptions options);
  // As TokenEndpoint::request, with Accept: application/json and the form content type; throws
  // net::TransportError when the endpoint cannot be reached, times out or answers more than
  // max_response_bytes.
  TokenEndpointResponse request(const std::string& authorization,
                                const std::string& form_body) override;

 private:
  std::string token_url_;
  net::HttpClient http_;
};

}  // namespace agm::oauth
