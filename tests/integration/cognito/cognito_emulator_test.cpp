// Runs the real agm-cognito binary on a free port with a temporary state dir and talks HTTP to it:
// tokens verify with AWS's own aws-jwt-verify (tests/integration/cognito/verify_token.cjs), the
// token endpoint answers Cognito's errors, the IdP actions behave as the API reference says, the
// state survives a restart and key rotation keeps old tokens verifiable.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/encoding.hpp"
#include "core/json.hpp"
#include "support/process.hpp"

namespace json = boost::json;
using agm::test::ChildProcess;

namespace {

constexpr const char* kPool = "us-east-1_LocalPool";
constexpr const char* kSigV4 =
    "AWS4-HMAC-SHA256 Credential=local/20261127/us-east-1/cognito-idp/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    "Signature=0000000000000000000000000000000000000000000000000000000000000000";

struct Reply {
  long status = 0;
  std::string body;
  std::string content_type;
  [[nodiscard]] json::value json() const {
    auto v = agm::core::parse_json(body);
    return v ? *v : json::value();
  }
};

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

Reply http(const std::string& method, const std::string& url,
           const std::vector<std::string>& headers, const std::string& body) {
  CURL* curl = curl_easy_init();
  Reply reply;
  curl_slist* list = nullptr;
  for (const auto& h : headers)
    list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    char* type = nullptr;
    if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != nullptr)
      reply.content_type = type;
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return reply;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Copies out of JSON (core's lookups return views into the value; these outlive temporaries).
std::optional<std::string> S(const json::value& v, std::string_view key) {
  const auto r = agm::core::get_string(v, key);
  return r ? std::optional<std::string>(std::string(*r)) : std::nullopt;
}
std::optional<std::string> S(const json::value& v, std::initializer_list<std::string_view> path) {
  const auto r = agm::core::get_string_path(v, path);
  return r ? std::optional<std::string>(std::string(*r)) : std::nullopt;
}
std::optional<std::int64_t> I(const json::value& v, std::string_view key) {
  return agm::core::get_int(v, key);
}
std::size_t array_size(const json::value& v, std::string_view key) {
  const auto* a = agm::core::find(v, key);
  return a != nullptr && a->is_array() ? a->as_array().size() : 0U;
}

json::value jwt_part(const std::string& jwt, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i)
    start = jwt.find('.', start) + 1;
  const auto end = jwt.find('.', start);
  const auto decoded = agm::core::base64url_decode(jwt.substr(start, end - start));
  const auto v = agm::core::parse_json(decoded.value_or(""));
  return v && v->is_object() ? *v : json::value(json::object{});
}

class CognitoEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/agm-cognito-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    state_ = dir_ + "/state";
    start();
  }
  void TearDown() override {
    process_.reset();
    std::filesystem::remove_all(dir_);
  }

  void start(std::vector<std::string> extra = {}) {
    port_ = agm::test::free_port();
    std::vector<std::string> argv{agm::test::binary_dir() + "/bin/agm-cognito",
                                  "--host",
                                  "127.0.0.1",
                                  "--port",
                                  std::to_string(port_),
                                  "--region",
                                  "us-east-1",
                                  "--user-pool-id",
                                  kPool,
                                  "--state-dir",
                                  state_,
                                  "--resource-server-scopes",
                                  "mtls-api/health.read",
                                  "--resource-server-scopes",
                                  "mtls-api/admin"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>(argv, std::map<std::string, std::string>{}, true,
                                              dir_ + "/cognito.log");
    ASSERT_TRUE(agm::test::wait_for_port(port_, std::chrono::seconds(15)))
        << read_all(dir_ + "/cognito.log");
  }

  [[nodiscard]] std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string jwks_url() const {
    return base() + "/" + kPool + "/.well-known/jwks.json";
  }

  Reply idp(const std::string& action, const json::object& body, const std::string& auth = kSigV4) {
    std::vector<std::string> headers{"Content-Type: application/x-amz-json-1.1",
                                     "X-Amz-Target: AWSCognitoIdentityProviderService." + action,
                                     "X-Amz-Date: 20261127T000000Z"};
    if (!auth.empty())
      headers.push_back("Authorization: " + auth);
    return http("POST", base() + "/", headers, json::serialize(body));
  }

  Reply token(const std::string& form, const std::string& basic_user = {},
              const std::string& basic_pass = {}) {
    std::vector<std::string> headers{"Content-Type: application/x-www-form-urlencoded"};
    if (!basic_user.empty())
      headers.push_back("Authorization: Basic " +
                        agm::core::base64_encode(basic_user + ":" + basic_pass));
    return http("POST", base() + "/oauth2/token", headers, form);
  }

  // A client_credentials app client with a secret; returns {id, secret}.
  std::pair<std::string, std::string> create_client(const std::string& name,
                                                    json::array scopes = {"mtls-api/health.read"},
                                                    json::object extra = {}) {
    json::object body{{"UserPoolId", kPool},
                      {"ClientName", name},
                      {"GenerateSecret", true},
                      {"AllowedOAuthFlows", json::array{"client_credentials"}},
                      {"AllowedOAuthScopes", std::move(scopes)},
                      {"AllowedOAuthFlowsUserPoolClient", true}};
    for (const auto& kv : extra)
      body[kv.key()] = kv.value();
    const Reply r = idp("CreateUserPoolClient", body);
    EXPECT_EQ(r.status, 200) << r.body;
    const auto v = r.json();
    return {S(v, {"UserPoolClient", "ClientId"}).value_or(""),
            S(v, {"UserPoolClient", "ClientSecret"}).value_or("")};
  }

  // Runs aws-jwt-verify; returns its exit code and output.
  std::pair<int, std::string> aws_jwt_verify(const std::string& client_id, const std::string& jwt,
                                             const std::string& scope = {}) {
    const std::string out = dir_ + "/verify-" + std::to_string(++verify_runs_) + ".log";
    std::vector<std::string> argv{
        "node",     agm::test::project_root() + "/tests/integration/cognito/verify_token.cjs",
        kPool,      client_id,
        jwks_url(), jwt};
    if (!scope.empty())
      argv.push_back(scope);
    ChildProcess node(argv, {}, true, out);
    const auto status = node.wait_for(std::chrono::seconds(30));
    if (!status)
      return {-1, "timeout"};
    return {WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, read_all(out)};
  }

  std::string dir_, state_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
  int verify_runs_ = 0;
};

