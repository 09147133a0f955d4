// agm-gateway end to end over real mTLS: certificates made in the test, the gateway and the fixture
// functions as real processes, libcurl as the client.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <future>
#include <set>
#include <thread>

#include <openssl/ssl.h>

#include "core/encoding.hpp"
#include "gateway_harness.hpp"
#include "mtls/certificate.hpp"
#include "support/loopback_server.hpp"

// Requests are written with designated initializers, leaving the other fields at their defaults on
// purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace agm::test {
namespace {

namespace json = boost::json;

json::object function(const std::string& binary, json::object extra = {}) {
  json::object f{{"command", json::array{bin(binary)}},
                 {"env", json::object{{"LOG_LEVEL", "debug"}}},
                 {"timeout_seconds", 2},
                 {"max_concurrency", 4}};
  for (auto& [k, v] : extra)
    f[k] = v;
  return f;
}

// A team's route definition (docs/contract.md section 9) beside the gateway's own routes: an http
// backend behind the authorizer, one with authorization "none", a function backend.
std::string route_definition(const std::string& backend_url) {
  json::object file{
      {"scopes", json::object{{"orders.read", "Read orders"}}},
      {"routes",
       json::object{
           {"GET /orders/{id}",
            json::object{{"integration",
                          json::object{{"type", "http"}, {"url", backend_url + "/v1/orders/{id}"}}},
                         {"scopes", json::array{"orders.read"}}}},
           {"ANY /open/{proxy+}",
            json::object{{"integration",
                          json::object{{"type", "http"}, {"url", backend_url + "/o/{proxy}"}}},
                         {"authorization", "none"}}},
           {"GET /slow", json::object{{"integration", json::object{{"type", "http"},
                                                                   {"url", backend_url + "/slow"},
                                                                   {"timeout_ms", 500}}},
                                      {"authorization", "none"}}},
           {"GET /team-fn",
            json::object{{"integration", json::object{{"type", "function"},
                                                      {"binary", bin("fixture_echo_function")}}},
                         {"scopes", json::array{"health.read"}}}}}}};
  return json::serialize(file);
}

// Writes config + routes into `d`; returns the config path.
std::string write_config(const fs::path& d, const Pki& p, std::uint16_t listen_port,
                         const std::string& backend_url) {
  json::object routes{
      {"routes",
       json::array{
           json::object{{"route_key", "POST /echo"}, {"function", "echo"}},
           json::object{{"route_key", "GET /echo"}, {"function", "echo"}},
           json::object{{"route_key", "GET /items/{id}"}, {"function", "echo"}},
           json::object{
               {"route_key", "GET /private"}, {"function", "echo"}, {"authorizer", "fixture"}},
           json::object{{"route_key", "GET /initerr"}, {"function", "initerr"}},
           json::object{
               {"route_key", "GET /cached"}, {"function", "echo"}, {"authorizer", "cached"}},
           json::object{{"route_key", "GET /conc"}, {"function", "conc"}},
           json::object{{"route_key", "GET /throttle"}, {"function", "throttle"}},
       }},
      {"authorizers",
       json::object{
           {"fixture",
            json::object{{"function", "authz"},
                         {"identity_sources", json::array{"$request.header.Authorization"}},
                         {"result_ttl_seconds", 0},
                         {"enable_simple_responses", true},
                         {"payload_format_version", "2.0"}}},
           {"cached", json::object{{"function", "authz"},
                                   {"identity_sources", json::array{"$request.header.Authorization",
                                                                    "$request.header.X-Extra"}},
                                   {"result_ttl_seconds", 300}}}}}};
  write_file(d / "routes.tfvars.json", route_definition(backend_url));
  json::object initerr = function("fixture_echo_function");
  initerr["env"] = json::object{{"FIXTURE_INIT_ERROR", "missing CERT_TABLE_NAME"}};
  json::object config{
      {"listen", json::object{{"host", "127.0.0.1"}, {"port", listen_port}}},
      // Relative paths: resolved against the config file's directory.
      {"tls", json::object{{"cert", fs::path(p.server_cert).filename().string()},
                           {"key", fs::path(p.server_key).filename().string()},
                           {"truststore", fs::path(p.truststore).filename().string()}}},
      {"api", json::object{{"api_id", "local"},
                           {"account_id", "000000000000"},
                           {"region", "us-east-1"},
                           {"stage", "$default"},
                           {"domain_name", "localhost"}}},
      {"functions",
       json::object{
           {"echo", function("fixture_echo_function")},
           {"authz", function("fixture_authorizer_function")},
           {"initerr", initerr},
           {"conc", function("fixture_echo_function", {{"max_concurrency", 2}, {"max_queue", 10}})},
           {"throttle",
            function("fixture_echo_function", {{"max_concurrency", 1}, {"max_queue", 1}})}}},
      {"routes", routes["routes"]},
      {"authorizers", routes["authorizers"]},
      {"route_definition", json::object{{"file", "routes.tfvars.json"},
                                        {"authorizer", "fixture"},
                                        {"functions", json::object{{"timeout_seconds", 2}}}}},
      {"access_log", "logs/access.log"},
      {"limits", json::object{{"max_body_bytes", 65536}, {"max_header_bytes", 10240}}},
      {"timeouts", json::object{{"handshake_ms", 1500}, {"header_ms", 3000}}}};
  auto path = (d / "gateway.json").string();
  write_file(path, json::serialize(config));
  return path;
}

// The last JSON log line that contains `needle`.
std::optional<json::value> log_line(const std::string& log, const std::string& needle) {
  std::optional<json::value> found;
  std::istringstream in(log);
  for (std::string l; std::getline(in, l);) {
    if (l.find(needle) == std::string::npos)
      continue;
    if (auto v = core::parse_json(l))
      found = v;
  }
  return found;
}

// One gateway for the suite (functions stay warm between tests, as they would in the stack).
class GatewayTest : public ::testing::Test {
 protected:
  static inline TempDir* dir = nullptr;
  static inline Pki* pki = nullptr;
  static inline ChildProcess* gateway = nullptr;
  static inline LoopbackServer* backend = nullptr;
  static inline std::uint16_t port = 0;

