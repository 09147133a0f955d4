// S3 PutObject/GetObject, SSM PutParameter/GetParameter, Cognito IdP, API Gateway v2
// GetDomainName and SNS Publish against LoopbackServers that check the request shape and
// recompute the SigV4 signature over what they received.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "aws/apigateway.hpp"
#include "aws/cognito_idp.hpp"
#include "aws/s3.hpp"
#include "aws/sns.hpp"
#include "aws/ssm.hpp"
#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "support/loopback_server.hpp"
#include "support/sigv4_verify.hpp"

namespace agm::aws {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

Credentials creds() {
  return {"AKIDTEST", "secret/key+test", "session-token-1"};
}

ClientConfig config_for(const agm::test::LoopbackServer& server) {
  ClientConfig c;
  c.region = "eu-west-1";
  c.endpoint = server.url();
  c.credentials = creds();
  c.retry.base_delay = milliseconds(1);
  c.retry.max_delay = milliseconds(5);
  return c;
}

Deadline soon() {
  return Clock::now() + std::chrono::seconds(5);
}

agm::test::HttpResponse answer(int status, const std::string& body) {
  agm::test::HttpResponse r;
  r.status = status;
  r.body = body;
  return r;
}

TEST(S3PutObject, PathStyleSignedRequestWithVersion) {
  const std::string body = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n";
  agm::test::LoopbackServer server([&](const agm::test::HttpRequest& r) {
    test::VerifyOptions opt{
        creds(),
        "eu-west-1",
        "s3",
        true,
        {"host", "x-amz-content-sha256", "x-amz-date", "content-type", "x-amz-security-token"}};
    if (auto why = test::verify_sigv4(r, opt); !why.empty()) {
      return answer(403, why);
    }
    if (r.method != "PUT" || r.target != "/trust-bucket/truststore/bundle%201.pem" ||
        r.body != body || r.headers.at("content-type") != "application/x-pem-file") {
      return answer(400, "unexpected shape: " + r.method + " " + r.target);
    }
    agm::test::HttpResponse ok;
    ok.headers["x-amz-version-id"] = "v-123";
    ok.headers["ETag"] = "\"" + core::hex_encode(core::sha256(body)).substr(0, 32) + "\"";
    return ok;
  });
  S3 s3(config_for(server));
  EXPECT_EQ(s3.put_object("trust-bucket", "truststore/bundle 1.pem", body, "application/x-pem-file",
                          soon()),
            "v-123");
  ASSERT_EQ(server.requests().size(), 1U);
}

TEST(S3PutObject, UnversionedBucketGivesEmptyVersion) {
  agm::test::LoopbackServer server([&](const agm::test::HttpRequest& r) {
    test::VerifyOptions opt{creds(), "eu-west-1", "s3", true, {"host", "x-amz-content-sha256"}};
    if (auto why = test::verify_sigv4(r, opt); !why.empty()) {
      return answer(403, why);
    }
    return agm::test::HttpResponse{};
  });
  S3 s3(config_for(server));
  EXPECT_EQ(s3.put_object("b", "k", "", "text/plain", soon()), "");
}

TEST(S3PutObject, XmlErrorBecomesAwsError) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest&) {
    agm::test::HttpResponse r;
    r.status = 403;
    r.headers["Content-Type"] = "application/xml";
    r.body =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
        "<Message>Access Denied</Message></Error>";
    return r;
  });
  S3 s3(config_for(server));
  try {
    (void)s3.put_object("b", "k", "x", "text/plain", soon());
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "AccessDenied");
    EXPECT_EQ(e.http_status(), 403);
  }
  EXPECT_EQ(server.requests().size(), 1U);  // not retried
}

TEST(S3PutObject, VirtualHostedUrlForAwsEndpoint) {
  ClientConfig c;
  c.region = "eu-west-1";
  c.endpoint = "https://s3.eu-west-1.amazonaws.com";
  c.credentials = creds();
  S3 s3(c);
  EXPECT_EQ(s3.object_url("my-bucket", "a/b c.pem"),
            "https://my-bucket.s3.eu-west-1.amazonaws.com/a/b%20c.pem");
  EXPECT_EQ(s3.object_url("dotted.bucket", "k"),
            "https://s3.eu-west-1.amazonaws.com/dotted.bucket/k");
}

