// The token cache alone: what an entry is found by, the keyed hash of the credentials, the margin
// and expires_in, LRU eviction, what is never kept.
#include "oauth/token_cache.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/json.hpp"

namespace agm::oauth {
namespace {

using std::chrono::seconds;

constexpr const char* kCredentials = "Basic Y2xpZW50LWE6czNjcjN0";  // client-a:s3cr3t
constexpr const char* kOther = "Basic Y2xpZW50LWE6d3Jvbmc=";        // client-a:wrong

std::string answer(const std::string& token, std::int64_t expires_in) {
  return R"({"access_token":")" + token + R"(","expires_in":)" + std::to_string(expires_in) +
         R"(,"token_type":"Bearer"})";
}

constexpr core::TimePoint kT0{seconds(1'800'000'000)};
const std::vector<std::string>& scopes() {
  static const std::vector<std::string> s{"mtls-api/health.read", "mtls-api/admin"};
  return s;
}

TEST(TokenCache, MarginIsTheLaterOf60SecondsAndATenthOfTheLifetime) {
  EXPECT_EQ(TokenCache::margin(seconds(300)), seconds(60));
  EXPECT_EQ(TokenCache::margin(seconds(600)), seconds(60));
  EXPECT_EQ(TokenCache::margin(seconds(3600)), seconds(360));
  EXPECT_EQ(TokenCache::margin(seconds(86400)), seconds(8640));
}

TEST(TokenCache, SameClientCertificateAndScopeSetGetTheTokenWithWhatIsLeft) {
  TokenCache cache;
  const TokenCacheKey key{"client-a", "ab12", scopes()};
  ASSERT_TRUE(cache.store(key, kCredentials, answer("tok-1", 3600), kT0));
  const auto hit = cache.find(key, kCredentials, kT0 + seconds(1000));
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->access_token, "tok-1");
  EXPECT_EQ(hit->token_type, "Bearer");
  EXPECT_EQ(hit->expires_in, 2600);
  const auto body = core::parse_json(hit->body()).value();
  EXPECT_EQ(core::get_string(body, "access_token").value_or(""), "tok-1");
  EXPECT_EQ(core::get_int(body, "expires_in").value_or(0), 2600);
  EXPECT_EQ(core::get_string(body, "token_type").value_or(""), "Bearer");
  // The scopes are a set: another order or a repeat is the same request.
  const std::vector<std::string> reordered{"mtls-api/admin", "mtls-api/health.read",
                                           "mtls-api/admin"};
  EXPECT_TRUE(cache.find({"client-a", "ab12", reordered}, kCredentials, kT0 + seconds(1)));
}

TEST(TokenCache, AWrongSecretNeverGetsTheToken) {
  TokenCache cache;
  const TokenCacheKey key{"client-a", "ab12", scopes()};
  ASSERT_TRUE(cache.store(key, kCredentials, answer("tok-1", 3600), kT0));
  EXPECT_FALSE(cache.find(key, kOther, kT0 + seconds(1)));
  EXPECT_FALSE(cache.find(key, "", kT0 + seconds(1)));
  EXPECT_FALSE(cache.find(key, std::string(kCredentials) + " ", kT0 + seconds(1)));
  // The entry is still there for the right secret.
  EXPECT_TRUE(cache.find(key, kCredentials, kT0 + seconds(1)));
}

TEST(TokenCache, AnotherClientCertificateOrScopeSetIsAnotherEntry) {
  TokenCache cache;
  ASSERT_TRUE(cache.store({"client-a", "ab12", scopes()}, kCredentials, answer("t", 3600), kT0));
  const std::vector<std::string> fewer{"mtls-api/health.read"};
  const std::vector<std::string> none;
  const auto t = kT0 + seconds(1);
  EXPECT_FALSE(cache.find({"client-a", "ab12", fewer}, kCredentials, t));
  EXPECT_FALSE(cache.find({"client-a", "ab12", none}, kCredentials, t));
  EXPECT_FALSE(cache.find({"client-a", "cd34", scopes()}, kCredentials, t));
  EXPECT_FALSE(cache.find({"client-b", "ab12", scopes()}, kCredentials, t));
  // Length-prefixed parts: moving a byte from one part to the next is another key.
  ASSERT_TRUE(cache.store({"ab", "c", none}, kCredentials, answer("t", 3600), kT0));
  EXPECT_FALSE(cache.find({"a", "bc", none}, kCredentials, t));
}

TEST(TokenCache, NotHandedOutOnceWithinTheMargin) {
  TokenCache cache;
  const TokenCacheKey key{"client-a", "ab12", scopes()};
  ASSERT_TRUE(cache.store(key, kCredentials, answer("tok-1", 3600), kT0));
  // 3600 s lifetime: margin 360 s, handed out while more than 360 s are left.
  EXPECT_TRUE(cache.find(key, kCredentials, kT0 + seconds(3239)));
  EXPECT_EQ(cache.find(key, kCredentials, kT0 + seconds(3239))->expires_in, 361);
  EXPECT_FALSE(cache.find(key, kCredentials, kT0 + seconds(3240)));
  EXPECT_EQ(cache.size(), 0U) << "an entry past its margin is dropped";

  // A short lifetime: the 60 s floor.
  ASSERT_TRUE(cache.store(key, kCredentials, answer("tok-2", 300), kT0));
  EXPECT_TRUE(cache.find(key, kCredentials, kT0 + seconds(239)));
  EXPECT_FALSE(cache.find(key, kCredentials, kT0 + seconds(240)));
}

TEST(TokenCache, AnswersThatCannotBeHandedOutAreNotKept) {
  TokenCache cache;
  const TokenCacheKey key{"client-a", "ab12", scopes()};
  for (const std::string& body :
       {std::string("not json"), std::string(R"({"expires_in":3600,"token_type":"Bearer"})"),
        std::string(R"({"access_token":"","expires_in":3600,"token_type":"Bearer"})"),
        std::string(R"({"access_token":"t","expires_in":3600})"),
        std::string(R"({"access_token":"t","token_type":"Bearer"})"),
        std::string(R"({"access_token":"t","expires_in":"3600","token_type":"Bearer"})"),
        std::string(R"({"access_token":"t","expires_in":3600.5,"token_type":"Bearer"})"),
        answer("t", 0), answer("t", -5), answer("t", 60), answer("t", 9'000'000'000'000)}) {
    EXPECT_FALSE(cache.store(key, kCredentials, body, kT0)) << body;
  }
  EXPECT_EQ(cache.size(), 0U);
}

TEST(TokenCache, AStoreReplacesTheEntryOfTheSameKey) {
  TokenCache cache;
  const TokenCacheKey key{"client-a", "ab12", scopes()};
  ASSERT_TRUE(cache.store(key, kOther, answer("tok-1", 3600), kT0));
  ASSERT_TRUE(cache.store(key, kCredentials, answer("tok-2", 3600), kT0 + seconds(10)));
  EXPECT_EQ(cache.size(), 1U);
  EXPECT_FALSE(cache.find(key, kOther, kT0 + seconds(11)));
  EXPECT_EQ(cache.find(key, kCredentials, kT0 + seconds(11))->access_token, "tok-2");
}

TEST(TokenCache, TheLeastRecentlyUsedEntryGoesFirst) {
  TokenCache cache(3);
  const std::vector<std::string> none;
  const auto key = [&none](const char* id) { return TokenCacheKey{id, "ab12", none}; };
  for (const char* id : {"a", "b", "c"})
    ASSERT_TRUE(cache.store(key(id), kCredentials, answer(id, 3600), kT0));
  ASSERT_TRUE(cache.find(key("a"), kCredentials, kT0));  // b is now the least recently used
  ASSERT_TRUE(cache.store(key("d"), kCredentials, answer("d", 3600), kT0));
  EXPECT_EQ(cache.size(), 3U);
  EXPECT_FALSE(cache.find(key("b"), kCredentials, kT0));
  for (const char* id : {"a", "c", "d"})
    EXPECT_TRUE(cache.find(key(id), kCredentials, kT0)) << id;
}

TEST(TokenCache, EachInstanceHasItsOwnKey) {
  // Nothing to compare across instances directly; what matters is that neither leaks the other's
  // entries and both work.
  TokenCache one;
  TokenCache two;
  const TokenCacheKey key{"client-a", "ab12", scopes()};
  ASSERT_TRUE(one.store(key, kCredentials, answer("tok-1", 3600), kT0));
  EXPECT_FALSE(two.find(key, kCredentials, kT0));
}

}  // namespace
}  // namespace agm::oauth
