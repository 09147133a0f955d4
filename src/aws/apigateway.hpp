#pragma once
// API Gateway's v2 REST API, the one call the watcher makes: GetDomainName
// (GET /v2/domainnames/{domainName}), for the custom domain's mutual TLS truststore warnings.
// JSON with lower-camel members; errors are {"message": ...} with x-amzn-ErrorType.
#include <string>
#include <vector>

#include "aws/client.hpp"
#include "aws/rest_client.hpp"

namespace agm::aws {

class ApiGatewayV2 {
 public:
  explicit ApiGatewayV2(ClientConfig config);
  // mutualTlsAuthentication.truststoreWarnings of `domain_name` (empty: none). Throws AwsError
  // (NotFoundException...) or TransportError, and AwsError("InvalidResponse") for an answer that
  // is not a domain name's JSON.
  std::vector<std::string> truststore_warnings(const std::string& domain_name, Deadline deadline);

 private:
  RestClient rest_;
};

}  // namespace agm::aws
