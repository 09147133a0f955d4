// The pure parts of the gateway: config and routes parsing, route matching, payload 2.0 events,
// the authorizer's simple response and the response mapping.
#include <gtest/gtest.h>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "gateway_harness.hpp"
#include "local/gateway/config.hpp"
#include "local/gateway/events.hpp"
#include "local/gateway/http_proxy.hpp"
#include "local/gateway/route_definition.hpp"

namespace agm::local {
namespace {

namespace json = boost::json;

GatewayConfig with_functions(std::initializer_list<const char*> names) {
  GatewayConfig c;
  for (const char* n : names) {
    FunctionConfig f;
    f.name = n;
    f.command = {"/bin/true"};
    c.functions[n] = f;
  }
  return c;
}

TEST(GatewayRoutes, RoutesNamingUnknownFunctionsAreRefused) {
  GatewayConfig c = with_functions({"token"});
  EXPECT_THROW(parse_routes(R"({"routes":[{"route_key":"GET /x","function":"nope"}]})", c),
               core::ConfigError);
  EXPECT_THROW(parse_routes(R"({"routes":[{"route_key":"GET x","function":"token"}]})", c),
               core::ConfigError);
  EXPECT_THROW(parse_routes(R"({"routes":[{"route_key":"GET /x","function":"token",
                               "authorizer":"missing"}]})",
                            c),
               core::ConfigError);
  EXPECT_THROW(parse_routes("not json", c), core::ConfigError);
}

TEST(GatewayRoutes, MostSpecificRouteWins) {
  GatewayConfig c = with_functions({"a", "b", "c", "d", "e"});
  parse_routes(R"({"routes":[
      {"route_key":"$default","function":"e"},
      {"route_key":"ANY /items/{id}","function":"d"},
      {"route_key":"GET /items/{id}","function":"b"},
      {"route_key":"GET /items/special","function":"a"},
      {"route_key":"GET /files/{path+}","function":"c"}]})",
               c);
  EXPECT_EQ(match_route(c.routes, "GET", "/items/special")->route->function, "a");
  auto m = match_route(c.routes, "GET", "/items/7");
  EXPECT_EQ(m->route->function, "b");
  EXPECT_EQ(m->path_parameters.at("id"), "7");
  EXPECT_EQ(match_route(c.routes, "PUT", "/items/7")->route->function, "d");
  auto greedy = match_route(c.routes, "GET", "/files/a/b/c");
  EXPECT_EQ(greedy->route->function, "c");
  EXPECT_EQ(greedy->path_parameters.at("path"), "a/b/c");
  EXPECT_EQ(match_route(c.routes, "GET", "/elsewhere")->route->function, "e");
  EXPECT_EQ(match_route(c.routes, "GET", "/items/")->route->function, "e");
}

TEST(GatewayEvents, StructuredResponseMapping) {
  auto r = map_integration_response(
      R"({"statusCode":418,"headers":{"x-a":"1","x-n":2},"cookies":["s=1"],"body":"hi"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 418);
  EXPECT_EQ(r->body, "hi");
  using H = std::pair<std::string, std::string>;
  EXPECT_NE(std::find(r->headers.begin(), r->headers.end(), H{"x-n", "2"}), r->headers.end());
  EXPECT_NE(std::find(r->headers.begin(), r->headers.end(), H{"set-cookie", "s=1"}),
            r->headers.end());
  auto b64 = map_integration_response(R"({"statusCode":200,"body":"aGk=","isBase64Encoded":true})");
  ASSERT_TRUE(b64);
  EXPECT_EQ(b64->body, "hi");
}

TEST(GatewayEvents, UnstructuredResponsesBecome200Json) {
  for (const char* payload : {R"("just text")", "42", R"({"a":1})", "[1,2]"}) {
    auto r = map_integration_response(payload);
    ASSERT_TRUE(r) << payload;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, payload);
    EXPECT_EQ(r->headers.at(0).second, "application/json");
  }
}

TEST(GatewayEvents, InvalidResponsesAreRefused) {
  for (const char* payload :
       {"not json", R"({"statusCode":"200"})", R"({"statusCode":99})", R"({"statusCode":600})",
        R"({"statusCode":200,"headers":[]})", R"({"statusCode":200,"cookies":[1]})",
        R"({"statusCode":200,"body":"%%%","isBase64Encoded":true})"}) {
    EXPECT_FALSE(map_integration_response(payload)) << payload;
  }
}

