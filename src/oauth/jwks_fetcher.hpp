#pragma once
// The JWKS over HTTPS (aws-jwt-verify's https.ts, apart from the cache and the verifier, so that
// what a handler includes never pulls in the HTTP client).
#include <mutex>
#include <string>

#include "net/http.hpp"
#include "oauth/jwks.hpp"

namespace agm::oauth {

// GET `url` over http(s) with TLS verification on (HttpOptions::verify_tls as given); a status
// other than 200 throws JwksError(kJwksUnavailable); transport failures throw
// net::TransportError.
class HttpJwksFetcher final : public JwksFetcher {
 public:
  explicit HttpJwksFetcher(std::string url, net::HttpOptions opts = {});
  std::string fetch() override;

 private:
  std::string url_;
  std::mutex mutex_;  // net::HttpClient is one-thread-at-a-time
  net::HttpClient http_;
};

}  // namespace agm::oauth
