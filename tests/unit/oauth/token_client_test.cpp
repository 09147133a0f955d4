// TokenEndpointClient against a LoopbackServer: the request's shape, statuses passed through,
// one connection reused, unreachable and slow endpoints as TransportError.
#include "oauth/token_client.hpp"

#include <gtest/gtest.h>

#include "support/loopback_server.hpp"
#include "support/process.hpp"

namespace agm::oauth {
namespace {

TEST(TokenEndpointClient, PostsTheFormAndReturnsTheAnswerAsItCame) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest& r) {
    if (r.body.find("scope=bad") != std::string::npos) {
      return agm::test::HttpResponse{400,
                                     {{"content-type", "application/json;charset=UTF-8"}},
                                     R"({"error":"invalid_scope"})"};
    }
    return agm::test::HttpResponse{
        200, {{"content-type", "application/json"}}, R"({"access_token":"x","expires_in":3600})"};
  });
  TokenEndpointClient client(server.url() + "/oauth2/token", net::HttpOptions{});
  const auto ok = client.request("Basic Y2lkOnNlY3JldA==", "grant_type=client_credentials");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, "application/json");
  EXPECT_EQ(ok.body, R"({"access_token":"x","expires_in":3600})");
  const auto bad =
      client.request("Basic Y2lkOnNlY3JldA==", "grant_type=client_credentials&scope=bad");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.content_type, "application/json;charset=UTF-8");
  EXPECT_EQ(bad.body, R"({"error":"invalid_scope"})");

  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2U);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/oauth2/token");
  EXPECT_EQ(reqs[0].headers.at("authorization"), "Basic Y2lkOnNlY3JldA==");
  EXPECT_EQ(reqs[0].headers.at("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(reqs[0].body, "grant_type=client_credentials");
  EXPECT_EQ(server.connections_accepted(), 1U) << "the connection is kept alive";
}

TEST(TokenEndpointClient, UnreachableIsTransportError) {
  const std::uint16_t port = agm::test::free_port();
  TokenEndpointClient client("http://127.0.0.1:" + std::to_string(port) + "/oauth2/token",
                             net::HttpOptions{});
  EXPECT_THROW((void)client.request("Basic eA==", "grant_type=client_credentials"),
               net::TransportError);
}

TEST(TokenEndpointClient, SlowEndpointTimesOut) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest&) {
    return agm::test::HttpResponse{200, {}, "{}", std::chrono::milliseconds(1500), false};
  });
  net::HttpOptions opts;
  opts.timeout = std::chrono::milliseconds(300);
  TokenEndpointClient client(server.url() + "/oauth2/token", opts);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)client.request("Basic eA==", "grant_type=client_credentials"),
               net::TransportError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1400));
}

}  // namespace
}  // namespace agm::oauth
