#include "aws/apigateway.hpp"

#include <boost/json.hpp>
#include <utility>

#include "aws/sigv4.hpp"
#include "core/encoding.hpp"

namespace agm::aws {

ApiGatewayV2::ApiGatewayV2(ClientConfig config)
    : rest_(std::move(config), "apigateway", SigningParams{}, parse_json_error) {
  if (rest_.config().endpoint.empty()) {
    throw core::ConfigError("AWS_ENDPOINT_URL_APIGATEWAY", "no endpoint for apigateway");
  }
}

std::vector<std::string> ApiGatewayV2::truststore_warnings(const std::string& domain_name,
                                                           Deadline deadline) {
  std::string url = rest_.config().endpoint;
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  net::HttpRequest request;
  request.method = "GET";
  request.url = url + "/v2/domainnames/" + core::percent_encode(domain_name);
  const auto response = rest_.send(request, deadline);
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(response.body, ec);
  const auto* domain = body.if_object();
  if (ec || domain == nullptr) {
    throw AwsError("InvalidResponse", "GetDomainName: the answer is not a JSON object", 0, false);
  }
  std::vector<std::string> warnings;
  const auto* mtls = domain->if_contains("mutualTlsAuthentication");
  if (mtls == nullptr || !mtls->is_object()) {
    return warnings;  // no mutual TLS on the domain: nothing warns (the smoke test catches it)
  }
  const auto* list = mtls->as_object().if_contains("truststoreWarnings");
  if (list == nullptr || list->is_null()) {
    return warnings;
  }
  if (!list->is_array()) {
    throw AwsError("InvalidResponse", "GetDomainName: truststoreWarnings is not a list", 0, false);
  }
  for (const auto& w : list->as_array()) {
    warnings.emplace_back(w.is_string() ? std::string(w.as_string()) : boost::json::serialize(w));
  }
  return warnings;
}

}  // namespace agm::aws
