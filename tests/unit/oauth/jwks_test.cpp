// JwksCache against a counting LoopbackServer (through the real HttpJwksFetcher) and a ManualClock:
// fetched once, unknown kid refetched at most once per wait period, rotation picked up, outages and
// bad sets reported by name.
#include "oauth/jwks.hpp"
#include "oauth/jwks_fetcher.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "support/jwt_signer.hpp"
#include "support/loopback_server.hpp"
#include "support/process.hpp"
#include "support/test_pki.hpp"

namespace agm::oauth {
namespace {

using agm::test::TestRsaKey;
using std::chrono::seconds;
namespace json = boost::json;

const TestRsaKey& key(int i) {
  static const TestRsaKey k1("k1");
  static const TestRsaKey k2("k2");
  static const TestRsaKey k3("k3");
  return i == 1 ? k1 : (i == 2 ? k2 : k3);
}

std::string code_of(JwksCache& cache, const std::string& kid) {
  try {
    return cache.key_for(kid) ? "ok" : "null";
  } catch (const JwksError& e) {
    return e.code();
  }
}

// Serves whatever body/status the test sets, counting requests.
class JwksServer {
 public:
  JwksServer()
      : server_([this](const agm::test::HttpRequest&) {
          const std::lock_guard lock(mutex_);
          return agm::test::HttpResponse{status_, {{"content-type", "application/json"}}, body_};
        }) {}
  void set(std::string body, int status = 200) {
    const std::lock_guard lock(mutex_);
    body_ = std::move(body);
    status_ = status;
  }
  std::size_t count() const { return server_.requests().size(); }
  std::string url() const { return server_.url() + "/.well-known/jwks.json"; }

