// The credential chain (aws/credential_chain.hpp), each source against what it talks to: the
// shared files in a temporary directory, a credential_process script, and loopback servers
// speaking STS (AssumeRole with its SigV4 signature re-verified, AssumeRoleWithWebIdentity), the
// container endpoint and IMDSv2 (which refuses a request without its session token).
#include "aws/credential_chain.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

#include "support/loopback_server.hpp"
#include "support/process.hpp"
#include "support/sigv4_verify.hpp"

namespace agm::aws {
namespace {

namespace fs = std::filesystem;
using test::HttpRequest;
using test::HttpResponse;
using test::LoopbackServer;

class CredentialChain : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("chain-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    // Nothing of the machine's own: no HOME (no ~/.aws), IMDS at a closed port.
    env_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] =
        "http://127.0.0.1:" + std::to_string(test::free_port());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << content;
    return path;
  }
  ResolvedCredentials resolve() {
    ChainOptions o;
    o.region = "eu-west-1";
    o.env = [this](const std::string& name) -> std::optional<std::string> {
      const auto it = env_.find(name);
      return it == env_.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    return resolve_credentials(o);
  }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

std::string sts_answer(const std::string& action, const std::string& id) {
  return "<" + action + "Response><" + action + "Result><Credentials><AccessKeyId>" + id +
         "</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey><SessionToken>"
         "assumed-token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>"
         "</Credentials></" +
         action + "Result></" + action + "Response>";
}

HttpResponse answer(int status, const std::string& body) {
  HttpResponse r;
  r.status = status;
  r.body = body;
  return r;
}

TEST_F(CredentialChain, TheEnvironmentComesFirst) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  env_["AWS_PROFILE"] = "does-not-exist";
  const auto r = resolve();
  EXPECT_EQ(r.source, "environment");
  EXPECT_EQ(r.credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(r.credentials.session_token, "");
}

TEST_F(CredentialChain, ProfilesOfTheSharedFiles) {
  env_["AWS_SHARED_CREDENTIALS_FILE"] = file("credentials",
                                             "[default]\naws_access_key_id = AKIDDEFAULT\n"
                                             "aws_secret_access_key = default-secret\n"
                                             "# a comment\n[dev]\naws_access_key_id=AKIDDEV\n"
                                             "aws_secret_access_key=dev-secret\n"
                                             "aws_session_token = dev-token\n");
  env_["AWS_CONFIG_FILE"] = file("config", "[profile dev]\nregion = eu-west-3\n");
  auto r = resolve();
  EXPECT_EQ(r.source, "profile default");
  EXPECT_EQ(r.credentials.access_key_id, "AKIDDEFAULT");
  env_["AWS_PROFILE"] = "dev";
  r = resolve();
  EXPECT_EQ(r.source, "profile dev");
  EXPECT_EQ(r.credentials.secret_access_key, "dev-secret");
  EXPECT_EQ(r.credentials.session_token, "dev-token");
  // A profile named but absent is an error, not a fall-through to another source.
  env_["AWS_PROFILE"] = "prod";
  EXPECT_THROW(resolve(), CredentialsError);
}

TEST_F(CredentialChain, CredentialProcessOutputIsRead) {
  const std::string script =
      file("creds.sh",
           "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
           "\"SecretAccessKey\": \"proc-secret\", \"SessionToken\": "
           "\"proc-token\"}'\n");
  ::chmod(script.c_str(), 0700);
  env_["AWS_CONFIG_FILE"] = file("config", "[profile tool]\ncredential_process = " + script +
                                               " --arg\n[profile broken]\n"
                                               "credential_process = /bin/false\n"
                                               "[profile v2]\ncredential_process = echo "
                                               "'{\"Version\": 2}'\n");
  env_["AWS_PROFILE"] = "tool";
  const auto r = resolve();
  EXPECT_EQ(r.source, "profile tool (credential_process)");
  EXPECT_EQ(r.credentials.access_key_id, "AKIDPROC");
  EXPECT_EQ(r.credentials.session_token, "proc-token");
  env_["AWS_PROFILE"] = "broken";
  EXPECT_THROW(resolve(), CredentialsError);
  env_["AWS_PROFILE"] = "v2";
  EXPECT_THROW(resolve(), CredentialsError);
}

TEST_F(CredentialChain, RoleProfileAssumesTheRoleWithTheSourceProfilesSignature) {
  std::mutex m;
  std::string why = "no request";
  std::string body;
  LoopbackServer sts([&](const HttpRequest& req) {
    const std::lock_guard lock(m);
    why = test::verify_sigv4(req, {{"AKIDBASE", "base-secret", ""}, "eu-west-1", "sts", false, {}});
    body = req.body;
    return answer(200, sts_answer("AssumeRole", "ASIAROLE"));
  });
  env_["AWS_ENDPOINT_URL_STS"] = sts.url();
  env_["AWS_CONFIG_FILE"] =
      file("config",
           "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n"
           "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = base\n"
           "external_id = ext-1\n"
           "[profile loop]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = loop2\n"
           "[profile loop2]\nrole_arn = arn:aws:iam::1:role/y\nsource_profile = loop\n");
  env_["AWS_PROFILE"] = "ops";
  const auto r = resolve();
  EXPECT_EQ(r.source, "profile ops (assume role arn:aws:iam::123456789012:role/ops)");
  EXPECT_EQ(r.credentials.access_key_id, "ASIAROLE");
  EXPECT_EQ(r.credentials.session_token, "assumed-token");
  const std::lock_guard lock(m);
  EXPECT_EQ(why, "");
  EXPECT_NE(body.find("Action=AssumeRole&"), std::string::npos) << body;
  EXPECT_NE(body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fops"), std::string::npos)
      << body;
  EXPECT_NE(body.find("ExternalId=ext-1"), std::string::npos) << body;
  env_["AWS_PROFILE"] = "loop";
  EXPECT_THROW(resolve(), CredentialsError);
}

TEST_F(CredentialChain, WebIdentityTokenIsExchangedUnsigned) {
  std::mutex m;
  std::vector<HttpRequest> seen;
  bool refuse = false;
  LoopbackServer sts([&](const HttpRequest& req) {
    const std::lock_guard lock(m);
    seen.push_back(req);
    if (refuse) {
      return answer(400,
                    "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>expired"
                    "</Message></Error></ErrorResponse>");
    }
    return answer(200, sts_answer("AssumeRoleWithWebIdentity", "ASIAOIDC"));
  });
  env_["AWS_ENDPOINT_URL_STS"] = sts.url();
  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = file("token", "eyJ.oidc.token\n");
  env_["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/github";
  env_["AWS_ROLE_SESSION_NAME"] = "ci-run-7";
  const auto r = resolve();
  EXPECT_EQ(r.source, "web identity arn:aws:iam::123456789012:role/github");
  EXPECT_EQ(r.credentials.access_key_id, "ASIAOIDC");
  {
    const std::lock_guard lock(m);
    ASSERT_EQ(seen.size(), 1U);
    EXPECT_EQ(seen[0].headers.count("authorization"), 0U) << "the token is the proof";
    EXPECT_NE(seen[0].body.find("WebIdentityToken=eyJ.oidc.token"), std::string::npos);
    EXPECT_NE(seen[0].body.find("RoleSessionName=ci-run-7"), std::string::npos);
    refuse = true;
  }
  try {
    (void)resolve();
    ADD_FAILURE() << "STS refused, the chain must not fall through";
  } catch (const CredentialsError& e) {
    EXPECT_NE(std::string(e.what()).find("InvalidIdentityToken"), std::string::npos) << e.what();
  }
  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = (dir_ / "missing").string();
  EXPECT_THROW(resolve(), CredentialsError);
}

TEST_F(CredentialChain, ContainerCredentialsWithTheirAuthorizationToken) {
  LoopbackServer container([&](const HttpRequest& req) {
    const auto auth = req.headers.find("authorization");
    if (req.target != "/creds" || auth == req.headers.end() || auth->second != "secret-auth") {
      return answer(401, "{}");
    }
    return answer(200, R"({"AccessKeyId":"ASIACONT","SecretAccessKey":"c-secret",)"
                       R"("Token":"c-token","Expiration":"2030-01-01T00:00:00Z"})");
  });
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.url() + "/creds";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = file("auth", "secret-auth\n");
  const auto r = resolve();
  EXPECT_EQ(r.source, "container");
  EXPECT_EQ(r.credentials.access_key_id, "ASIACONT");
  EXPECT_EQ(r.credentials.session_token, "c-token");
  env_.erase("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong";
  EXPECT_THROW(resolve(), CredentialsError);
}

TEST_F(CredentialChain, InstanceMetadataIsImdsV2Only) {
  LoopbackServer imds([&](const HttpRequest& req) {
    if (req.method == "PUT" && req.target == "/latest/api/token") {
      return answer(200, "imds-session");
    }
    const auto token = req.headers.find("x-aws-ec2-metadata-token");
    if (token == req.headers.end() || token->second != "imds-session") {
      return answer(401, "");
    }
    if (req.target == "/latest/meta-data/iam/security-credentials/") {
      return answer(200, "instance-role\n");
    }
    if (req.target == "/latest/meta-data/iam/security-credentials/instance-role") {
      return answer(200, R"({"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"i-s",)"
                         R"("Token":"i-token","Expiration":"2030-01-01T00:00:00Z"})");
    }
    return answer(404, "");
  });
  env_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  const auto r = resolve();
  EXPECT_EQ(r.source, "imds role instance-role");
  EXPECT_EQ(r.credentials.access_key_id, "ASIAIMDS");
  EXPECT_EQ(r.credentials.session_token, "i-token");
  env_["AWS_EC2_METADATA_DISABLED"] = "true";
  EXPECT_THROW(resolve(), core::ConfigError);
}

TEST_F(CredentialChain, NothingConfiguredNamesWhatToSet) {
  try {
    (void)resolve();
    ADD_FAILURE() << "no source is configured";
  } catch (const core::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("AWS_ACCESS_KEY_ID"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace agm::aws