  static void SetUpTestSuite() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    dir = new TempDir();
    pki = new Pki(dir->path);
    port = free_port();
    backend = new LoopbackServer([](const HttpRequest& r) {
      // Answers with what it received, as JSON, so tests see what the gateway forwarded.
      json::object headers;
      for (const auto& [k, v] : r.headers)
        headers[k] = v;
      if (r.target.starts_with("/slow"))
        return HttpResponse{.status = 200, .delay = std::chrono::seconds(5)};
      return HttpResponse{
          .status = 207,
          .headers = {{"content-type", "application/json"}, {"x-backend", "yes"}},
          .body = json::serialize(json::object{
              {"method", r.method}, {"target", r.target}, {"headers", headers}, {"body", r.body}})};
    });
    auto config = write_config(dir->path, *pki, port, backend->url());
    gateway = new ChildProcess({bin("agm-gateway"), "--config", config}, {}, true,
                               (dir->path / "gateway.log").string());
    ASSERT_TRUE(wait_for_port(port, std::chrono::seconds(15)))
        << read_file(dir->path / "gateway.log");
  }
  static void TearDownTestSuite() {
    delete gateway;
    gateway = nullptr;
    delete backend;
    backend = nullptr;
    delete pki;
    delete dir;
  }

  static Reply call(Request r) {
    if (r.client == nullptr)
      r.client = &pki->good;
    return https(port, pki->server_ca, r);
  }
  static Reply call_without_cert(Request r) { return https(port, pki->server_ca, r); }
  static std::string log_text() { return read_file(dir->path / "gateway.log"); }

  static json::value event_of(const Reply& r) {
    auto body = core::parse_json(r.body);
    EXPECT_TRUE(body) << r.body;
    if (!body)
      return {};
    const auto* ev = core::find(*body, "event");
    EXPECT_NE(ev, nullptr) << r.body;
    return ev ? *ev : json::value();
  }
};

TEST_F(GatewayTest, NoClientCertificateFailsTheHandshake) {
  Reply r = call_without_cert({.path = "/echo"});
  EXPECT_NE(r.code, CURLE_OK) << "status " << r.status << " body " << r.body;
  EXPECT_EQ(r.status, 0);
}

// Untrusted client certificates complete the handshake and get API Gateway's 403 (see
// Reply::forbidden_by_the_gateway); only a missing certificate fails the handshake.
TEST_F(GatewayTest, CertificateFromAnotherCaIsRefused) {
  Reply r = call({.path = "/echo", .client = &pki->other_ca});
  EXPECT_TRUE(r.forbidden_by_the_gateway())
      << r.code << " " << r.error << " " << r.status << " " << r.body;
}

TEST_F(GatewayTest, ExpiredCertificateIsRefused) {
  Reply r = call({.path = "/echo", .client = &pki->expired});
  EXPECT_TRUE(r.forbidden_by_the_gateway())
      << r.code << " " << r.error << " " << r.status << " " << r.body;
}

TEST_F(GatewayTest, NotYetValidCertificateIsRefused) {
  Reply r = call({.path = "/echo", .client = &pki->not_yet_valid});
  EXPECT_TRUE(r.forbidden_by_the_gateway())
      << r.code << " " << r.error << " " << r.status << " " << r.body;
}

// The 403 comes from the gateway itself: no route is matched, no authorizer or function invoked
// (the access log names no route), even on a route with an authorizer and a token.
TEST_F(GatewayTest, RefusedCertificateReachesNoAuthorizerAndNoFunction) {
  Reply r =
      call({.path = "/private", .headers = {"Authorization: allow"}, .client = &pki->other_ca});
  ASSERT_TRUE(r.forbidden_by_the_gateway())
      << r.code << " " << r.error << " " << r.status << " " << r.body;
  const std::string id = r.header("apigw-requestid");
  std::optional<json::value> line;
  std::istringstream in(read_file(dir->path / "logs" / "access.log"));
  for (std::string l; std::getline(in, l);) {
    if (auto v = core::parse_json(l); v && core::get_string(*v, "requestId") == id)
      line = v;
  }
  ASSERT_TRUE(line);
  EXPECT_EQ(core::get_string(*line, "routeKey"), "-");
  EXPECT_EQ(core::get_int(*line, "status"), 403);
  EXPECT_EQ(core::get_string(*line, "authorizerError"), "-");
  // The same token with a trusted certificate does reach the authorizer (and is allowed).
  EXPECT_EQ(call({.path = "/private", .headers = {"Authorization: allow"}}).status, 201);
}

TEST_F(GatewayTest, SelfSignedCertificateIsRefused) {
  Reply r = call({.path = "/echo", .client = &pki->self_signed});
  EXPECT_TRUE(r.forbidden_by_the_gateway())
      << r.code << " " << r.error << " " << r.status << " " << r.body;
}

TEST_F(GatewayTest, Sha1SignedCertificateIsRefused) {
  if (!pki->sha1)
    GTEST_SKIP() << "OpenSSL refused to make a SHA-1 signed certificate";
  // libcurl's OpenSSL will not load this certificate at its default level: openssl s_client.
  const std::string response = s_client_get(port, pki->server_ca, *pki->sha1, dir->path, "/echo");
  EXPECT_EQ(response.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0U) << response;
  EXPECT_TRUE(response.ends_with("\r\n\r\n{\"message\":\"Forbidden\"}")) << response;
  EXPECT_NE(log_text().find("client certificate refused"), std::string::npos);
}

