// Endpoint and region resolution, credentials from the environment, ClientConfig::from_env errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "aws/client.hpp"
#include "aws/credentials.hpp"
#include "aws/endpoint.hpp"

namespace agm::aws {
namespace {

// Sets/unsets variables for one test and restores the previous values afterwards.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, std::optional<std::string>>> vars) {
    for (const auto& [name, value] : vars) {
      const char* old = std::getenv(name);
      saved_[name] = old == nullptr ? std::nullopt : std::optional<std::string>(old);
      if (value) {
        ::setenv(name, value->c_str(), 1);
      } else {
        ::unsetenv(name);
      }
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

constexpr std::nullopt_t kUnset = std::nullopt;

TEST(Endpoint, ServiceSpecificOverrideWinsOverGlobal) {
  ScopedEnv env({{"AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000/"},
                 {"AWS_ENDPOINT_URL", "http://127.0.0.1:9999"}});
  EXPECT_EQ(resolve_endpoint("DYNAMODB", "dynamodb", "eu-west-1"), "http://127.0.0.1:8000");
  // Another service falls back to the global override.
  EXPECT_EQ(resolve_endpoint("SSM", "ssm", "eu-west-1"), "http://127.0.0.1:9999");
}

TEST(Endpoint, GlobalOverrideThenDefault) {
  {
    ScopedEnv env({{"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", kUnset},
                   {"AWS_ENDPOINT_URL", "http://localhost:4566"}});
    EXPECT_EQ(resolve_endpoint("COGNITO_IDENTITY_PROVIDER", "cognito-idp", "eu-west-1"),
              "http://localhost:4566");
  }
  ScopedEnv env({{"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", ""}, {"AWS_ENDPOINT_URL", kUnset}});
  EXPECT_EQ(resolve_endpoint("COGNITO_IDENTITY_PROVIDER", "cognito-idp", "eu-west-1"),
            "https://cognito-idp.eu-west-1.amazonaws.com");
}

TEST(Endpoint, RegionPrefersAwsRegion) {
  {
    ScopedEnv env({{"AWS_REGION", "eu-central-1"}, {"AWS_DEFAULT_REGION", "us-east-1"}});
    EXPECT_EQ(region_from_env(), "eu-central-1");
  }
  {
    ScopedEnv env({{"AWS_REGION", kUnset}, {"AWS_DEFAULT_REGION", "us-east-1"}});
    EXPECT_EQ(region_from_env(), "us-east-1");
  }
  ScopedEnv env({{"AWS_REGION", kUnset}, {"AWS_DEFAULT_REGION", kUnset}});
  EXPECT_EQ(region_from_env(), "");
}

TEST(Credentials, FromEnvWithAndWithoutSessionToken) {
  {
    ScopedEnv env({{"AWS_ACCESS_KEY_ID", "AKID"},
                   {"AWS_SECRET_ACCESS_KEY", "secret"},
                   {"AWS_SESSION_TOKEN", "token"}});
    auto c = Credentials::from_env();
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->access_key_id, "AKID");
    EXPECT_EQ(c->secret_access_key, "secret");
    EXPECT_EQ(c->session_token, "token");
  }
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", "AKID"},
                 {"AWS_SECRET_ACCESS_KEY", "secret"},
                 {"AWS_SESSION_TOKEN", kUnset}});
  auto c = Credentials::from_env();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->session_token, "");
}

TEST(Credentials, MissingOrEmptyIsNullopt) {
  {
    ScopedEnv env({{"AWS_ACCESS_KEY_ID", kUnset}, {"AWS_SECRET_ACCESS_KEY", "secret"}});
    EXPECT_FALSE(Credentials::from_env().has_value());
  }
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", ""}});
  EXPECT_FALSE(Credentials::from_env().has_value());
}

TEST(ClientConfig, FromEnvNamesTheMissingVariable) {
  {
    ScopedEnv env({{"AWS_REGION", kUnset},
                   {"AWS_DEFAULT_REGION", kUnset},
                   {"AWS_ACCESS_KEY_ID", "AKID"},
                   {"AWS_SECRET_ACCESS_KEY", "secret"}});
    try {
      (void)ClientConfig::from_env("DYNAMODB", "dynamodb");
      FAIL() << "expected ConfigError";
    } catch (const core::ConfigError& e) {
      EXPECT_EQ(e.variable(), "AWS_REGION");
    }
  }
  {
    ScopedEnv env({{"AWS_REGION", "eu-west-1"},
                   {"AWS_ACCESS_KEY_ID", "AKID"},
                   {"AWS_SECRET_ACCESS_KEY", kUnset}});
    try {
      (void)ClientConfig::from_env("DYNAMODB", "dynamodb");
      FAIL() << "expected ConfigError";
    } catch (const core::ConfigError& e) {
      EXPECT_EQ(e.variable(), "AWS_SECRET_ACCESS_KEY");
    }
  }
  ScopedEnv env({{"AWS_REGION", "eu-west-1"},
                 {"AWS_ACCESS_KEY_ID", "AKID"},
                 {"AWS_SECRET_ACCESS_KEY", "secret"},
                 {"AWS_SESSION_TOKEN", kUnset},
                 {"AWS_CA_BUNDLE", kUnset},
                 {"AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"}});
  const ClientConfig c = ClientConfig::from_env("DYNAMODB", "dynamodb");
  EXPECT_EQ(c.http.ca_file, "");
  EXPECT_EQ(c.region, "eu-west-1");
  EXPECT_EQ(c.endpoint, "http://127.0.0.1:8000");
  EXPECT_EQ(c.credentials.access_key_id, "AKID");
}

TEST(ClientConfig, CaBundleFromEnv) {
  ScopedEnv env({{"AWS_REGION", "eu-west-1"},
                 {"AWS_ACCESS_KEY_ID", "AKID"},
                 {"AWS_SECRET_ACCESS_KEY", "secret"},
                 {"AWS_CA_BUNDLE", "/etc/ssl/custom.pem"}});
  EXPECT_EQ(ClientConfig::from_env("SSM", "ssm").http.ca_file, "/etc/ssl/custom.pem");
}

}  // namespace
}  // namespace agm::aws
