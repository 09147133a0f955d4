// HttpClient against a real HTTP/1.1 peer (agm::test::LoopbackServer on 127.0.0.1).
#include <gtest/gtest.h>

#include <chrono>

#include "aws/http.hpp"
#include "support/loopback_server.hpp"
#include "support/process.hpp"

namespace agm::aws {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(HttpClient, SendsMethodHeadersBodyAndReadsTheAnswer) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest& r) {
    agm::test::HttpResponse resp;
    resp.status = 201;
    resp.headers["X-Echo-Method"] = r.method;
    resp.headers["X-Amzn-RequestId"] = "req-1";
    resp.body = "got:" + r.body;
    return resp;
  });
  HttpClient client;
  HttpRequest req;
  req.method = "POST";
  req.url = server.url() + "/path?q=1";
  req.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Custom", "v"}};
  req.body = R"({"a":1})";
  const HttpResponse resp = client.send(req);
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(resp.body, R"(got:{"a":1})");
  EXPECT_EQ(resp.header("x-echo-method"), "POST");
  EXPECT_EQ(resp.header("x-amzn-requestid"), "req-1");
  EXPECT_FALSE(resp.header("X-Echo-Method").has_value());  // lookups are by lower-case name
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].target, "/path?q=1");
  EXPECT_EQ(seen[0].headers.at("content-type"), "application/x-amz-json-1.0");
  EXPECT_EQ(seen[0].headers.at("x-custom"), "v");
  EXPECT_EQ(seen[0].headers.count("expect"), 0U);
}

TEST(HttpClient, ReusesOneConnectionAcrossRequests) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest& r) {
    agm::test::HttpResponse resp;
    resp.body = r.method;
    return resp;
  });
  HttpClient client;
  for (const char* method : {"GET", "PUT", "POST", "GET"}) {
    HttpRequest req;
    req.method = method;
    req.url = server.url() + "/";
    req.body = std::string(method) == "GET" ? "" : "x";
    EXPECT_EQ(client.send(req).body, method);
  }
  EXPECT_EQ(server.requests().size(), 4U);
  EXPECT_EQ(server.connections_accepted(), 1U);
}

TEST(HttpClient, ErrorStatusIsAResponseNotAnException) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest&) {
    agm::test::HttpResponse resp;
    resp.status = 500;
    resp.body = "boom";
    return resp;
  });
  HttpClient client;
  HttpRequest req;
  req.url = server.url() + "/";
  const HttpResponse resp = client.send(req);
  EXPECT_EQ(resp.status, 500);
  EXPECT_EQ(resp.body, "boom");
}

TEST(HttpClient, SlowServerTimesOut) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest&) {
    agm::test::HttpResponse resp;
    resp.delay = milliseconds(800);
    return resp;
  });
  HttpClient client;
  HttpRequest req;
  req.url = server.url() + "/slow";
  const auto start = Clock::now();
  try {
    (void)client.send(req, milliseconds(200));
    FAIL() << "expected a timeout";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.code(), "Timeout");
    EXPECT_NE(std::string(e.what()).find(server.url() + "/slow"), std::string::npos) << e.what();
  }
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(150));
  EXPECT_LT(elapsed, milliseconds(650));
}

TEST(HttpClient, DefaultTimeoutFromOptions) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest&) {
    agm::test::HttpResponse resp;
    resp.delay = milliseconds(800);
    return resp;
  });
  HttpOptions options;
  options.timeout = milliseconds(150);
  HttpClient client(options);
  HttpRequest req;
  req.url = server.url() + "/";
  const auto start = Clock::now();
  EXPECT_THROW((void)client.send(req), TransportError);
  EXPECT_LT(Clock::now() - start, milliseconds(650));
}

TEST(HttpClient, OversizedResponseIsRefused) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest&) {
    agm::test::HttpResponse resp;
    resp.body = std::string(10000, 'x');
    return resp;
  });
  HttpOptions options;
  options.max_response_bytes = 1000;
  HttpClient client(options);
  HttpRequest req;
  req.url = server.url() + "/";
  try {
    (void)client.send(req);
    FAIL() << "expected ResponseTooLarge";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.code(), "ResponseTooLarge");
  }
}

TEST(HttpClient, ClosedPortIsConnectError) {
  const std::uint16_t port = agm::test::free_port();  // nothing listens there
  HttpClient client;
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  try {
    (void)client.send(req);
    FAIL() << "expected ConnectError";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.code(), "ConnectError");
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos);
  }
}

TEST(HttpClient, DroppedConnectionIsATransportError) {
  agm::test::LoopbackServer server([](const agm::test::HttpRequest&) {
    agm::test::HttpResponse resp;
    resp.close_connection = true;
    return resp;
  });
  HttpClient client;
  HttpRequest req;
  req.url = server.url() + "/";
  EXPECT_THROW((void)client.send(req), TransportError);
}

TEST(HttpClient, HeaderInjectionAndBadUrlsAreRefused) {
  HttpClient client;
  HttpRequest req;
  req.url = "http://127.0.0.1:1/";
  req.headers = {{"X-Test", "a\r\nInjected: yes"}};
  try {
    (void)client.send(req);
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.code(), "InvalidRequest");
  }
  HttpRequest bad;
  bad.url = "ftp://127.0.0.1/";
  try {
    (void)client.send(bad);
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.code(), "InvalidRequest");
  }
}

TEST(HttpClient, TlsFailuresAreTlsErrorsAndNotSentInClear) {
  agm::test::LoopbackServer server(
      [](const agm::test::HttpRequest&) { return agm::test::HttpResponse{}; });
  // https:// to a plain-HTTP peer: the handshake fails; nothing may be sent unencrypted.
  HttpClient client;
  HttpRequest req;
  req.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  try {
    (void)client.send(req, milliseconds(2000));
    FAIL() << "expected TlsError";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.code(), "TlsError") << e.what();
  }
  HttpOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  HttpClient strict(options);
  try {
    (void)strict.send(req, milliseconds(2000));
    FAIL() << "expected TlsError";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.code(), "TlsError") << e.what();
  }
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace agm::aws