TEST_F(GatewayTest, UnknownRouteIs404) {
  Reply r = call({.path = "/nope"});
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"message":"Not Found"})");
  EXPECT_FALSE(r.header("apigw-requestid").empty());
  // Wrong method on a known path is no route either.
  EXPECT_EQ(call({.method = "DELETE", .path = "/echo"}).status, 404);
}

TEST_F(GatewayTest, IntegrationEventHasThePayload2Fields) {
  Reply r = call({.method = "POST",
                  .path = "/echo?a=1&a=2&b=x%20y",
                  .headers = {"Content-Type: application/json", "X-Multi: one", "X-Multi: two",
                              "Cookie: c1=v1; c2=v2", "User-Agent: gw-test/1"},
                  .body = std::string(R"({"k":1})")});
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  ASSERT_EQ(r.status, 201) << r.body;
  json::value ev = event_of(r);
  EXPECT_EQ(core::get_string(ev, "version"), "2.0");
  EXPECT_EQ(core::get_string(ev, "routeKey"), "POST /echo");
  EXPECT_EQ(core::get_string(ev, "rawPath"), "/echo");
  EXPECT_EQ(core::get_string(ev, "rawQueryString"), "a=1&a=2&b=x%20y");
  EXPECT_EQ(json::serialize(*core::find(ev, "cookies")), R"(["c1=v1","c2=v2"])");
  EXPECT_EQ(core::get_string_path(ev, {"headers", "x-multi"}), "one,two");
  EXPECT_EQ(core::get_string_path(ev, {"headers", "content-type"}), "application/json");
  EXPECT_EQ(core::find_path(ev, {"headers", "cookie"}), nullptr);
  EXPECT_EQ(core::get_string_path(ev, {"queryStringParameters", "a"}), "1,2");
  EXPECT_EQ(core::get_string_path(ev, {"queryStringParameters", "b"}), "x y");
  EXPECT_EQ(core::get_string(ev, "body"), R"({"k":1})");
  EXPECT_EQ(core::get_bool(ev, "isBase64Encoded"), false);

  const json::value* rc = core::find(ev, "requestContext");
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(core::get_string(*rc, "accountId"), "000000000000");
  EXPECT_EQ(core::get_string(*rc, "apiId"), "local");
  EXPECT_EQ(core::get_string(*rc, "domainName"), "localhost");
  EXPECT_EQ(core::get_string(*rc, "domainPrefix"), "localhost");
  EXPECT_EQ(core::get_string(*rc, "stage"), "$default");
  EXPECT_EQ(core::get_string(*rc, "routeKey"), "POST /echo");
  EXPECT_EQ(core::get_string_path(*rc, {"http", "method"}), "POST");
  EXPECT_EQ(core::get_string_path(*rc, {"http", "path"}), "/echo");
  EXPECT_EQ(core::get_string_path(*rc, {"http", "protocol"}), "HTTP/1.1");
  EXPECT_EQ(core::get_string_path(*rc, {"http", "sourceIp"}), "127.0.0.1");
  EXPECT_EQ(core::get_string_path(*rc, {"http", "userAgent"}), "gw-test/1");
  EXPECT_EQ(core::get_string(*rc, "requestId"), r.header("apigw-requestid"));
  auto epoch = core::get_int(*rc, "timeEpoch");
  ASSERT_TRUE(epoch);
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  EXPECT_LT(std::llabs(now_ms - *epoch), 60000);
  EXPECT_TRUE(core::get_string(*rc, "time").value_or("").ends_with(" +0000"));

  // The client certificate, as the functions will read it: compare with the certificate itself.
  auto expected = mtls::ClientCertificate::from_pem(pki->good.pem);
  const json::value* cc = core::find_path(*rc, {"authentication", "clientCert"});
  ASSERT_NE(cc, nullptr);
  auto forwarded_pem = core::get_string(*cc, "clientCertPem");
  ASSERT_TRUE(forwarded_pem);
  EXPECT_EQ(mtls::ClientCertificate::from_pem(*forwarded_pem).thumbprint, expected.thumbprint);
  EXPECT_EQ(core::get_string(*cc, "subjectDN"), "CN=client-good");
  EXPECT_EQ(core::get_string(*cc, "issuerDN"), "CN=Gateway Test Intermediate");
  // Decimal (see ClientCertificateFieldsAreInApiGatewaysForms): digits only, no hex letters.
  const std::string serial(core::get_string(*cc, "serialNumber").value_or(""));
  EXPECT_FALSE(serial.empty());
  EXPECT_EQ(serial.find_first_not_of("0123456789"), std::string::npos) << serial;
  auto not_after = core::get_string_path(*cc, {"validity", "notAfter"});
  ASSERT_TRUE(not_after);
  EXPECT_TRUE(not_after->ends_with(" GMT")) << *not_after;
  EXPECT_TRUE(core::get_string_path(*cc, {"validity", "notBefore"}));
  // Not an authorized route: no authorizer context.
  EXPECT_EQ(core::find(*rc, "authorizer"), nullptr);

  // Structured response mapping: status, headers, cookies as Set-Cookie.
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_FALSE(r.header("x-fixture-pid").empty());
  EXPECT_TRUE(r.header("x-fixture-function-arn").ends_with(":function:echo"));
  EXPECT_EQ(r.headers.count("set-cookie"), 2U);
}

