// net::parse_url: what the signer signs (Host) and what the HTTP client connects to.
#include <gtest/gtest.h>

#include "net/url.hpp"

namespace agm::net {
namespace {

TEST(ParseUrl, HostPortPathQuery) {
  auto u = parse_url("http://127.0.0.1:8000/a/b?x=1#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "127.0.0.1:8000");
  EXPECT_EQ(u->path, "/a/b");
  EXPECT_EQ(u->query, "x=1");
  u = parse_url("https://Dynamodb.eu-west-1.amazonaws.com:443");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(u->path, "/");
  EXPECT_FALSE(parse_url("no-scheme").has_value());
  EXPECT_FALSE(parse_url("http:///path").has_value());
}

// What the HTTP client connects to: name and port apart, IPv6 brackets off, defaults filled in.
TEST(ParseUrl, HostnamePortAndUserinfo) {
  auto u = parse_url("http://127.0.0.1:8000/a");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->hostname, "127.0.0.1");
  EXPECT_EQ(u->port, "8000");
  EXPECT_FALSE(u->has_userinfo);
  u = parse_url("https://[::1]:8443/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "[::1]:8443");
  EXPECT_EQ(u->hostname, "::1");
  EXPECT_EQ(u->port, "8443");
  u = parse_url("https://example.com:443/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->hostname, "example.com");
  EXPECT_EQ(u->port, "443");
  u = parse_url("http://example.com:/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, "80");
  u = parse_url("http://user:secret@example.com/");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->has_userinfo);
  EXPECT_EQ(u->host, "example.com");
  u = parse_url("http://[::1]x/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->hostname, "");
}

}  // namespace
}  // namespace agm::net
