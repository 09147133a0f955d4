#include "oauth/token_cache.hpp"

#include <algorithm>
#include <utility>

#include "core/crypto.hpp"
#include "core/json.hpp"

namespace agm::oauth {

namespace json = core::json;

namespace {

constexpr std::size_t kMacKeyBytes = 32;  // the HMAC-SHA256 block's worth is more than enough

// Each part length-prefixed, so that no two different keys write the same string (a client id
// may hold any byte once percent-decoded). The scopes as a set: sorted, without repeats.
std::string encode_key(const TokenCacheKey& key) {
  std::vector<std::string> scopes = key.scopes;
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  std::string out;
  const auto part = [&out](std::string_view s) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
  };
  part(key.client_id);
  part(key.thumbprint);
  for (const auto& scope : scopes)
    part(scope);
  return out;
}

}  // namespace

std::string CachedToken::body() const {
  json::object o;
  o["access_token"] = access_token;
  o["expires_in"] = expires_in;
  o["token_type"] = token_type;
  return json::serialize(o);
}

TokenCache::TokenCache(std::size_t max_entries)
    : max_entries_(std::max<std::size_t>(max_entries, 1)),
      mac_key_(core::random_bytes(kMacKeyBytes)) {}

std::chrono::seconds TokenCache::margin(std::chrono::seconds lifetime) {
  return std::max(kMinMargin, lifetime / 10);
}

std::string TokenCache::mac(std::string_view credentials) const {
  return core::hmac_sha256(mac_key_, credentials);
}

void TokenCache::erase(Lru::iterator it) {
  by_key_.erase(it->key);
  lru_.erase(it);
}

std::optional<CachedToken> TokenCache::find(const TokenCacheKey& key, std::string_view credentials,
                                            core::TimePoint now) {
  const auto found = by_key_.find(encode_key(key));
  if (found == by_key_.end())
    return std::nullopt;
  const Lru::iterator it = found->second;
  if (now >= it->fresh_until) {
    erase(it);
    return std::nullopt;
  }
  // Constant time (CRYPTO_memcmp): how much of a guess matched shows in no timing.
  if (!core::constant_time_equal(it->credentials_mac, mac(credentials)))
    return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it);
  return CachedToken{it->access_token, it->token_type, (it->expires_at - now).count()};
}

bool TokenCache::store(const TokenCacheKey& key, std::string_view credentials,
                       std::string_view body, core::TimePoint requested_at) {
  const auto answer = core::parse_json(body);
  if (!answer)
    return false;
  const auto access_token = core::get_string(*answer, "access_token");
  const auto token_type = core::get_string(*answer, "token_type");
  const auto expires_in = core::get_int(*answer, "expires_in");
  // Cognito's lifetimes are 5 minutes to 1 day; ten years bounds the arithmetic far from overflow.
  constexpr std::int64_t kMaxLifetime = std::int64_t{10} * 365 * 24 * 3600;
  if (!access_token || access_token->empty() || !token_type || !expires_in || *expires_in <= 0 ||
      *expires_in > kMaxLifetime)
    return false;
  const std::chrono::seconds lifetime{*expires_in};
  if (lifetime <= margin(lifetime))
    return false;  // would never be handed out
  std::string encoded = encode_key(key);
  if (const auto old = by_key_.find(encoded); old != by_key_.end())
    erase(old->second);
  while (lru_.size() >= max_entries_)
    erase(std::prev(lru_.end()));
  lru_.push_front(Entry{std::move(encoded), mac(credentials), std::string(*access_token),
                        std::string(*token_type), requested_at + lifetime,
                        requested_at + lifetime - margin(lifetime)});
  by_key_.emplace(lru_.front().key, lru_.begin());
  return true;
}

}  // namespace agm::oauth
