// The pre-token handler (docs/contract.md section 8): a V3_0 client_credentials pre token
// generation event in, the same event with the cnf claim out, or a failed invocation. The expected
// x5t#S256 is computed here straight from the certificate's DER with OpenSSL, not with the code
// under test.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <memory>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "functions/pre_token/handler.hpp"
#include "support/fixtures.hpp"
#include "support/invoke.hpp"

namespace agm::functions::pre_token {
namespace {

namespace json = core::json;
using namespace agm::test;

// SHA-256 of the certificate's DER, straight from OpenSSL.
std::string der_sha256(const std::string& pem) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  const std::unique_ptr<X509, decltype(&X509_free)> x509(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!x509)
    throw std::runtime_error("test: PEM_read_bio_X509 failed");
  unsigned char* der = nullptr;
  const int len = i2d_X509(x509.get(), &der);
  if (len <= 0)
    throw std::runtime_error("test: i2d_X509 failed");
  std::array<unsigned char, SHA256_DIGEST_LENGTH> md{};
  SHA256(der, static_cast<std::size_t>(len), md.data());
  OPENSSL_free(der);
  return {md.begin(), md.end()};
}

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4U];
    out += kDigits[b & 0xFU];
  }
  return out;
}

// RFC 4648 section 5, no padding, via OpenSSL's base64 and a character swap.
std::string b64url(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

struct Shared {
  TestPki pki;
  pki::KeyAndCert cert_a = pki.client("client-a", 30);
  pki::KeyAndCert cert_b = pki.client("client-b", 30);
};
Shared& shared() {
  static Shared s;  // key generation once per run
  return s;
}

// The event Cognito sends a V3_0 pre token generation trigger for a client_credentials grant.
json::object v3_event(const std::string& client_id, const std::optional<std::string>& thumbprint) {
  json::object metadata;
  if (thumbprint)
    metadata["cert_thumbprint"] = *thumbprint;
  return json::object{
      {"version", "3"},
      {"triggerSource", "TokenGeneration_ClientCredentials"},
      {"region", kRegion},
      {"userPoolId", kPool},
      {"userName", nullptr},
      {"callerContext",
       json::object{{"awsSdkVersion", "aws-sdk-unknown-unknown"}, {"clientId", client_id}}},
      {"request",
       json::object{{"userAttributes", json::object{}},
                    {"groupConfiguration", json::object{{"groupsToOverride", json::array{}},
                                                        {"iamRolesToOverride", json::array{}},
                                                        {"preferredRole", nullptr}}},
                    {"scopes", json::array{"mtls-api/health.read"}},
                    {"clientMetadata", std::move(metadata)}}},
      {"response", json::object{{"claimsAndScopeOverrideDetails", nullptr}}}};
}

class PreTokenTest : public ::testing::Test {
 protected:
  PreTokenTest()
      : thumb_a(hex(der_sha256(shared().cert_a.cert_pem))),
        thumb_b(hex(der_sha256(shared().cert_b.cert_pem))) {
    registry.put(record_for(shared().cert_a.cert_pem, "client-a"));
    registry.put(record_for(shared().cert_b.cert_pem, "client-b"));
  }

  lambda::invocation_response call(const json::value& event) {
    return test::invoke(Handler(registry, clock, logger), json::serialize(event));
  }
  lambda::invocation_response call_text(std::string_view payload) {
    return test::invoke(Handler(registry, clock, logger), payload);
  }
  Decision decide(const json::value& event) {
    return Handler(registry, clock, logger).decide(PreTokenEvent::parse(json::serialize(event)));
  }
  // Asserts a failed invocation whose error tells nothing of the reason, and returns the reason
  // the handler logged for it.
  std::string refused_reason(const json::value& event) {
    const auto r = call(event);
    EXPECT_FALSE(r.is_success()) << r.get_payload();
    EXPECT_EQ(r.get_error_type(), kRefusedErrorType);
    const auto err = core::parse_json(r.get_payload());
    EXPECT_TRUE(err.has_value());
    if (err) {
      EXPECT_EQ(core::get_string(*err, "errorMessage").value_or(""), kRefusedMessage);
    }
    return std::string(decide(event).reason_name());
  }
  std::string reason_of(const json::value& event) {
    const auto r = call(event);
    EXPECT_FALSE(r.is_success()) << r.get_payload();
    return std::string(decide(event).reason_name());
  }

  std::string thumb_a, thumb_b;
  FakeRegistry registry;
  core::ManualClock clock{agm::core::SystemClock().now()};
  std::ostringstream log_out;
  core::Logger logger{core::LogLevel::kDebug, &log_out};
};

TEST(PreTokenX5t, KnownVectorAndStrictFormat) {
  // SHA-256("") in hex, and its RFC 4648 base64url form.
  EXPECT_EQ(
      x5t_s256_from_thumbprint("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
          .value_or(""),
      "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  EXPECT_FALSE(x5t_s256_from_thumbprint(
      "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));  // not a registry key
  EXPECT_FALSE(x5t_s256_from_thumbprint(""));
  EXPECT_FALSE(x5t_s256_from_thumbprint(std::string(62, 'a')));
  EXPECT_FALSE(x5t_s256_from_thumbprint(std::string(66, 'a')));
  EXPECT_FALSE(x5t_s256_from_thumbprint(std::string(63, 'a') + "g"));
  EXPECT_FALSE(x5t_s256_from_thumbprint(std::string(63, 'a') + " "));
}

TEST_F(PreTokenTest, AllowAnswersTheSameEventWithCnfOfTheCertificate) {
  const auto event = v3_event("client-a", thumb_a);
  const auto r = call(event);
  ASSERT_TRUE(r.is_success()) << log_out.str();
  EXPECT_EQ(r.get_content_type(), "application/json");
  const auto out = core::parse_json(r.get_payload()).value();
  const std::string expected = b64url(der_sha256(shared().cert_a.cert_pem));
  ASSERT_EQ(expected.size(), 43U);
  const auto* claims = core::find_path(out, {"response", "claimsAndScopeOverrideDetails",
                                             "accessTokenGeneration", "claimsToAddOrOverride"});
  ASSERT_NE(claims, nullptr) << r.get_payload();
  ASSERT_TRUE(claims->is_object());
  EXPECT_EQ(claims->as_object().size(), 1U) << "only cnf is added";
  EXPECT_EQ(core::get_string_path(*claims, {"cnf", "x5t#S256"}).value_or(""), expected);
  // The same value the authorizer compares against (mtls::ClientCertificate::x5t_s256).
  EXPECT_EQ(expected, mtls::ClientCertificate::from_pem(shared().cert_a.cert_pem).x5t_s256);
  // Nothing but `response` changed: the rest is the event as it came.
  json::object rest = out.as_object();
  rest.erase("response");
  json::object original = event;
  original.erase("response");
  EXPECT_EQ(json::value(rest), json::value(original));
  // No scope or ID token changes.
  const auto* access =
      core::find_path(out, {"response", "claimsAndScopeOverrideDetails", "accessTokenGeneration"});
  ASSERT_NE(access, nullptr);
  EXPECT_EQ(access->as_object().size(), 1U);
  EXPECT_EQ(
      core::find_path(out, {"response", "claimsAndScopeOverrideDetails", "idTokenGeneration"}),
      nullptr);
  // One log line for the decision.
  const std::string log = log_out.str();
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  EXPECT_NE(log.find(R"("reason":"allowed")"), std::string::npos) << log;
  EXPECT_NE(log.find(thumb_a), std::string::npos) << log;
}

TEST_F(PreTokenTest, AThumbprintOfAnotherClientIsRefused) {
  EXPECT_EQ(refused_reason(v3_event("client-a", thumb_b)), "client_mismatch");
  EXPECT_EQ(refused_reason(v3_event("client-b", thumb_a)), "client_mismatch");
  // And the refusal says nothing of why to Cognito; the log does.
  const auto r = call(v3_event("client-a", thumb_b));
  EXPECT_EQ(r.get_payload().find("client"), std::string::npos) << r.get_payload();
  EXPECT_NE(log_out.str().find(R"("reason":"client_mismatch")"), std::string::npos);
}

TEST_F(PreTokenTest, RevokedAndSuspendedCertificatesAreRefused) {
  registry.records[thumb_a].status = mtls::CertStatus::kRevoked;
  EXPECT_EQ(refused_reason(v3_event("client-a", thumb_a)), "cert_revoked");
  registry.records[thumb_a].status = mtls::CertStatus::kSuspended;
  EXPECT_EQ(refused_reason(v3_event("client-a", thumb_a)), "cert_suspended");
}

TEST_F(PreTokenTest, ARevocationIsSeenByTheVeryNextTokenRequest) {
  const Handler handler(registry, clock, logger);  // one warm instance
  const std::string event = json::serialize(v3_event("client-a", thumb_a));
  EXPECT_TRUE(test::invoke(handler, event).is_success());
  registry.records[thumb_a].status = mtls::CertStatus::kRevoked;
  EXPECT_FALSE(test::invoke(handler, event).is_success());
  EXPECT_EQ(registry.calls.load(), 2) << "the registry is asked on every invocation (no cache)";
}

TEST_F(PreTokenTest, AnUnknownThumbprintIsRefused) {
  const std::string unknown = hex(std::string(32, '\x42'));
  EXPECT_EQ(refused_reason(v3_event("client-a", unknown)), "cert_not_registered");
}

TEST_F(PreTokenTest, ARecordOutsideItsValidityIsRefused) {
  const auto& record = registry.records[thumb_a];
  clock.set(record.not_after + std::chrono::seconds(1));
  EXPECT_EQ(refused_reason(v3_event("client-a", thumb_a)), "record_expired");
  clock.set(record.not_before - std::chrono::seconds(1));
  EXPECT_EQ(refused_reason(v3_event("client-a", thumb_a)), "record_not_yet_valid");
  clock.set(record.not_before);
  EXPECT_TRUE(call(v3_event("client-a", thumb_a)).is_success());
}

TEST_F(PreTokenTest, MissingClientMetadataOrThumbprintIsRefused) {
  // A client calling Cognito's token endpoint directly, without our token function.
  auto ev = v3_event("client-a", thumb_a);
  ev["request"].as_object().erase("clientMetadata");
  EXPECT_EQ(refused_reason(ev), "client_metadata_missing");
  ev["request"].as_object()["clientMetadata"] = nullptr;
  EXPECT_EQ(refused_reason(ev), "client_metadata_missing");
  EXPECT_EQ(refused_reason(v3_event("client-a", std::nullopt)), "thumbprint_missing");
  ev = v3_event("client-a", thumb_a);
  ev["request"].as_object()["clientMetadata"] = json::object{{"cert_thumbprint", nullptr}};
  EXPECT_EQ(refused_reason(ev), "thumbprint_missing");
}

TEST_F(PreTokenTest, AMalformedThumbprintIsRefusedWithoutAskingTheRegistry) {
  std::string upper = thumb_a;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (const std::string& bad : {upper, thumb_a.substr(1), thumb_a + "0", std::string("zz"),
                                 std::string(""), std::string(" ") + thumb_a}) {
    EXPECT_EQ(refused_reason(v3_event("client-a", bad)), "thumbprint_malformed") << bad;
  }
  EXPECT_EQ(registry.calls.load(), 0);
  auto ev = v3_event("client-a", thumb_a);
  ev["request"].as_object()["clientMetadata"] = json::object{{"cert_thumbprint", 42}};
  EXPECT_EQ(refused_reason(ev), "event_malformed");
  ev["request"].as_object()["clientMetadata"] = json::array{thumb_a};
  EXPECT_EQ(refused_reason(ev), "event_malformed");
}

TEST_F(PreTokenTest, OtherTriggerSourcesAndVersionsAreRefused) {
  for (const char* source : {"TokenGeneration_HostedAuth", "TokenGeneration_Authentication",
                             "TokenGeneration_RefreshTokens", "TokenGeneration_AuthenticateDevice",
                             "tokengeneration_clientcredentials", ""}) {
    auto ev = v3_event("client-a", thumb_a);
    ev["triggerSource"] = source;
    EXPECT_EQ(refused_reason(ev), "trigger_source_unsupported") << source;
  }
  auto ev = v3_event("client-a", thumb_a);
  ev.erase("triggerSource");
  EXPECT_EQ(refused_reason(ev), "trigger_source_unsupported");
  for (const json::value& version : {json::value("1"), json::value("2"), json::value("V2_0"),
                                     json::value("4"), json::value(3), json::value(nullptr)}) {
    ev = v3_event("client-a", thumb_a);
    ev["version"] = version;
    EXPECT_EQ(refused_reason(ev), "version_unsupported") << json::serialize(version);
  }
  ev = v3_event("client-a", thumb_a);
  ev.erase("version");
  EXPECT_EQ(refused_reason(ev), "version_unsupported");
  // The configuration's spelling of the version is accepted too (see handler.cpp).
  ev = v3_event("client-a", thumb_a);
  ev["version"] = "V3_0";
  EXPECT_TRUE(call(ev).is_success());
  EXPECT_EQ(registry.calls.load(), 1);
}

TEST_F(PreTokenTest, ScopesTheRecordDoesNotAllowAreRefused) {
  // A record restricted to health.read; the token function asks only for allowed scopes, but a
  // client calling Cognito directly with its (public) thumbprint could ask for more.
  registry.records[thumb_a].scopes = std::vector<std::string>{"mtls-api/health.read"};
  auto ev = v3_event("client-a", thumb_a);
  EXPECT_TRUE(call(ev).is_success()) << log_out.str();
  ev["request"].as_object()["scopes"] = json::array{"mtls-api/health.read", "mtls-api/admin"};
  EXPECT_EQ(refused_reason(ev), "scope_not_allowed");
  EXPECT_NE(log_out.str().find(R"("detail":"mtls-api/admin")"), std::string::npos);
  ev["request"].as_object()["scopes"] = json::array{};
  EXPECT_TRUE(call(ev).is_success());
  ev["request"].as_object().erase("scopes");
  EXPECT_TRUE(call(ev).is_success());
  ev["request"].as_object()["scopes"] = "mtls-api/health.read";
  EXPECT_EQ(refused_reason(ev), "event_malformed");
  ev["request"].as_object()["scopes"] = json::array{1};
  EXPECT_EQ(refused_reason(ev), "event_malformed");
  // A record without scopes allows any scope of its client.
  registry.records[thumb_a].scopes.reset();
  ev["request"].as_object()["scopes"] = json::array{"mtls-api/health.read", "mtls-api/admin"};
  EXPECT_TRUE(call(ev).is_success());
}

TEST_F(PreTokenTest, TheLambdaRequestIdIsLogged) {
  (void)test::invoke(Handler(registry, clock, logger),
                     json::serialize(v3_event("client-a", thumb_a)), "8f5c-req");
  (void)test::invoke(Handler(registry, clock, logger), "nope", "9a6d-req");
  const std::string log = log_out.str();
  EXPECT_NE(log.find(R"("request_id":"8f5c-req")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("request_id":"9a6d-req")"), std::string::npos) << log;
}

TEST_F(PreTokenTest, ARegistryErrorIsARefusal) {
  registry.unavailable = true;
  EXPECT_EQ(refused_reason(v3_event("client-a", thumb_a)), "registry_unavailable");
}

TEST_F(PreTokenTest, MalformedEventsAreRefused) {
  for (const char* text : {"", "not json", "[]", "null", "42", R"("text")", "{", R"({"a":1}{})"}) {
    const auto r = call_text(text);
    EXPECT_FALSE(r.is_success()) << text;
    EXPECT_EQ(r.get_error_type(), kRefusedErrorType);
  }
  // A huge event (not Cognito's): refused before parsing.
  auto big = v3_event("client-a", thumb_a);
  big["padding"] = std::string(std::size_t{200} * 1024, 'x');
  EXPECT_FALSE(call(big).is_success());
  EXPECT_NE(log_out.str().find("larger than"), std::string::npos);

  auto ev = v3_event("client-a", thumb_a);
  ev.erase("callerContext");
  EXPECT_EQ(reason_of(ev), "event_malformed");
  ev["callerContext"] = "client-a";
  EXPECT_EQ(reason_of(ev), "event_malformed");
  ev["callerContext"] = json::object{{"clientId", 7}};
  EXPECT_EQ(reason_of(ev), "event_malformed");
  ev["callerContext"] = json::object{};
  EXPECT_EQ(reason_of(ev), "client_id_missing");
  ev["callerContext"] = json::object{{"clientId", ""}};
  EXPECT_EQ(reason_of(ev), "client_id_missing");
  ev = v3_event("client-a", thumb_a);
  ev["request"] = json::array{};
  EXPECT_EQ(reason_of(ev), "event_malformed");
  ev.erase("request");
  EXPECT_EQ(reason_of(ev), "event_malformed");
  ev = v3_event("client-a", thumb_a);
  ev["request"].as_object()["clientMetadata"] = "cert_thumbprint=" + thumb_a;
  EXPECT_EQ(reason_of(ev), "event_malformed");
  EXPECT_EQ(registry.calls.load(), 0);
}

TEST_F(PreTokenTest, EveryRefusalIsOneLogLine) {
  (void)call(v3_event("client-a", thumb_b));
  (void)call_text("nope");
  registry.unavailable = true;
  (void)call(v3_event("client-a", thumb_a));
  std::istringstream lines(log_out.str());
  std::string line;
  std::vector<std::string> reasons;
  while (std::getline(lines, line)) {
    const auto parsed = core::parse_json(line);
    ASSERT_TRUE(parsed.has_value()) << line;
    reasons.emplace_back(core::get_string(*parsed, "reason").value_or("?"));
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{"client_mismatch", "event_malformed",
                                               "registry_unavailable"}));
}

TEST(PreTokenConfig, ErrorsNameTheVariable) {
  const std::map<std::string, std::string> env{{"AWS_REGION", "eu-west-1"},
                                               {"CERT_TABLE_NAME", "certs"}};
  const Config c = Config::from_env(map_env(env));
  EXPECT_EQ(c.region, "eu-west-1");
  EXPECT_EQ(c.cert_table_name, "certs");
  for (const char* var : {"AWS_REGION", "CERT_TABLE_NAME"}) {
    for (const bool empty : {false, true}) {
      auto bad = env;
      if (empty)
        bad[var] = "";
      else
        bad.erase(var);
      try {
        (void)Config::from_env(map_env(bad));
        ADD_FAILURE() << "accepted without " << var;
      } catch (const core::ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(var), std::string::npos) << e.what();
      }
    }
  }
}

}  // namespace
}  // namespace agm::functions::pre_token