std::string error_of(const Reply& r) {
  return S(r.json(), "error").value_or("");
}
std::string type_of(const Reply& r) {
  return S(r.json(), "__type").value_or("");
}

TEST_F(CognitoEmulatorTest, TokenHasCognitoShapeAndVerifiesWithAwsJwtVerify) {
  const auto [id, secret] = create_client("demo");
  ASSERT_EQ(id.size(), 26U);
  ASSERT_EQ(secret.size(), 51U);
  const Reply r = token("grant_type=client_credentials&scope=mtls-api%2Fhealth.read", id, secret);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto v = r.json();
  EXPECT_EQ(S(v, "token_type"), "Bearer");
  EXPECT_EQ(I(v, "expires_in"), 3600);
  const std::string jwt(S(v, "access_token").value_or(""));

  const auto header = jwt_part(jwt, 0);
  EXPECT_EQ(S(header, "alg"), "RS256");
  const auto jwks = http("GET", jwks_url(), {}, "").json();
  const auto* keys = agm::core::find(jwks, "keys");
  ASSERT_TRUE(keys != nullptr && keys->is_array() && keys->as_array().size() == 1U);
  const auto& key = keys->as_array()[0];
  EXPECT_EQ(S(header, "kid"), S(key, "kid"));
  EXPECT_EQ(S(key, "kty"), "RSA");
  EXPECT_EQ(S(key, "use"), "sig");
  EXPECT_EQ(S(key, "alg"), "RS256");
  EXPECT_EQ(S(key, "e"), "AQAB");

  const auto claims = jwt_part(jwt, 1);
  EXPECT_EQ(S(claims, "sub"), id);
  EXPECT_EQ(S(claims, "client_id"), id);
  EXPECT_EQ(S(claims, "token_use"), "access");
  EXPECT_EQ(S(claims, "scope"), "mtls-api/health.read");
  EXPECT_EQ(S(claims, "iss"), std::string("https://cognito-idp.us-east-1.amazonaws.com/") + kPool);
  EXPECT_EQ(I(claims, "version"), 2);
  EXPECT_EQ(S(claims, "jti").value_or("").size(), 36U);
  EXPECT_EQ(*I(claims, "exp") - *I(claims, "iat"), 3600);
  EXPECT_TRUE(I(claims, "auth_time").has_value());

  const auto [code, out] = aws_jwt_verify(id, jwt, "mtls-api/health.read");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("\"client_id\":\"" + id + "\""), std::string::npos) << out;

  // Negative controls: the verifier really checks (another client id; a changed payload).
  EXPECT_EQ(aws_jwt_verify("someotherclient", jwt).first, 1);
  auto forged = claims.as_object();
  forged["scope"] = "mtls-api/admin";
  const auto dot1 = jwt.find('.');
  const auto dot2 = jwt.find('.', dot1 + 1);
  const std::string tampered = jwt.substr(0, dot1 + 1) +
                               agm::core::base64url_encode(json::serialize(forged)) +
                               jwt.substr(dot2);
  const auto [bad_code, bad_out] = aws_jwt_verify(id, tampered);
  EXPECT_EQ(bad_code, 1) << bad_out;
  EXPECT_NE(bad_out.find("signature"), std::string::npos) << bad_out;
}