// subjectDN and issuerDN in the order API Gateway sends them (the certificate's own order,
// C=US,ST=...,CN=...), serialNumber as a decimal string, for certificates made with the openssl
// command line and named exactly as in AWS's captured events (serial 1 there too), in the event
// and in the access log.
TEST_F(GatewayTest, ClientCertificateFieldsAreInApiGatewaysForms) {
  for (const auto& [client, serial] :
       {std::pair<const ClientFiles*, std::string>{&pki->aws_shaped, "1"},
        {&pki->aws_shaped_big_serial, "18446744073709551617"}}) {
    SCOPED_TRACE(serial);
    Reply r = call({.path = "/echo", .client = client});
    ASSERT_EQ(r.status, 201) << r.code << " " << r.error << " " << r.body;
    const json::value ev = event_of(r);
    const json::value* cc = core::find_path(ev, {"requestContext", "authentication", "clientCert"});
    ASSERT_NE(cc, nullptr);
    EXPECT_EQ(core::get_string(*cc, "subjectDN"), Pki::kAwsSubjectDn);
    EXPECT_EQ(core::get_string(*cc, "issuerDN"), Pki::kAwsIssuerDn);
    EXPECT_EQ(core::get_string(*cc, "serialNumber"), serial);
    // The registry keeps its own forms (docs/contract.md section 4): RFC 4514 and hex.
    const auto cert = mtls::ClientCertificate::from_pem(client->pem);
    EXPECT_EQ(cert.subject_dn,
              "CN=My Client,OU=Security,O=Amazon Web Services,L=Seattle,ST=Washington,C=US");

    std::optional<json::value> line;
    std::istringstream in(read_file(dir->path / "logs" / "access.log"));
    for (std::string l; std::getline(in, l);) {
      if (auto v = core::parse_json(l);
          v && core::get_string(*v, "requestId") == r.header("apigw-requestid"))
        line = v;
    }
    ASSERT_TRUE(line);
    EXPECT_EQ(core::get_string(*line, "clientCertSerialNumber"), serial);
    EXPECT_EQ(core::get_string(*line, "clientCertSubjectDN"), Pki::kAwsSubjectDn);
    EXPECT_EQ(core::get_string(*line, "clientCertIssuerDN"), Pki::kAwsIssuerDn);
  }
}

TEST_F(GatewayTest, FormBodyArrivesBase64Encoded) {
  Reply r = call({.method = "POST",
                  .path = "/echo",
                  .headers = {"Content-Type: application/x-www-form-urlencoded"},
                  .body = std::string("grant_type=client_credentials&scope=a%2Fb")});
  ASSERT_EQ(r.status, 201) << r.body;
  json::value ev = event_of(r);
  EXPECT_EQ(core::get_bool(ev, "isBase64Encoded"), true);
  auto decoded = core::base64_decode(core::get_string(ev, "body").value_or(""));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, "grant_type=client_credentials&scope=a%2Fb");
}

TEST_F(GatewayTest, PathParameters) {
  Reply r = call({.path = "/items/42"});
  ASSERT_EQ(r.status, 201) << r.body;
  json::value ev = event_of(r);
  EXPECT_EQ(core::get_string_path(ev, {"pathParameters", "id"}), "42");
  EXPECT_EQ(core::get_string(ev, "routeKey"), "GET /items/{id}");
}

TEST_F(GatewayTest, ResponseWithoutStatusCodeIs200Json) {
  Reply r = call({.path = "/echo?plain=1"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"plain":true})");
  EXPECT_EQ(r.header("content-type"), "application/json");
}

TEST_F(GatewayTest, Base64ResponseBodyIsDecoded) {
  Reply r = call({.path = "/echo?b64=1"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string("bin\0ary", 7));
  EXPECT_EQ(r.header("content-type"), "application/octet-stream");
}

TEST_F(GatewayTest, FunctionErrorIs500) {
  Reply r = call({.path = "/echo?error=1"});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"message":"Internal Server Error"})");
}

TEST_F(GatewayTest, CrashIs500ThenAFreshProcessAnswers) {
  Reply first = call({.path = "/echo"});
  ASSERT_EQ(first.status, 201);
  Reply crash = call({.path = "/echo?crash=1"});
  EXPECT_EQ(crash.status, 500);
  EXPECT_EQ(crash.body, R"({"message":"Internal Server Error"})");
  Reply after = call({.path = "/echo"});
  EXPECT_EQ(after.status, 201) << after.body;
}

TEST_F(GatewayTest, TimeoutIs503AndTheProcessIsKilled) {
  auto started = std::chrono::steady_clock::now();
  Reply r = call({.path = "/echo?sleep=1"});
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"message":"Service Unavailable"})");
  EXPECT_GE(took, std::chrono::milliseconds(1900));
  EXPECT_LT(took, std::chrono::seconds(10));
  Reply after = call({.path = "/echo"});
  EXPECT_EQ(after.status, 201) << after.body;
  // The process that timed out was killed (its pid is in the log line) and reaped.
  auto line = log_line(log_text(), "function timed out");
  ASSERT_TRUE(line) << log_text();
  auto pid = core::get_int(*line, "pid");
  ASSERT_TRUE(pid && *pid > 0);
  EXPECT_FALSE(pid_exists(static_cast<int>(*pid))) << "timed-out process " << *pid << " survived";
}

TEST_F(GatewayTest, InitErrorIs500AndLogged) {
  Reply r = call({.path = "/initerr"});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"message":"Internal Server Error"})");
  std::string log = log_text();
  auto at = log.find("function init error");
  ASSERT_NE(at, std::string::npos) << log;
  auto line = log.substr(at, log.find('\n', at) - at);
  EXPECT_NE(line.find("\"function\":\"initerr\""), std::string::npos) << line;
  EXPECT_NE(line.find("missing CERT_TABLE_NAME"), std::string::npos) << line;
}