 private:
  std::mutex mutex_;
  std::string body_;
  int status_ = 200;
  agm::test::LoopbackServer server_;
};

class JwksCacheTest : public ::testing::Test {
 protected:
  JwksCacheTest() : fetcher_(server_.url()), clock_(core::from_epoch_seconds(1780000000)) {
    server_.set(agm::test::jwks_of({&key(1)}));
  }
  JwksServer server_;
  HttpJwksFetcher fetcher_;
  core::ManualClock clock_;
};

TEST_F(JwksCacheTest, FetchedOnceAndCached) {
  JwksCache cache(fetcher_, clock_, seconds(30));
  const PublicKey a = cache.key_for("k1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(EVP_PKEY_get_bits(a->pkey()), 2048);
  EXPECT_EQ(EVP_PKEY_eq(a->pkey(), key(1).get()), 1);
  for (int i = 0; i < 5; ++i) {
    clock_.advance(seconds(100));
    EXPECT_EQ(cache.key_for("k1").get(), a.get());
  }
  EXPECT_EQ(server_.count(), 1U);
}

// aws-jwt-verify's penalty box: a refetch for an unknown kid that does not find it starts the
// wait; during the wait unknown kids are refused without a fetch.
TEST_F(JwksCacheTest, UnknownKidRefetchesAtMostOncePerWait) {
  JwksCache cache(fetcher_, clock_, seconds(30));
  ASSERT_EQ(code_of(cache, "k1"), "ok");
  EXPECT_EQ(server_.count(), 1U);
  EXPECT_EQ(code_of(cache, "nope"), "kid_not_found");
  EXPECT_EQ(server_.count(), 2U) << "the first unknown kid is looked up at once";
  for (int i = 0; i < 20; ++i) {
    clock_.advance(seconds(1));
    EXPECT_EQ(code_of(cache, "nope-" + std::to_string(i)), "kid_not_found");
  }
  // 20 s later: still inside the wait that started with fetch 2.
  EXPECT_EQ(server_.count(), 2U);
  clock_.advance(seconds(9));
  EXPECT_EQ(code_of(cache, "nope"), "kid_not_found");
  EXPECT_EQ(server_.count(), 2U) << "29 s after the refetch";
  clock_.advance(seconds(1));
  EXPECT_EQ(code_of(cache, "nope"), "kid_not_found");
  EXPECT_EQ(server_.count(), 3U) << "30 s after the refetch";
  // Known kids never trigger a fetch.
  EXPECT_EQ(code_of(cache, "k1"), "ok");
  EXPECT_EQ(server_.count(), 3U);
}

// A key that appears right after a fetch (a cold start's, or any other) is accepted at once: a
// Cognito key rotation never locks clients out for the wait period. The refetch that found its
// kid leaves no wait behind, and a flood of made-up kids afterwards still costs one fetch.
TEST_F(JwksCacheTest, AKeyAddedRightAfterAFetchWorksAtOnce) {
  JwksCache cache(fetcher_, clock_, seconds(30));
  ASSERT_TRUE(cache.prefetch());  // what a cold start does
  ASSERT_EQ(code_of(cache, "k1"), "ok");
  EXPECT_EQ(server_.count(), 1U);
  server_.set(agm::test::jwks_of({&key(1), &key(2)}));
  clock_.advance(seconds(1));
  const PublicKey k2 = cache.key_for("k2");
  EXPECT_EQ(EVP_PKEY_eq(k2->pkey(), key(2).get()), 1);
  EXPECT_EQ(server_.count(), 2U);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(code_of(cache, "made-up-" + std::to_string(i)), "kid_not_found");
  }
  EXPECT_EQ(server_.count(), 3U) << "one fetch for the whole flood";
  EXPECT_EQ(code_of(cache, "k1"), "ok");
  EXPECT_EQ(code_of(cache, "k2"), "ok");
  EXPECT_EQ(server_.count(), 3U);
}

TEST_F(JwksCacheTest, RotatedKeysArePickedUp) {
  JwksCache cache(fetcher_, clock_, seconds(30));
  ASSERT_EQ(code_of(cache, "k1"), "ok");
  server_.set(agm::test::jwks_of({&key(2), &key(3)}));  // k1 retired, k2 and k3 new
  clock_.advance(seconds(31));
  const PublicKey k2 = cache.key_for("k2");
  EXPECT_EQ(EVP_PKEY_eq(k2->pkey(), key(2).get()), 1);
  EXPECT_EQ(server_.count(), 2U);
  EXPECT_EQ(code_of(cache, "k3"), "ok");
  EXPECT_EQ(server_.count(), 2U);
  // The retired key went with the old set.
  EXPECT_EQ(code_of(cache, "k1"), "kid_not_found");
}

TEST_F(JwksCacheTest, UnreachableWithNothingCached) {
  const std::uint16_t port = agm::test::free_port();
  HttpJwksFetcher dead("http://127.0.0.1:" + std::to_string(port) + "/jwks.json");
  JwksCache cache(dead, clock_, seconds(30));
  EXPECT_EQ(code_of(cache, "k1"), "jwks_unavailable");
  EXPECT_EQ(code_of(cache, "k1"), "jwks_unavailable");
}

TEST_F(JwksCacheTest, NonOkStatusIsUnavailable) {
  server_.set("{\"keys\":[]}", 503);
  JwksCache cache(fetcher_, clock_, seconds(30));
  EXPECT_EQ(code_of(cache, "k1"), "jwks_unavailable");
  // Nothing cached: the next call tries again and succeeds once the endpoint is back.
  server_.set(agm::test::jwks_of({&key(1)}));
  EXPECT_EQ(code_of(cache, "k1"), "ok");
  EXPECT_EQ(server_.count(), 2U);
}

TEST_F(JwksCacheTest, OutageAfterCachingKeepsKnownKeys) {
  JwksCache cache(fetcher_, clock_, seconds(30));
  ASSERT_EQ(code_of(cache, "k1"), "ok");
  server_.set("down", 500);
  clock_.advance(seconds(60));
  EXPECT_EQ(code_of(cache, "k2"), "jwks_unavailable");
  EXPECT_EQ(code_of(cache, "k1"), "ok");
  // The failed refetch counts as an attempt: no stream of fetches during the outage.
  EXPECT_EQ(code_of(cache, "k3"), "kid_not_found");
  EXPECT_EQ(server_.count(), 2U);
}

TEST_F(JwksCacheTest, InvalidDocuments) {
  for (const std::string& body : {std::string("not json"), std::string("[]"), std::string("{}"),
                                  std::string("{\"keys\":5}")}) {
    server_.set(body);
    JwksCache cache(fetcher_, clock_, seconds(30));
    EXPECT_EQ(code_of(cache, "k1"), "jwks_invalid") << body;
  }
}

TEST_F(JwksCacheTest, UnusableKeysAreInvalid) {
  const json::object good = key(1).jwk();
  auto with = [&](const char* name, json::value v) {
    json::object k = good;
    if (v.is_null())
      k.erase(name);
    else
      k[name] = std::move(v);
    return k;
  };
  const TestRsaKey small("small", 1024);
  json::object small_jwk = small.jwk();
  small_jwk["kid"] = "k1";
  for (const json::object& jwk : {
           with("kty", "EC"),
           with("use", "enc"),
           with("alg", "RS512"),
           with("alg", "HS256"),
           with("n", nullptr),
           with("e", nullptr),
           with("n", "!!!"),
           with("e", "AA"),  // even exponent
           with("e", 3),
           small_jwk,
       }) {
    JwksCache cache(fetcher_, clock_, seconds(30));
    cache.set_jwks(json::serialize(json::object{{"keys", json::array{jwk}}}));
    EXPECT_EQ(code_of(cache, "k1"), "jwks_invalid") << json::serialize(jwk);
  }
  // use and alg may be absent.
  JwksCache cache(fetcher_, clock_, seconds(30));
  cache.set_jwks(
      json::serialize(json::object{{"keys", json::array{with("use", nullptr).at("kid"), 1, [&] {
                                                          json::object k = with("use", nullptr);
                                                          k.erase("alg");
                                                          return k;
                                                        }()}}}));
  EXPECT_EQ(code_of(cache, "k1"), "ok");
  EXPECT_EQ(server_.count(), 0U);
}

TEST_F(JwksCacheTest, PreloadedSetNeedsNoFetch) {
  JwksCache cache(fetcher_, clock_, seconds(30));
  cache.set_jwks(agm::test::jwks_of({&key(2)}));
  EXPECT_EQ(code_of(cache, "k2"), "ok");
  EXPECT_EQ(server_.count(), 0U);
  EXPECT_THROW(cache.set_jwks("nope"), JwksError);
  EXPECT_EQ(code_of(cache, "k2"), "ok") << "a bad document does not replace a good set";
  // An unknown kid after a preload may fetch at once (no fetch has happened yet).
  EXPECT_EQ(code_of(cache, "k1"), "ok");
  EXPECT_EQ(server_.count(), 1U);
}

TEST_F(JwksCacheTest, ConcurrentLookupsFetchOnce) {
  JwksCache cache(fetcher_, clock_, seconds(30));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (code_of(cache, i % 5 == 0 ? "unknown" : "k1") == "ok")
          ok.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(ok.load(), 8 * 40);
  EXPECT_EQ(server_.count(), 1U);
}

// HTTPS with TLS verification on: a JWKS server whose certificate we do not trust is refused;
// trusting its certificate (HttpOptions::ca_file) makes the same fetch work.
TEST(HttpJwksFetcherTls, VerifiesTheServerCertificate) {
  char dir_template[] = "/tmp/agm_jwks_tls_XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  agm::test::TestCertSpec spec;
  spec.subject = {{"CN", "localhost"}};
  const std::int64_t now = core::to_epoch_seconds(agm::core::SystemClock().now());
  spec.not_before = now - 3600;
  spec.not_after = now + 86400;
  const agm::test::TestCert server_cert = agm::test::make_test_cert(spec);
  std::ofstream(dir + "/cert.pem") << server_cert.cert_pem;
  std::ofstream(dir + "/key.pem") << server_cert.key_pem;
  const std::string jwks = agm::test::jwks_of({&key(1)});
  std::ofstream(dir + "/jwks.json") << jwks;
  const std::uint16_t port = agm::test::free_port();
  {
    // openssl s_server -WWW serves files from its working directory.
    agm::test::ChildProcess server(
        {"sh", "-c",
         "cd '" + dir + "' && exec openssl s_server -quiet -WWW -accept 127.0.0.1:" +
             std::to_string(port) + " -cert cert.pem -key key.pem"},
        {}, true, dir + "/server.log");
    ASSERT_TRUE(agm::test::wait_for_port(port, std::chrono::seconds(10)));
    const std::string url = "https://localhost:" + std::to_string(port) + "/jwks.json";

    HttpJwksFetcher untrusted(url);
    EXPECT_THROW((void)untrusted.fetch(), net::TransportError);
    core::ManualClock clock(core::from_epoch_seconds(now));
    JwksCache cache(untrusted, clock);
    EXPECT_EQ(code_of(cache, "k1"), "jwks_unavailable");

    net::HttpOptions trusting;
    trusting.ca_file = dir + "/cert.pem";
    HttpJwksFetcher trusted(url, trusting);
    EXPECT_EQ(trusted.fetch(), jwks);

    // The same trusted certificate at an address it does not name (CN=localhost, no IP SAN):
    // chaining to a trusted CA is not enough, the host must match.
    HttpJwksFetcher wrong_host("https://127.0.0.1:" + std::to_string(port) + "/jwks.json",
                               trusting);
    try {
      (void)wrong_host.fetch();
      ADD_FAILURE() << "a certificate for another host was accepted";
    } catch (const net::TransportError& e) {
      EXPECT_EQ(e.code(), "TlsError") << e.what();
    }
  }
  for (const char* f : {"/cert.pem", "/key.pem", "/jwks.json", "/server.log"}) {
    std::remove((dir + f).c_str());
  }
  rmdir(dir.c_str());
}

TEST(JwkRsaKey, BuildsFromNAndE) {
  const TestRsaKey k("x");
  const json::object jwk = k.jwk();
  const PublicKey pk = rsa_public_key_from_jwk(jwk.at("n").as_string(), jwk.at("e").as_string());
  EXPECT_EQ(EVP_PKEY_eq(pk->pkey(), k.get()), 1);
  EXPECT_THROW((void)rsa_public_key_from_jwk("", "AQAB"), JwksError);
  EXPECT_THROW((void)rsa_public_key_from_jwk(jwk.at("n").as_string(), "AQ=="), JwksError);
}

}  // namespace
}  // namespace agm::oauth