// Cognito's JSON answers carry Content-Type: application/json;charset=UTF-8 (the token endpoint,
// its errors, the JWKS and the discovery document); the identity provider API answers in its own
// protocol's type.
TEST_F(CognitoEmulatorTest, JsonAnswersCarryCognitosContentType) {
  const auto [id, secret] = create_client("content-type");
  const std::string json_type = "application/json;charset=UTF-8";
  EXPECT_EQ(token("grant_type=client_credentials", id, secret).content_type, json_type);
  EXPECT_EQ(token("grant_type=client_credentials", id, "wrong").content_type, json_type);
  EXPECT_EQ(http("GET", jwks_url(), {}, "").content_type, json_type);
  EXPECT_EQ(
      http("GET", base() + "/" + kPool + "/.well-known/openid-configuration", {}, "").content_type,
      json_type);
  EXPECT_EQ(http("GET", base() + "/nowhere", {}, "").content_type, json_type);
  EXPECT_EQ(idp("DescribeUserPool", {{"UserPoolId", kPool}}).content_type,
            "application/x-amz-json-1.1");
}

TEST_F(CognitoEmulatorTest, TokenEndpointClientAuthAndScopes) {
  const auto [id, secret] =
      create_client("scopes", {"mtls-api/health.read", "mtls-api/admin"},
                    {{"AccessTokenValidity", 5},
                     {"TokenValidityUnits", json::object{{"AccessToken", "minutes"}}}});
  // No scope requested: every allowed scope; validity from the client (5 minutes).
  Reply r = token("grant_type=client_credentials", id, secret);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(I(r.json(), "expires_in"), 300);
  const std::string jwt(S(r.json(), "access_token").value_or(""));
  EXPECT_EQ(S(jwt_part(jwt, 1), "scope"), "mtls-api/health.read mtls-api/admin");

  // aws_client_metadata is accepted (and, without a trigger, has no effect).
  r = token("grant_type=client_credentials&aws_client_metadata=" +
                agm::core::percent_encode(R"({"cert_thumbprint":"abc"})"),
            id, secret);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jwt_part(S(r.json(), "access_token").value_or(""), 1).as_object().count("cnf"), 0U);
  EXPECT_EQ(error_of(token("grant_type=client_credentials&aws_client_metadata=%5Bnot", id, secret)),
            "invalid_request");

  // Credentials in the body instead of Basic.
  r = token("grant_type=client_credentials&client_id=" + id + "&client_secret=" + secret);
  EXPECT_EQ(r.status, 200) << r.body;

  EXPECT_EQ(error_of(token("grant_type=client_credentials", id, "wrong")), "invalid_client");
  EXPECT_EQ(error_of(token("grant_type=client_credentials", "nosuchclient", secret)),
            "invalid_client");
  EXPECT_EQ(error_of(token("grant_type=client_credentials")), "invalid_client");
  EXPECT_EQ(error_of(token("grant_type=client_credentials&client_id=" + id)), "invalid_client");
  r = token("grant_type=client_credentials&scope=mtls-api%2Fother", id, secret);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "invalid_scope");
  EXPECT_EQ(error_of(token("grant_type=password", id, secret)), "unsupported_grant_type");
  EXPECT_EQ(error_of(token("grant_type=authorization_code", id, secret)), "unauthorized_client");
  EXPECT_EQ(error_of(token("scope=mtls-api%2Fadmin", id, secret)), "invalid_request");
  EXPECT_EQ(
      error_of(token("grant_type=client_credentials&grant_type=client_credentials", id, secret)),
      "invalid_request");
  EXPECT_EQ(error_of(token("grant_type=%zz", id, secret)), "invalid_request");
  // Wrong content type.
  r = http("POST", base() + "/oauth2/token",
           {"Content-Type: application/json",
            "Authorization: Basic " + agm::core::base64_encode(id + ":" + secret)},
           R"({"grant_type":"client_credentials"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "invalid_request");

  // A client whose OAuth flows are switched off cannot get a token.
  const Reply upd = idp("UpdateUserPoolClient", {{"UserPoolId", kPool},
                                                 {"ClientId", id},
                                                 {"AllowedOAuthFlows", json::array{}},
                                                 {"AllowedOAuthFlowsUserPoolClient", false}});
  ASSERT_EQ(upd.status, 200) << upd.body;
  EXPECT_EQ(error_of(token("grant_type=client_credentials", id, secret)), "unauthorized_client");
}

