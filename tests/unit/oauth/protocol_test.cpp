// RFC 6749 pieces: the Authorization scheme and scope lists.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "oauth/protocol.hpp"

namespace agm::oauth {
namespace {

TEST(Protocol, AuthSchemeIsCaseInsensitiveAndNeedsASpaceAndAValue) {
  EXPECT_EQ(strip_auth_scheme("Bearer abc", "Bearer").value(), "abc");
  EXPECT_EQ(strip_auth_scheme("bearer abc", "Bearer").value(), "abc");
  EXPECT_EQ(strip_auth_scheme("BEARER  abc ", "Bearer").value(), "abc");
  EXPECT_FALSE(strip_auth_scheme("Bearerabc", "Bearer"));
  EXPECT_FALSE(strip_auth_scheme("Bearer ", "Bearer"));
  EXPECT_FALSE(strip_auth_scheme("Basic abc", "Bearer"));
  EXPECT_FALSE(strip_auth_scheme("abc", "Bearer"));
}

TEST(Protocol, ScopesSplitAndJoin) {
  EXPECT_EQ(split_scopes("  a  b c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_scopes("").empty());
  EXPECT_EQ(join_scopes({"a", "b"}), "a b");
}

TEST(Protocol, ErrorBodyOmitsAnEmptyDescription) {
  EXPECT_EQ(error_body("invalid_request", "malformed request"),
            R"({"error":"invalid_request","error_description":"malformed request"})");
  EXPECT_EQ(error_body("temporarily_unavailable"), R"({"error":"temporarily_unavailable"})");
}

}  // namespace
}  // namespace agm::oauth