TEST(SsmPutParameter, SignedJsonRequestReturnsVersion) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest& r) {
    test::VerifyOptions opt{
        creds(),
        "eu-west-1",
        "ssm",
        false,
        {"host", "x-amz-date", "x-amz-target", "content-type", "x-amz-security-token"}};
    if (auto why = test::verify_sigv4(r, opt); !why.empty()) {
      return answer(403, why);
    }
    auto body = core::parse_json(r.body);
    if (r.method != "POST" || r.target != "/" ||
        r.headers.at("x-amz-target") != "AmazonSSM.PutParameter" ||
        r.headers.at("content-type") != "application/x-amz-json-1.1" || !body ||
        core::get_string(*body, "Name") != "/agm/dev/client/abc/secret" ||
        core::get_string(*body, "Value") != "s3cr3t" ||
        core::get_string(*body, "Type") != "SecureString" ||
        core::get_bool(*body, "Overwrite") != true ||
        core::get_string(*body, "KeyId") != "alias/agm" || core::find(*body, "Tier") != nullptr) {
      return answer(400, "unexpected shape: " + r.body);
    }
    agm::test::HttpResponse ok;
    ok.body = R"({"Version":3,"Tier":"Standard"})";
    return ok;
  });
  Ssm ssm(config_for(server));
  EXPECT_EQ(ssm.put_secure_string("/agm/dev/client/abc/secret", "s3cr3t", "alias/agm", true, soon())
                .version,
            3);
}

// SSM's tiers: Standard holds 4,096 characters, Advanced 8,192. A value that fits Standard names
// no tier (the account default applies, and an Advanced parameter is never asked to go back).
TEST(SsmTier, AdvancedOnlyAboveTheStandardLimitAndNothingAboveAdvanced) {
  EXPECT_EQ(tier_for(std::string(kStandardTierMaxChars, 'x')), std::nullopt);
  EXPECT_EQ(tier_for(std::string(kStandardTierMaxChars + 1, 'x')), "Advanced");
  EXPECT_EQ(tier_for(std::string(kAdvancedTierMaxChars, 'x')), "Advanced");
  try {
    (void)tier_for(std::string(kAdvancedTierMaxChars + 1, 'x'));
    ADD_FAILURE() << "no error above 8192 characters";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "ssm_value_too_large");
    EXPECT_NE(std::string(e.what()).find("8193"), std::string::npos) << e.what();
  }
}

TEST(SsmGetParameter, ValueAndNotFound) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest& r) {
    test::VerifyOptions opt{creds(), "eu-west-1", "ssm", false, {"host", "x-amz-target"}};
    if (auto why = test::verify_sigv4(r, opt); !why.empty()) {
      return answer(403, why);
    }
    auto body = core::parse_json(r.body);
    agm::test::HttpResponse resp;
    if (body && core::get_string(*body, "Name") == "/present" &&
        core::get_bool(*body, "WithDecryption") == true) {
      resp.body = R"({"Parameter":{"Name":"/present","Value":"v1","Version":1}})";
    } else {
      resp.status = 400;
      resp.body = R"({"__type":"ParameterNotFound","message":""})";
    }
    return resp;
  });
  Ssm ssm(config_for(server));
  EXPECT_EQ(ssm.get_parameter("/present", true, soon()), "v1");
  EXPECT_EQ(ssm.get_parameter("/absent", true, soon()), std::nullopt);
}

TEST(CognitoIdp, SignedCallWithTarget) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest& r) {
    test::VerifyOptions opt{
        creds(), "eu-west-1", "cognito-idp", false, {"host", "x-amz-target", "content-type"}};
    if (auto why = test::verify_sigv4(r, opt); !why.empty()) {
      return answer(403, why);
    }
    if (r.headers.at("x-amz-target") !=
        "AWSCognitoIdentityProviderService.DescribeUserPoolClient") {
      return answer(400, "bad target");
    }
    agm::test::HttpResponse ok;
    ok.body = R"({"UserPoolClient":{"ClientId":"abc"}})";
    return ok;
  });
  CognitoIdp idp(config_for(server));
  const auto answer =
      idp.call("DescribeUserPoolClient",
               boost::json::object{{"UserPoolId", "p"}, {"ClientId", "abc"}}, soon());
  EXPECT_EQ(core::get_string_path(answer, {"UserPoolClient", "ClientId"}), "abc");
}

