#include "oauth/token_client.hpp"

#include <utility>

#include "metrics/recorder.hpp"

namespace agm::oauth {

TokenEndpointClient::TokenEndpointClient(std::string token_url, net::HttpOptions options)
    : token_url_(std::move(token_url)), http_(std::move(options)) {}

TokenEndpointResponse TokenEndpointClient::request(const std::string& authorization,
                                                   const std::string& form_body) {
  net::HttpRequest req;
  req.method = "POST";
  req.url = token_url_;
  req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  req.headers.push_back({"Accept", "application/json"});
  req.headers.push_back({"Authorization", authorization});
  req.body = form_body;
  metrics::DependencyCall timed(metrics::Dependency::kCognito);
  net::HttpResponse res = http_.send(req);
  if (res.status >= 500)
    timed.failed();
  TokenEndpointResponse out;
  out.status = res.status;
  out.content_type = res.header("content-type").value_or("");
  out.body = std::move(res.body);
  return out;
}

}  // namespace agm::oauth