TEST_F(CognitoEmulatorTest, IdentityProviderActions) {
  // Request shape: SigV4 Authorization required; pool must exist.
  EXPECT_EQ(type_of(idp("DescribeUserPool", {{"UserPoolId", kPool}}, "")),
            "MissingAuthenticationTokenException");
  EXPECT_EQ(type_of(idp("DescribeUserPool", {{"UserPoolId", kPool}}, "Bearer x")),
            "IncompleteSignatureException");
  EXPECT_EQ(type_of(idp("NoSuchAction", {{"UserPoolId", kPool}})), "UnknownOperationException");
  Reply r = idp("DescribeUserPool", {{"UserPoolId", "us-east-1_Nope"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(type_of(r), "ResourceNotFoundException");
  r = idp("DescribeUserPool", {{"UserPoolId", kPool}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(S(r.json(), {"UserPool", "Id"}), kPool);

  // Resource servers: the start flag made mtls-api; create another, describe, list.
  r = idp("CreateResourceServer",
          {{"UserPoolId", kPool},
           {"Identifier", "https://orders.example.com"},
           {"Name", "orders"},
           {"Scopes", json::array{json::object{{"ScopeName", "read"},
                                               {"ScopeDescription", "read orders"}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(S(r.json(), {"ResourceServer", "Identifier"}), "https://orders.example.com");
  EXPECT_EQ(type_of(idp("CreateResourceServer", {{"UserPoolId", kPool},
                                                 {"Identifier", "https://orders.example.com"},
                                                 {"Name", "again"}})),
            "InvalidParameterException");
  r = idp("DescribeResourceServer", {{"UserPoolId", kPool}, {"Identifier", "mtls-api"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value described = r.json();
  const auto* scopes = agm::core::find_path(described, {"ResourceServer", "Scopes"});
  ASSERT_TRUE(scopes != nullptr && scopes->is_array());
  EXPECT_EQ(scopes->as_array().size(), 2U);
  EXPECT_EQ(type_of(idp("DescribeResourceServer", {{"UserPoolId", kPool}, {"Identifier", "x"}})),
            "ResourceNotFoundException");
  r = idp("ListResourceServers", {{"UserPoolId", kPool}, {"MaxResults", 1}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(array_size(r.json(), "ResourceServers"), 1U);
  const auto next = S(r.json(), "NextToken");
  ASSERT_TRUE(next.has_value());
  r = idp("ListResourceServers",
          {{"UserPoolId", kPool}, {"MaxResults", 50}, {"NextToken", std::string(*next)}});
  EXPECT_EQ(array_size(r.json(), "ResourceServers"), 1U);
  EXPECT_FALSE(S(r.json(), "NextToken").has_value());
  EXPECT_EQ(type_of(idp("ListResourceServers", {{"UserPoolId", kPool}})),
            "InvalidParameterException");

  // Client validation as Cognito does it.
  json::object bad{{"UserPoolId", kPool},
                   {"ClientName", "bad"},
                   {"GenerateSecret", true},
                   {"AllowedOAuthFlows", json::array{"client_credentials"}},
                   {"AllowedOAuthScopes", json::array{"mtls-api/nope"}},
                   {"AllowedOAuthFlowsUserPoolClient", true}};
  EXPECT_EQ(type_of(idp("CreateUserPoolClient", bad)), "ScopeDoesNotExistException");
  bad["AllowedOAuthScopes"] = json::array{"mtls-api/health.read"};
  bad["GenerateSecret"] = false;
  EXPECT_EQ(type_of(idp("CreateUserPoolClient", bad)), "InvalidOAuthFlowException");
  bad["GenerateSecret"] = true;
  bad["AllowedOAuthFlows"] = json::array{"client_credentials", "code"};
  EXPECT_EQ(type_of(idp("CreateUserPoolClient", bad)), "InvalidOAuthFlowException");
  bad["AllowedOAuthFlows"] = json::array{"token"};
  EXPECT_EQ(type_of(idp("CreateUserPoolClient", bad)), "InvalidParameterException");
  bad["AllowedOAuthFlows"] = json::array{"client_credentials"};
  bad["AccessTokenValidity"] = 2;  // hours by default: fine; 2 days is not
  bad["TokenValidityUnits"] = json::object{{"AccessToken", "days"}};
  EXPECT_EQ(type_of(idp("CreateUserPoolClient", bad)), "InvalidParameterException");
  bad.erase("ClientName");
  EXPECT_EQ(type_of(idp("CreateUserPoolClient", bad)), "InvalidParameterException");

  // Describe / list / update / delete.
  const auto [a, a_secret] = create_client("client-a");
  const auto [b, b_secret] = create_client("client-b");
  r = idp("DescribeUserPoolClient", {{"UserPoolId", kPool}, {"ClientId", a}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(S(r.json(), {"UserPoolClient", "ClientName"}), "client-a");
  EXPECT_EQ(S(r.json(), {"UserPoolClient", "ClientSecret"}), a_secret);
  r = idp("ListUserPoolClients", {{"UserPoolId", kPool}, {"MaxResults", 60}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(array_size(r.json(), "UserPoolClients"), 2U);
  r = idp("UpdateUserPoolClient", {{"UserPoolId", kPool},
                                   {"ClientId", a},
                                   {"ClientName", "client-a2"},
                                   {"AllowedOAuthFlows", json::array{"client_credentials"}},
                                   {"AllowedOAuthScopes", json::array{"mtls-api/admin"}},
                                   {"AllowedOAuthFlowsUserPoolClient", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(S(r.json(), {"UserPoolClient", "ClientName"}), "client-a2");
  EXPECT_EQ(
      error_of(token("grant_type=client_credentials&scope=mtls-api%2Fhealth.read", a, a_secret)),
      "invalid_scope");
  EXPECT_EQ(token("grant_type=client_credentials&scope=mtls-api%2Fadmin", a, a_secret).status, 200);
  r = idp("DeleteUserPoolClient", {{"UserPoolId", kPool}, {"ClientId", b}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(type_of(idp("DescribeUserPoolClient", {{"UserPoolId", kPool}, {"ClientId", b}})),
            "ResourceNotFoundException");
  EXPECT_EQ(error_of(token("grant_type=client_credentials", b, b_secret)), "invalid_client");
  EXPECT_EQ(type_of(idp("DeleteUserPoolClient", {{"UserPoolId", kPool}, {"ClientId", b}})),
            "ResourceNotFoundException");
  // Garbage body: a SerializationException, and the server is still up.
  r = http("POST", base() + "/",
           {"Content-Type: application/x-amz-json-1.1",
            "X-Amz-Target: AWSCognitoIdentityProviderService.DescribeUserPool",
            "X-Amz-Date: 20261127T000000Z", std::string("Authorization: ") + kSigV4},
           "{not json");
  EXPECT_EQ(type_of(r), "SerializationException");
  EXPECT_EQ(http("GET", base() + "/nope", {}, "").status, 404);
  EXPECT_EQ(idp("DescribeUserPool", {{"UserPoolId", kPool}}).status, 200);
}

TEST_F(CognitoEmulatorTest, StatePersistsAndRotationKeepsOldKeyPublished) {
  const auto [id, secret] = create_client("persist");
  const std::string old_jwt(
      S(token("grant_type=client_credentials", id, secret).json(), "access_token").value_or(""));
  ASSERT_FALSE(old_jwt.empty());
  const std::string old_kid(S(jwt_part(old_jwt, 0), "kid").value_or(""));

  struct stat st {};
  ASSERT_EQ(stat((state_ + "/signing-keys.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0600U);
  ASSERT_EQ(stat((state_ + "/state.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0600U);

  // SIGTERM: clean exit; a restart on the same state dir knows the client and the key.
  const int status = process_->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  start();
  EXPECT_EQ(aws_jwt_verify(id, old_jwt).first, 0);
  Reply r = token("grant_type=client_credentials", id, secret);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(S(jwt_part(S(r.json(), "access_token").value_or(""), 0), "kid"), old_kid);

  // Rotation: a new active key; the old one stays in the JWKS, so old tokens still verify.
  r = http("POST", base() + "/_local/rotate-signing-key", {}, "");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string new_kid(S(r.json(), "active_kid").value_or(""));
  EXPECT_NE(new_kid, old_kid);
  const auto jwks = http("GET", jwks_url(), {}, "").json();
  ASSERT_EQ(array_size(jwks, "keys"), 2U);
  const std::string new_jwt(
      S(token("grant_type=client_credentials", id, secret).json(), "access_token").value_or(""));
  EXPECT_EQ(S(jwt_part(new_jwt, 0), "kid"), new_kid);
  EXPECT_EQ(aws_jwt_verify(id, new_jwt).first, 0);
  EXPECT_EQ(aws_jwt_verify(id, old_jwt).first, 0);
  // A second rotation drops the oldest key: at most two live keys.
  ASSERT_EQ(http("POST", base() + "/_local/rotate-signing-key", {}, "").status, 200);
  EXPECT_NE(aws_jwt_verify(id, old_jwt).first, 0);
  EXPECT_EQ(aws_jwt_verify(id, new_jwt).first, 0);
}

// Pre token generation trigger (V3_0, client credentials): the emulator runs the function binary
// through a Lambda Runtime API and applies its answer; a failing or misbehaving trigger refuses the
// token.
TEST_F(CognitoEmulatorTest, PreTokenGenerationTrigger) {
  const std::string fixture = agm::test::binary_dir() + "/bin/cognito_pre_token_fixture";
  process_->stop();
  start({"--pre-token-generation-command", fixture});
  const auto [id, secret] = create_client("bound", {"mtls-api/health.read", "mtls-api/admin"});
  auto with_metadata = [&](const std::string& metadata, const std::string& scope) {
    return token(
        "grant_type=client_credentials" +
            (scope.empty() ? std::string() : "&scope=" + agm::core::percent_encode(scope)) +
            "&aws_client_metadata=" + agm::core::percent_encode(metadata),
        id, secret);
  };

  Reply r = with_metadata(R"({"cert_thumbprint":"q1w2e3"})", "mtls-api/health.read");
  ASSERT_EQ(r.status, 200) << r.body << read_all(dir_ + "/cognito.log");
  const std::string jwt = S(r.json(), "access_token").value_or("");
  const auto claims = jwt_part(jwt, 1);
  EXPECT_EQ(S(claims, {"cnf", "x5t#S256"}), "q1w2e3");
  EXPECT_EQ(S(claims, "seen_trigger_source"), "TokenGeneration_ClientCredentials");
  EXPECT_EQ(S(claims, "seen_version"), "3");
  EXPECT_EQ(S(claims, "seen_client_id"), id);
  EXPECT_EQ(json::serialize(*agm::core::find(claims, "seen_scopes")),
            R"(["mtls-api/health.read"])");
  EXPECT_EQ(S(claims, "iss"), std::string("https://cognito-idp.us-east-1.amazonaws.com/") + kPool);
  EXPECT_EQ(aws_jwt_verify(id, jwt, "mtls-api/health.read").first, 0);

  // Scope overrides.
  r = with_metadata(R"({"mode":"suppress"})", "mtls-api/admin");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(S(jwt_part(S(r.json(), "access_token").value_or(""), 1), "scope"),
            "mtls-api/health.read");

  // The trigger fails, or tries to set a claim Cognito reserves: no token.
  r = with_metadata(R"({"mode":"deny"})", "");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "invalid_request");
  EXPECT_FALSE(S(r.json(), "access_token").has_value());
  r = with_metadata(R"({"mode":"reserved"})", "");
  EXPECT_EQ(r.status, 400);
  EXPECT_FALSE(S(r.json(), "access_token").has_value());
  // Still served after failures; client checks happen before the trigger runs.
  EXPECT_EQ(with_metadata(R"({"cert_thumbprint":"x"})", "").status, 200);
  EXPECT_EQ(error_of(token("grant_type=client_credentials", id, "wrong")), "invalid_client");

  // SIGTERM: clean exit, the trigger's processes stopped with it.
  const int status = process_->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  bool left = false;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string cmd = read_all(entry.path().string() + "/cmdline");
    if (cmd.rfind(fixture, 0) == 0)
      left = true;
  }
  EXPECT_FALSE(left) << "a pre token generation process is still running";
}

}  // namespace