TEST(SigV4Verifier, RejectsATamperedRequest) {
  // The verifier itself must be able to fail: a body changed after signing does not verify.
  agm::test::LoopbackServer server([](const agm::test::HttpRequest& r) {
    agm::test::HttpRequest tampered = r;
    tampered.body += " ";
    test::VerifyOptions opt{creds(), "eu-west-1", "ssm", false, {"host"}};
    const bool original_ok = test::verify_sigv4(r, opt).empty();
    const bool tampered_ok = test::verify_sigv4(tampered, opt).empty();
    test::VerifyOptions wrong_secret = opt;
    wrong_secret.credentials.secret_access_key = "other";
    const bool wrong_ok = test::verify_sigv4(r, wrong_secret).empty();
    test::VerifyOptions needs_more = opt;
    needs_more.required.emplace_back("x-not-signed");
    const bool needs_more_ok = test::verify_sigv4(r, needs_more).empty();
    agm::test::HttpResponse resp;
    resp.body = boost::json::serialize(boost::json::object{{"original", original_ok},
                                                           {"tampered", tampered_ok},
                                                           {"wrong", wrong_ok},
                                                           {"needs_more", needs_more_ok}});
    return resp;
  });
  Ssm ssm(config_for(server));
  const auto answer = ssm.client().call("GetParameter", boost::json::object{{"Name", "x"}}, soon());
  EXPECT_EQ(core::get_bool(answer, "original"), true);
  EXPECT_EQ(core::get_bool(answer, "tampered"), false);
  EXPECT_EQ(core::get_bool(answer, "wrong"), false);
  EXPECT_EQ(core::get_bool(answer, "needs_more"), false);
}

// The watcher's calls: S3 GetObject (the truststore), API Gateway v2 GetDomainName (its
// warnings), SNS Publish (the notification).

TEST(S3GetObject, SignedGetReturnsTheBytes) {
  const std::string bundle = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n";
  agm::test::LoopbackServer server([&](const agm::test::HttpRequest& r) {
    const test::VerifyOptions opt{creds(), "eu-west-1", "s3", true, {"host", "x-amz-date"}};
    if (auto why = test::verify_sigv4(r, opt); !why.empty()) {
      return answer(403, why);
    }
    if (r.method != "GET" || r.target != "/trust/truststore.pem") {
      return answer(400, r.method + " " + r.target);
    }
    return answer(200, bundle);
  });
  S3 s3(config_for(server));
  EXPECT_EQ(s3.get_object("trust", "truststore.pem", soon()), bundle);
}

TEST(S3GetObject, NoSuchKeyIsItsAwsError) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest&) {
    return answer(404, "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>");
  });
  S3 s3(config_for(server));
  try {
    (void)s3.get_object("trust", "missing.pem", soon());
    FAIL() << "expected AwsError";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "NoSuchKey");
    EXPECT_EQ(e.http_status(), 404);
  }
  EXPECT_EQ(server.requests().size(), 1U) << "a 404 is not retried";
}

TEST(S3Uri, ParsesBucketAndKeyAndRefusesTheRest) {
  const auto at = parse_s3_uri("s3://bucket/path/to/truststore.pem");
  ASSERT_TRUE(at);
  EXPECT_EQ(at->bucket, "bucket");
  EXPECT_EQ(at->key, "path/to/truststore.pem");
  for (const char* bad : {"", "s3://", "s3://bucket", "s3://bucket/", "s3:///key", "https://b/k"}) {
    EXPECT_FALSE(parse_s3_uri(bad)) << bad;
  }
}