TEST(GatewayEvents, SimpleAuthorizerResponses) {
  auto allow = parse_simple_response(R"({"isAuthorized":true,"context":{"k":"v"}})");
  ASSERT_TRUE(allow);
  EXPECT_TRUE(allow->authorized);
  EXPECT_EQ(json::serialize(allow->context), R"({"k":"v"})");
  auto deny = parse_simple_response(R"({"isAuthorized":false})");
  ASSERT_TRUE(deny);
  EXPECT_FALSE(deny->authorized);
  // Fail closed: anything that is not a clear decision is invalid (the gateway answers 500).
  for (const char* bad :
       {R"({"isAuthorized":"true"})", R"({})", "true", "nope",
        R"({"isAuthorized":true,"context":"x"})", R"({"principalId":"x","policyDocument":{}})"}) {
    EXPECT_FALSE(parse_simple_response(bad)) << bad;
  }
}

TEST(GatewayEvents, IdentitySourcesMissingOrEmptyAreNone) {
  AuthorizerConfig auth;
  auth.identity_sources = {"$request.header.Authorization", "$request.querystring.k"};
  auto req = [](const char* target, std::vector<std::pair<std::string, std::string>> headers) {
    return parse_request("GET", target, std::move(headers));
  };
  auto ids = identity_source_values(auth, req("/x?k=v%201", {{"AUTHORIZATION", "Bearer t"}}));
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{"Bearer t", "v 1"}));
  EXPECT_FALSE(identity_source_values(auth, req("/x", {{"AUTHORIZATION", "Bearer t"}})));
  EXPECT_FALSE(identity_source_values(auth, req("/x?k=1", {{"authorization", "  "}})));
  // Repeated empty headers are still no identity source (they must not join to ",").
  EXPECT_FALSE(
      identity_source_values(auth, req("/x?k=1", {{"authorization", ""}, {"Authorization", " "}})));
  auto one =
      identity_source_values(auth, req("/x?k=1", {{"authorization", ""}, {"Authorization", "t"}}));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->front(), "t");
  EXPECT_FALSE(identity_source_values(
      auth, req("/x?k=&k=", {{"authorization", ""}, {"Authorization", "t"}})));
}

TEST(GatewayEvents, AuthorizerEventShape) {
  GatewayConfig c = with_functions({"f"});
  parse_routes(R"({"routes":[{"route_key":"GET /health","function":"f"}]})", c);
  GatewayRequest req =
      parse_request("GET", "/health?a=b", {{"Authorization", "Bearer x"}}, "ignored");
  req.protocol = "HTTP/1.1";
  req.source_ip = "127.0.0.1";
  req.request_id = "rid";
  req.time = core::from_epoch_seconds(1700000000);
  auto m = match_route(c.routes, "GET", "/health");
  ApiInfo api;
  api.api_id = "abc";
  api.account_id = "123456789012";
  api.region = "eu-west-1";
  api.stage = "prod";
  auto ev = json::value(build_authorizer_event(req, api, *m, {"Bearer x"}));
  EXPECT_EQ(core::get_string(ev, "type"), "REQUEST");
  EXPECT_EQ(core::get_string(ev, "routeArn"),
            "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/health");
  EXPECT_EQ(json::serialize(*core::find(ev, "identitySource")), R"(["Bearer x"])");
  EXPECT_EQ(core::find(ev, "body"), nullptr);  // authorizers do not get the body
  EXPECT_EQ(core::get_string_path(ev, {"requestContext", "time"}), "14/Nov/2023:22:13:20 +0000");
  EXPECT_EQ(core::get_int(*core::find(ev, "requestContext"), "timeEpoch"), 1700000000000LL);
}

TEST(GatewayEvents, CertificateTimesUseOpenSslForm) {
  EXPECT_EQ(format_cert_time(core::from_epoch_seconds(1559046602)), "May 28 12:30:02 2019 GMT");
  EXPECT_EQ(format_cert_time(core::from_epoch_seconds(1628156164)), "Aug  5 09:36:04 2021 GMT");
  EXPECT_FALSE(client_cert_info("not a certificate"));
}

