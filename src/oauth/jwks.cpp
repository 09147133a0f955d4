#include "oauth/jwks.hpp"

namespace agm::oauth {

HttpJwksFetcher::HttpJwksFetcher(std::string url, aws::HttpOptions opts)
    : url_(std::move(url)), http_(std::move(opts)) {}
std::string HttpJwksFetcher::fetch() {
  throw JwksError("jwks_unavailable", "not implemented yet");
}
PublicKey rsa_public_key_from_jwk(std::string_view /*n*/, std::string_view /*e*/) {
  throw JwksError("jwks_invalid", "not implemented yet");
}
JwksCache::JwksCache(JwksFetcher& fetcher, const core::Clock& clock,
                     std::chrono::seconds refetch_wait)
    : fetcher_(fetcher), clock_(clock), refetch_wait_(refetch_wait) {}
PublicKey JwksCache::key_for(const std::string& /*kid*/) {
  throw JwksError("jwks_unavailable", "not implemented yet");
}
void JwksCache::set_jwks(std::string_view /*json*/) {}
void JwksCache::fetch_locked() {}
void JwksCache::store_locked(std::string_view /*json*/) {}

}  // namespace agm::oauth