TEST(GetDomainName, ReadsTheTruststoreWarnings) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest& r) {
    const test::VerifyOptions opt{
        creds(), "eu-west-1", "apigateway", false, {"host", "x-amz-date"}};
    if (auto why = test::verify_sigv4(r, opt); !why.empty()) {
      return answer(403, why);
    }
    if (r.method != "GET" || r.target != "/v2/domainnames/api.example.com") {
      return answer(400, r.method + " " + r.target);
    }
    return answer(200, R"({"domainName":"api.example.com","mutualTlsAuthentication":{
        "truststoreUri":"s3://b/k","truststoreWarnings":["cert 2 is expired","cert 3 is not a CA"]}})");
  });
  ApiGatewayV2 api(config_for(server));
  const auto warnings = api.truststore_warnings("api.example.com", soon());
  ASSERT_EQ(warnings.size(), 2U);
  EXPECT_EQ(warnings[0], "cert 2 is expired");
  EXPECT_EQ(warnings[1], "cert 3 is not a CA");
}

TEST(GetDomainName, NoWarningsNoMtlsAndErrors) {
  std::string body = R"({"domainName":"d","mutualTlsAuthentication":{"truststoreUri":"s3://b/k"}})";
  int status = 200;
  agm::test::LoopbackServer server([&](const agm::test::HttpRequest&) {
    agm::test::HttpResponse r = answer(status, body);
    if (status == 404) {
      r.headers["x-amzn-ErrorType"] = "NotFoundException";
    }
    return r;
  });
  ApiGatewayV2 api(config_for(server));
  EXPECT_TRUE(api.truststore_warnings("d", soon()).empty());
  body = R"({"domainName":"d"})";
  EXPECT_TRUE(api.truststore_warnings("d", soon()).empty());
  body = R"({"mutualTlsAuthentication":{"truststoreWarnings":"not a list"}})";
  EXPECT_THROW((void)api.truststore_warnings("d", soon()), AwsError);
  body = "not json";
  EXPECT_THROW((void)api.truststore_warnings("d", soon()), AwsError);
  status = 404;
  body = R"({"message":"Invalid domain name identifier specified"})";
  try {
    (void)api.truststore_warnings("d", soon());
    FAIL() << "expected AwsError";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "NotFoundException");
  }
}

TEST(SnsPublish, SignedFormPostReturnsTheMessageId) {
  const std::string topic = "arn:aws:sns:eu-west-1:123456789012:mtls-alerts";
  const std::string message = "client a & b: 9 days\nthumbprint 3f=";
  agm::test::LoopbackServer server([&](const agm::test::HttpRequest& r) {
    const test::VerifyOptions opt{creds(), "eu-west-1", "sns", false, {"host", "content-type"}};
    if (auto why = test::verify_sigv4(r, opt); !why.empty()) {
      return answer(403, why);
    }
    const auto form = core::parse_form(r.body);
    if (r.method != "POST" || !form) {
      return answer(400, "not a form POST");
    }
    std::map<std::string, std::string> fields(form->begin(), form->end());
    if (fields["Action"] != "Publish" || fields["TopicArn"] != topic ||
        fields["Message"] != message || fields["Subject"] != "due") {
      return answer(400, r.body);
    }
    return answer(200,
                  "<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult>"
                  "</PublishResponse>");
  });
  Sns sns(config_for(server));
  EXPECT_EQ(sns.publish(topic, "due", message, soon()), "m-1");
}

TEST(SnsPublish, RefusesWhatSnsWouldAndMapsItsErrors) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest&) {
    return answer(403,
                  "<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code>"
                  "<Message>not allowed</Message></Error></ErrorResponse>");
  });
  Sns sns(config_for(server));
  EXPECT_THROW((void)sns.publish("arn:t", std::string(101, 's'), "m", soon()), AwsError);
  EXPECT_THROW((void)sns.publish("arn:t", "s", "", soon()), AwsError);
  EXPECT_THROW((void)sns.publish("arn:t", "s\n", "m", soon()), AwsError);
  EXPECT_TRUE(server.requests().empty()) << "refused before sending";
  try {
    (void)sns.publish("arn:t", "s", "m", soon());
    FAIL() << "expected AwsError";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code(), "AuthorizationError");
  }
}

}  // namespace
}  // namespace agm::aws
