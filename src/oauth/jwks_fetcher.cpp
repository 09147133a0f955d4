#include "oauth/jwks_fetcher.hpp"

#include <utility>

#include "metrics/recorder.hpp"

namespace agm::oauth {

HttpJwksFetcher::HttpJwksFetcher(std::string url, net::HttpOptions opts)
    : url_(std::move(url)), http_(std::move(opts)) {}

std::string HttpJwksFetcher::fetch() {
  const std::lock_guard lock(mutex_);
  const metrics::DependencyCall timed(metrics::Dependency::kJwks);
  net::HttpRequest request;
  request.method = "GET";
  request.url = url_;
  request.headers.push_back({"Accept", "application/json"});
  net::HttpResponse response = http_.send(request);
  if (response.status != 200) {
    throw JwksError(TokenError::kJwksUnavailable,
                    "JWKS endpoint " + url_ + " answered HTTP " + std::to_string(response.status));
  }
  return std::move(response.body);
}

}  // namespace agm::oauth
