#pragma once
// Access tokens this instance obtained from the token endpoint, handed out again while they are
// valid (docs/contract.md section 5, TOKEN_CACHE; docs/security.md). Cognito bills every
// machine-to-machine token request, and AWS's guidance is to reuse a token until it expires;
// many clients ask for one per request anyway.
//
// An entry is found by what the token was obtained for: the client id, the certificate
// thumbprint and the requested scope SET (order and repeats do not matter). It is handed out only
//   - to the same client credentials: the entry keeps HMAC-SHA256(instance key, credentials),
//     never the credentials, with a key drawn from OpenSSL's CSPRNG per instance, and compares
//     it in constant time (CRYPTO_memcmp), so a wrong secret never gets the token;
//   - while the token has more than its margin left: the later of 60 s and 10% of its lifetime,
//     so a client never gets a token that expires in its hands. `expires_in` is what is left.
// Checking the certificate against the registry is NOT this class's business: the token function
// does that on every request, before it looks here, so a revocation takes effect at once.
// Bounded: at most `max_entries`, the least recently used goes first. Not thread-safe (one per
// function instance, which handles one request at a time).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/time.hpp"

namespace agm::oauth {

// What a token was obtained for.
struct TokenCacheKey {
  std::string_view client_id;
  std::string_view thumbprint;
  const std::vector<std::string>& scopes;
};

// A token handed out again.
struct CachedToken {
  std::string access_token;
  std::string token_type;
  std::int64_t expires_in = 0;  // whole seconds left at the time of the lookup
  // The answer as a token endpoint would give it: {"access_token","expires_in","token_type"}.
  [[nodiscard]] std::string body() const;
};

class TokenCache {
 public:
  static constexpr std::size_t kDefaultMaxEntries = 1024;
  static constexpr std::chrono::seconds kMinMargin{60};

  explicit TokenCache(std::size_t max_entries = kDefaultMaxEntries);

  // The token obtained for `key` with these `credentials` (the client's Authorization header
  // value), when it has more than its margin left at `now`; nullopt otherwise. An entry past its
  // margin is dropped.
  std::optional<CachedToken> find(const TokenCacheKey& key, std::string_view credentials,
                                  core::TimePoint now);

  // Keeps the successful (HTTP 200) answer `body` of the token endpoint to a request sent at
  // `requested_at` (the lifetime counts from then: the conservative end). An answer without a
  // string access_token and token_type and a positive integer expires_in is not kept; neither is
  // one whose lifetime is not longer than its margin. Replaces an entry for the same key. Returns
  // whether it was kept.
  bool store(const TokenCacheKey& key, std::string_view credentials, std::string_view body,
             core::TimePoint requested_at);

  [[nodiscard]] std::size_t size() const { return by_key_.size(); }

  // The later of 60 s and a tenth of `lifetime`.
  static std::chrono::seconds margin(std::chrono::seconds lifetime);

 private:
  struct Entry {
    std::string key;
    std::string credentials_mac;  // HMAC-SHA256(mac_key_, credentials)
    std::string access_token;
    std::string token_type;
    core::TimePoint expires_at;
    core::TimePoint fresh_until;  // expires_at - margin
  };
  using Lru = std::list<Entry>;  // most recently used first

  [[nodiscard]] std::string mac(std::string_view credentials) const;
  void erase(Lru::iterator it);

  std::size_t max_entries_;
  std::string mac_key_;  // 32 bytes from the OpenSSL CSPRNG, this instance only
  Lru lru_;
  std::unordered_map<std::string, Lru::iterator> by_key_;
};

}  // namespace agm::oauth