TEST(GatewayProxy, HttpUrlsOfTheRouteDefinition) {
  auto b = parse_http_url("http://127.0.0.1:9100/v1/orders/{id}?src=gw");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "127.0.0.1");
  EXPECT_EQ(b->port, "9100");
  EXPECT_EQ(b->path, "/v1/orders/{id}");
  EXPECT_EQ(b->query, "src=gw");
  auto plain = parse_http_url("http://backend");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->port, "80");
  EXPECT_EQ(plain->path, "/");
  for (const char* bad : {"https://h/x", "ftp://h", "http://", "http://h:0/", "http://h:99999/",
                          "http://u@h/", "http://h:x/", "h/x"}) {
    EXPECT_FALSE(parse_http_url(bad)) << bad;
  }
}

// The backend's target: path variables into the URL, the full request path for $default, the
// URL's query then the client's.
TEST(GatewayProxy, TargetsFollowTheIntegrationUrl) {
  GatewayConfig c;
  for (const char* key : {"GET /orders/{id}", "ANY /files/{proxy+}", "$default", "GET /plain"}) {
    RouteConfig r;
    r.route_key = key;
    ASSERT_TRUE(split_route_key(r));
    c.routes.push_back(r);
  }
  auto target = [&](const char* method, const char* path_and_query, const char* url) {
    GatewayRequest req = parse_request(method, path_and_query, {});
    auto m = match_route(c.routes, req.method, req.raw_path);
    EXPECT_TRUE(m) << path_and_query;
    return m ? proxy_target(req, *m, *parse_http_url(url)) : std::string();
  };
  EXPECT_EQ(target("GET", "/orders/42?x=1", "http://h/v1/orders/{id}?k=v"),
            "/v1/orders/42?k=v&x=1");
  EXPECT_EQ(target("PUT", "/files/a/b%20c", "http://h/store/{proxy}"), "/store/a/b%20c");
  EXPECT_EQ(target("GET", "/store/checkout", "http://h"), "/store/checkout");
  EXPECT_EQ(target("GET", "/store/checkout", "http://h/base/"), "/base/store/checkout");
  EXPECT_EQ(target("GET", "/plain?q", "http://h/elsewhere"), "/elsewhere?q");
}

// Client-sent identity headers are removed whatever their case; the authorizer's context sets
// them on an mtls route; a none route carries none; hop-by-hop headers do not cross.
TEST(GatewayProxy, IdentityHeadersComeOnlyFromTheAuthorizer) {
  GatewayConfig c;
  RouteConfig r;
  r.route_key = "GET /o";
  split_route_key(r);
  c.routes.push_back(r);
  GatewayRequest req = parse_request("GET", "/o",
                                     {{"X-MTLS-CLIENT-ID", "forged"},
                                      {"x-mtls-scope", "forged"},
                                      {"Connection", "close"},
                                      {"X-Other", "kept"},
                                      {"Host", "client"}});
  req.source_ip = "10.0.0.1";
  auto m = match_route(c.routes, "GET", "/o");
  ASSERT_TRUE(m);
  const auto backend = *parse_http_url("http://127.0.0.1:9100/o");
  const json::object ctx{{"client_id", "c1"},
                         {"cert_thumbprint", "ab"},
                         {"scope", "mtls-api/s"},
                         {"cert_not_after", "2030-01-01T00:00:00Z"}};
  auto with = build_proxy_request(req, *m, backend, ctx).message;
  EXPECT_EQ(with["x-mtls-client-id"], "c1");
  EXPECT_EQ(with["x-mtls-cert-thumbprint"], "ab");
  EXPECT_EQ(with["x-mtls-scope"], "mtls-api/s");
  EXPECT_EQ(with["x-other"], "kept");
  EXPECT_EQ(with["host"], "127.0.0.1:9100");
  EXPECT_EQ(with.count("connection"), 0U);
  EXPECT_EQ(with.count("x-mtls-client-id"), 1U);
  auto without = build_proxy_request(req, *m, backend, std::nullopt).message;
  for (const char* h : {"x-mtls-client-id", "x-mtls-cert-thumbprint", "x-mtls-scope"})
    EXPECT_EQ(without.count(h), 0U) << h;
}

}  // namespace
}  // namespace agm::local
