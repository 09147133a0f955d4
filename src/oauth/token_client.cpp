#include "oauth/token_client.hpp"

namespace agm::oauth {

TokenEndpointClient::TokenEndpointClient(std::string token_url, aws::HttpOptions options)
    : token_url_(std::move(token_url)), http_(std::move(options)) {}
TokenEndpointResponse TokenEndpointClient::request(const std::string& /*authorization*/,
                                                   const std::string& /*form_body*/) {
  throw aws::TransportError("TransportError", "not implemented yet");
}

}  // namespace agm::oauth