TEST_F(GatewayTest, AuthorizerWithoutIdentitySourceIs401) {
  Reply r = call({.path = "/private"});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"message":"Unauthorized"})");
  EXPECT_EQ(call({.path = "/private", .headers = {"Authorization: "}}).status, 401);
}

TEST_F(GatewayTest, AuthorizerDenyIs403) {
  Reply r = call({.path = "/private", .headers = {"Authorization: deny"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"message":"Forbidden"})");
}

TEST_F(GatewayTest, AuthorizerFailuresAre500) {
  for (const char* h : {"Authorization: error", "Authorization: garbage", "Authorization: slow"}) {
    Reply r = call({.path = "/private", .headers = {h}});
    EXPECT_EQ(r.status, 500) << h;
    EXPECT_EQ(r.body, R"({"message":"Internal Server Error"})") << h;
  }
}

TEST_F(GatewayTest, AuthorizerAllowPassesItsContextToTheIntegration) {
  Reply r = call({.path = "/private?x=1", .headers = {"Authorization: allow"}});
  ASSERT_EQ(r.status, 201) << r.body;
  json::value ev = event_of(r);
  const json::value* ctx = core::find_path(ev, {"requestContext", "authorizer", "lambda"});
  ASSERT_NE(ctx, nullptr) << json::serialize(ev);
  EXPECT_EQ(core::get_string(*ctx, "client_id"), "fixture-client");
  EXPECT_EQ(core::get_int(*ctx, "n"), 42);
  // What the authorizer saw: a REQUEST event with the certificate, identity source and route ARN.
  EXPECT_EQ(core::get_string(*ctx, "type"), "REQUEST");
  EXPECT_EQ(core::get_string(*ctx, "subject"),
            mtls::ClientCertificate::from_pem(pki->good.pem).subject_dn);
  EXPECT_EQ(json::serialize(*core::find(*ctx, "identity_source")), R"(["allow"])");
  EXPECT_EQ(core::get_string(*ctx, "route_arn"),
            "arn:aws:execute-api:us-east-1:000000000000:local/$default/GET/private");
}

TEST_F(GatewayTest, AuthorizerDecisionsAreCachedByIdentitySourceOnlyWhenTtlIsSet) {
  auto context_of = [](const Reply& r) {
    json::value ev = event_of(r);
    const json::value* ctx = core::find_path(ev, {"requestContext", "authorizer", "lambda"});
    return ctx ? json::serialize(*ctx) : std::string();
  };
  // TTL 0 (/private): every request invokes the authorizer.
  Reply a = call({.path = "/private", .headers = {"Authorization: allow"}});
  Reply b = call({.path = "/private", .headers = {"Authorization: allow"}});
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  EXPECT_NE(context_of(a), context_of(b));
  // TTL 300 (/cached): the same identity sources reuse the decision, others do not.
  Reply c = call({.path = "/cached", .headers = {"Authorization: allow", "X-Extra: 1"}});
  Reply d = call({.path = "/cached", .headers = {"Authorization: allow", "X-Extra: 1"}});
  Reply e = call({.path = "/cached", .headers = {"Authorization: allow", "X-Extra: 2"}});
  ASSERT_EQ(c.status, 201) << c.body;
  ASSERT_EQ(d.status, 201);
  ASSERT_EQ(e.status, 201);
  EXPECT_EQ(context_of(c), context_of(d));
  EXPECT_NE(context_of(c), context_of(e));
  // A missing second identity source is 401 without asking the authorizer.
  EXPECT_EQ(call({.path = "/cached", .headers = {"Authorization: allow"}}).status, 401);
}

TEST_F(GatewayTest, ConcurrentRequestsUseMoreProcessesUpToTheLimit) {
  std::vector<std::future<Reply>> replies;
  for (int i = 0; i < 5; ++i) {
    replies.push_back(
        std::async(std::launch::async, [] { return call({.path = "/conc?hold=700"}); }));
  }
  std::set<std::string> pids;
  for (auto& f : replies) {
    Reply r = f.get();
    EXPECT_EQ(r.status, 201) << r.body;
    pids.insert(r.header("x-fixture-pid"));
  }
  EXPECT_EQ(pids.size(), 2U);  // max_concurrency 2; the other three waited in the queue
  // Warm processes are reused.
  Reply again = call({.path = "/conc"});
  EXPECT_TRUE(pids.contains(again.header("x-fixture-pid")));
}

TEST_F(GatewayTest, FullQueueIsThrottledWith429) {
  std::vector<std::future<Reply>> replies;
  for (int i = 0; i < 3; ++i) {
    replies.push_back(
        std::async(std::launch::async, [] { return call({.path = "/throttle?hold=1500"}); }));
  }
  std::multiset<long> statuses;
  for (auto& f : replies) {
    Reply r = f.get();
    statuses.insert(r.status);
    if (r.status == 429) {
      EXPECT_EQ(r.body, R"({"message":"Too Many Requests"})");
    }
  }
  EXPECT_EQ(statuses.count(201), 2U);  // one running, one queued (max_queue 1)
  EXPECT_EQ(statuses.count(429), 1U);
}

TEST_F(GatewayTest, OversizedHeaderIs431WhileOthersAreServed) {
  // A client that connects and never speaks TLS holds a connection meanwhile.
  int idle = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(idle, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);

  Reply big = call({.path = "/echo", .headers = {"X-Big: " + std::string(12000, 'a')}});
  EXPECT_EQ(big.status, 431) << big.error;
  Reply ok = call({.path = "/echo"});
  EXPECT_EQ(ok.status, 201);

  // The silent client is dropped after the handshake timeout (1.5 s in this config).
  timeval tv{5, 0};
  ::setsockopt(idle, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char c = 0;
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(::recv(idle, &c, 1, 0), 0);  // orderly close by the gateway, not our timeout
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(4000));
  ::close(idle);
}

// A client that completes the handshake, sends half a request and stalls is dropped after the
// header timeout (3 s in this config) while other clients are served.
TEST_F(GatewayTest, StalledRequestIsDroppedAfterTheHeaderTimeout) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_EQ(SSL_CTX_use_certificate_file(ctx, pki->good.cert.c_str(), SSL_FILETYPE_PEM), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey_file(ctx, pki->good.key.c_str(), SSL_FILETYPE_PEM), 1);
  ASSERT_EQ(SSL_CTX_load_verify_locations(ctx, pki->server_ca.c_str(), nullptr), 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{8, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  ASSERT_EQ(SSL_connect(ssl), 1);
  const std::string partial = "GET /echo HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
  ASSERT_EQ(SSL_write(ssl, partial.data(), static_cast<int>(partial.size())),
            static_cast<int>(partial.size()));

  EXPECT_EQ(call({.path = "/echo"}).status, 201);  // others are served meanwhile

  auto started = std::chrono::steady_clock::now();
  char buf[256];
  int n = SSL_read(ssl, buf, sizeof buf);
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_LE(n, 0);  // closed by the gateway, nothing answered
  EXPECT_GE(waited, std::chrono::milliseconds(1000));
  EXPECT_LT(waited, std::chrono::milliseconds(7000));  // well before our own 8 s receive timeout
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
}

TEST_F(GatewayTest, ClientsThatGoAwayMidRequestDoNotDisturbOthers) {
  // Gone while the function runs: the gateway's write fails, nothing else happens.
  Reply gone = call({.path = "/echo?hold=800", .timeout_ms = 200});
  EXPECT_NE(gone.code, CURLE_OK);
  // Gone in the middle of the body.
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_EQ(SSL_CTX_use_certificate_file(ctx, pki->good.cert.c_str(), SSL_FILETYPE_PEM), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey_file(ctx, pki->good.key.c_str(), SSL_FILETYPE_PEM), 1);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  ASSERT_EQ(SSL_connect(ssl), 1);
  const std::string partial =
      "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n0123456789";
  ASSERT_GT(SSL_write(ssl, partial.data(), static_cast<int>(partial.size())), 0);
  SSL_free(ssl);
  ::close(fd);  // no close_notify: an abrupt end
  SSL_CTX_free(ctx);
  // Garbage instead of TLS.
  int raw = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(raw, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const char junk[] = "GET / HTTP/1.1\r\n\r\n";
  ASSERT_GT(::send(raw, junk, sizeof junk - 1, 0), 0);
  ::close(raw);

  // This request outlasts the abandoned one (whose answer meets a closed connection meanwhile),
  // and is served.
  Reply ok = call({.path = "/echo?hold=900"});
  EXPECT_EQ(ok.status, 201) << ok.error;
  EXPECT_TRUE(gateway->running());
}

TEST_F(GatewayTest, OversizedBodyIs413WhileOthersAreServed) {
  auto slow = std::async(std::launch::async, [] { return call({.path = "/echo?hold=800"}); });
  Reply big = call({.method = "POST",
                    .path = "/echo",
                    .headers = {"Content-Type: application/json"},
                    .body = std::string(100000, 'x')});
  EXPECT_EQ(big.status, 413) << big.error;
  EXPECT_EQ(big.body, R"({"message":"Request Entity Too Large"})");
  EXPECT_EQ(slow.get().status, 201);
  // Exactly at the limit passes.
  Reply edge = call({.method = "POST",
                     .path = "/echo",
                     .headers = {"Content-Type: text/plain"},
                     .body = std::string(65536, 'y')});
  EXPECT_EQ(edge.status, 201);
}

TEST_F(GatewayTest, AccessLogHasOneLinePerRequestWithMtlsFields) {
  Reply r = call({.path = "/echo?log=1"});
  ASSERT_EQ(r.status, 201);
  std::string id = r.header("apigw-requestid");
  std::string text = read_file(dir->path / "logs" / "access.log");
  std::optional<json::value> line;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    auto v = core::parse_json(l);
    ASSERT_TRUE(v) << l;
    if (core::get_string(*v, "requestId") == id)
      line = v;
  }
  ASSERT_TRUE(line) << text;
  EXPECT_EQ(core::get_string(*line, "httpMethod"), "GET");
  EXPECT_EQ(core::get_string(*line, "routeKey"), "GET /echo");
  EXPECT_EQ(core::get_int(*line, "status"), 201);
  EXPECT_EQ(core::get_string(*line, "ip"), "127.0.0.1");
  EXPECT_EQ(core::get_int(*line, "responseLength"), static_cast<std::int64_t>(r.body.size()));
  EXPECT_TRUE(core::get_string(*line, "clientCertSerialNumber"));
  EXPECT_EQ(core::get_string(*line, "clientCertSubjectDN"), "CN=client-good");
  EXPECT_EQ(core::get_string(*line, "clientCertIssuerDN"), "CN=Gateway Test Intermediate");
  EXPECT_TRUE(core::get_string(*line, "clientCertNotAfter"));
  EXPECT_EQ(core::get_string(*line, "integrationError"), "-");
}

TEST_F(GatewayTest, ChildOutputIsPrefixedWithTheFunctionName) {
  ASSERT_EQ(call({.path = "/echo"}).status, 201);
  EXPECT_NE(log_text().find("[echo "), std::string::npos);
}

// A gateway of its own: SIGTERM must leave no function process behind.
TEST(GatewayLifecycle, SigtermStopsCleanlyAndLeavesNoChild) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  TempDir d;
  Pki p(d.path);
  auto listen = free_port();
  auto config = write_config(d.path, p, listen, "http://127.0.0.1:9");
  ChildProcess gw({bin("agm-gateway"), "--config", config}, {}, true,
                  (d.path / "gateway.log").string());
  ASSERT_TRUE(wait_for_port(listen, std::chrono::seconds(15)));
  std::set<int> pids;
  std::vector<std::future<Reply>> replies;
  for (int i = 0; i < 3; ++i) {
    replies.push_back(std::async(std::launch::async, [&] {
      return https(listen, p.server_ca, {.path = "/conc?hold=300", .client = &p.good});
    }));
  }
  for (auto& f : replies) {
    Reply r = f.get();
    ASSERT_EQ(r.status, 201) << r.body;
    pids.insert(std::stoi(r.header("x-fixture-pid")));
  }
  ASSERT_FALSE(pids.empty());
  for (int pid : pids)
    EXPECT_TRUE(pid_exists(pid));
  ASSERT_EQ(::kill(gw.pid(), SIGTERM), 0);
  auto status = gw.wait_for(std::chrono::seconds(10));
  ASSERT_TRUE(status) << "gateway did not stop on SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  for (int pid : pids)
    EXPECT_FALSE(pid_exists(pid)) << "function process " << pid << " survived";
  EXPECT_NE(read_file(d.path / "gateway.log").find("agm-gateway listening on https://127.0.0.1:"),
            std::string::npos);
}

TEST(GatewayLifecycle, BadConfigExitsNonZeroWithAMessage) {
  TempDir d;
  write_file(d.path / "bad.json", R"({"listen":{"port":1},"functions":{}})");
  ChildProcess gw({bin("agm-gateway"), "--config", (d.path / "bad.json").string()}, {}, true,
                  (d.path / "gateway.log").string());
  auto status = gw.wait_for(std::chrono::seconds(10));
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << *status;
  EXPECT_NE(read_file(d.path / "gateway.log").find("bad configuration: tls"), std::string::npos)
      << read_file(d.path / "gateway.log");

  write_file(d.path / "notjson.json", "{nope");
  ChildProcess gw2({bin("agm-gateway"), "--config", (d.path / "notjson.json").string()}, {}, true,
                   (d.path / "gateway2.log").string());
  auto status2 = gw2.wait_for(std::chrono::seconds(10));
  ASSERT_TRUE(status2);
  EXPECT_TRUE(WIFEXITED(*status2) && WEXITSTATUS(*status2) == 1);
}

// The route definition file (docs/contract.md section 9): an http route behind the authorizer is
// proxied with the route's path variable in the backend URL, the query string and the body as
// sent, and the identity headers from the authorizer's context.
TEST_F(GatewayTest, HttpRouteIsProxiedWithTheIdentityHeaders) {
  Reply r = call({.method = "GET",
                  .path = "/orders/42?x=1",
                  .headers = {"Authorization: allow", "X-Custom: kept"}});
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  ASSERT_EQ(r.status, 207) << r.body;  // the backend's own status and headers come back
  EXPECT_EQ(r.header("x-backend"), "yes");
  auto seen = core::parse_json(r.body);
  ASSERT_TRUE(seen) << r.body;
  EXPECT_EQ(core::get_string(*seen, "target"), "/v1/orders/42?x=1");
  EXPECT_EQ(core::get_string_path(*seen, {"headers", "x-custom"}), "kept");
  EXPECT_EQ(core::get_string_path(*seen, {"headers", "x-mtls-client-id"}), "fixture-client");
  EXPECT_EQ(core::get_string_path(*seen, {"headers", "host"}),
            "127.0.0.1:" + std::to_string(backend->port()));
  // The fixture authorizer's context has no thumbprint or scope: no such header is invented.
  EXPECT_EQ(core::find_path(*seen, {"headers", "x-mtls-cert-thumbprint"}), nullptr);
  // Without the authorizer's yes the backend is never called.
  const auto before = backend->requests().size();
  EXPECT_EQ(call({.path = "/orders/42", .headers = {"Authorization: deny"}}).status, 403);
  EXPECT_EQ(call({.path = "/orders/42"}).status, 401);
  EXPECT_EQ(backend->requests().size(), before);
}

TEST_F(GatewayTest, ClientSentIdentityHeadersNeverReachAnHttpBackend) {
  Reply r = call({.path = "/orders/7",
                  .headers = {"Authorization: allow", "X-Mtls-Client-Id: forged",
                              "x-mtls-client-id: forged-again", "X-MTLS-Cert-Thumbprint: forged",
                              "x-mtls-scope: mtls-api/admin"}});
  ASSERT_EQ(r.status, 207) << r.body;
  auto seen = core::parse_json(r.body);
  ASSERT_TRUE(seen) << r.body;
  EXPECT_EQ(core::get_string_path(*seen, {"headers", "x-mtls-client-id"}), "fixture-client");
  EXPECT_EQ(core::find_path(*seen, {"headers", "x-mtls-cert-thumbprint"}), nullptr) << r.body;
  EXPECT_EQ(core::find_path(*seen, {"headers", "x-mtls-scope"}), nullptr) << r.body;
  for (const auto& req : backend->requests()) {
    for (const auto& [k, v] : req.headers)
      EXPECT_EQ(v.find("forged"), std::string::npos) << k << ": " << v;
  }
}

TEST_F(GatewayTest, NoneRouteSkipsTheAuthorizerAndCarriesNoIdentity) {
  Reply r = call({.method = "POST",
                  .path = "/open/a/b%20c?q=1",
                  .headers = {"Content-Type: text/plain", "x-mtls-client-id: forged"},
                  .body = std::string("hello")});
  ASSERT_EQ(r.status, 207) << r.body;
  auto seen = core::parse_json(r.body);
  ASSERT_TRUE(seen) << r.body;
  EXPECT_EQ(core::get_string(*seen, "method"), "POST");
  EXPECT_EQ(core::get_string(*seen, "target"), "/o/a/b%20c?q=1");
  EXPECT_EQ(core::get_string(*seen, "body"), "hello");
  EXPECT_EQ(core::find_path(*seen, {"headers", "x-mtls-client-id"}), nullptr) << r.body;
  // Still behind mTLS: an untrusted certificate gets the gateway's 403, the backend nothing.
  EXPECT_TRUE(call({.path = "/open/x", .client = &pki->other_ca}).forbidden_by_the_gateway());
}

TEST_F(GatewayTest, HttpBackendPastTheRouteTimeoutIs504) {
  const auto start = std::chrono::steady_clock::now();
  Reply r = call({.path = "/slow"});  // timeout_ms 500; the backend answers after 5 s
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_EQ(r.body, R"({"message":"Gateway Timeout"})");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST_F(GatewayTest, FunctionRouteOfTheDefinitionRunsThroughTheRuntimeApi) {
  Reply r = call({.path = "/team-fn", .headers = {"Authorization: allow"}});
  ASSERT_EQ(r.status, 201) << r.body;
  json::value ev = event_of(r);
  EXPECT_EQ(core::get_string(ev, "routeKey"), "GET /team-fn");
  EXPECT_EQ(core::get_string_path(ev, {"requestContext", "authorizer", "lambda", "client_id"}),
            "fixture-client");
  EXPECT_EQ(call({.path = "/team-fn", .headers = {"Authorization: deny"}}).status, 403);
}

// A route definition the gateway cannot serve stops it before it listens: exit 1 and one line
// naming the route and the field, never a crash.
TEST(GatewayLifecycle, BadRouteDefinitionExits1NamingTheProblem) {
  TempDir d;
  const std::string http = R"({"type":"http","url":"http://127.0.0.1:9/x"})";
  const std::pair<std::string, std::string> cases[] = {
      {"{nope", "is not valid JSON"},
      {R"({"routes":{"GET /x":{"integration":)" + http + R"(,"scopes":["orders.write"]}}})",
       R"(routes["GET /x"].scopes: names scope "orders.write", which "scopes" does not define)"},
      {R"({"routes":{"GET /x":{"integration":{"type":"grpc"},"scopes":["health.read"]}}})",
       R"(unknown integration type "grpc")"},
      {R"({"routes":{"GET /x":{"integration":{"type":"lambda","function_arn":"arn"}}}})",
       R"(the local stack has no "lambda" integration)"},
      {R"({"routes":{"GET /x":{"integration":{"type":"http","url":"https://h/x"},"scopes":["health.read"]}}})",
       "must be an http:// URL"},
      {R"({"routes":{"GET /x":{"integration":{"type":"function","binary":"no/such/program"},"scopes":["health.read"]}}})",
       "no executable program at"},
      {R"({"routes":{"POST /echo":{"integration":)" + http + R"(,"authorization":"none"}}})",
       "is built in and cannot be redefined"},
      {R"({"routes":{"GET x":{"integration":)" + http + R"(,"authorization":"none"}}})",
       "the route key must be"},
      {R"({"routes":{"GET /x/{p+}/y":{"integration":)" + http + R"(,"authorization":"none"}}})",
       "the route key must be"},
      {R"({"routes":{"GET /x":{"integration":)" + http + R"(}}})", "names at least one scope"},
      {R"({"routes":{"GET /x":{"integration":)" + http +
           R"(,"authorization":"open","scopes":[]}}})",
       "must be \"mtls\" or \"none\""},
      {R"({"scopes":{},"routes":{},"region":"x"})", "is not part of the route definition"},
  };
  int n = 0;
  for (const auto& [file, message] : cases) {
    const auto dir = d.path / std::to_string(++n);
    fs::create_directories(dir);
    write_file(dir / "routes.tfvars.json", file);
    json::object config{
        {"tls", json::object{{"cert", "c.pem"}, {"key", "k.pem"}, {"truststore", "t.pem"}}},
        {"functions", json::object{{"echo", json::object{{"command", json::array{"/bin/true"}}}},
                                   {"authz", json::object{{"command", json::array{"/bin/true"}}}}}},
        {"routes", json::array{json::object{{"route_key", "POST /echo"}, {"function", "echo"}}}},
        {"authorizers", json::object{{"mtls", json::object{{"function", "authz"}}}}},
        {"route_definition", json::object{{"file", "routes.tfvars.json"}}}};
    write_file(dir / "gateway.json", json::serialize(config));
    ChildProcess gw({bin("agm-gateway"), "--config", (dir / "gateway.json").string()}, {}, true,
                    (dir / "gateway.log").string());
    auto status = gw.wait_for(std::chrono::seconds(10));
    ASSERT_TRUE(status) << file;
    const std::string log = read_file(dir / "gateway.log");
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << *status << " " << file;
    EXPECT_NE(log.find("agm-gateway: bad configuration: "), std::string::npos) << log;
    EXPECT_NE(log.find(message), std::string::npos) << file << "\n" << log;
  }
}

}  // namespace
}  // namespace agm::test
