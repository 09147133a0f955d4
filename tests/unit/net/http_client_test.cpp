// HttpClient against a real HTTP/1.1 peer (agm::test::LoopbackServer on 127.0.0.1).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "net/http.hpp"
#include "support/loopback_server.hpp"
#include "support/process.hpp"

namespace agm::net {
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

// A peer that answers one request per connection with keep-alive, then closes the connection
// silently: what a server's idle timeout does to a kept-alive connection between invocations.
class ClosesAfterEachAnswer {
 public:
  ClosesAfterEachAnswer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    auto* any = reinterpret_cast<sockaddr*>(&addr);
    if (::bind(listener_, any, len) != 0 || ::listen(listener_, 8) != 0 ||
        ::getsockname(listener_, any, &len) != 0) {
      throw std::runtime_error("cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int fd = ::accept(listener_, nullptr, nullptr);
        if (fd < 0)
          return;
        ++accepted_;
        std::string request;
        char buf[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
          const ssize_t n = ::read(fd, buf, sizeof(buf));
          if (n <= 0)
            break;
          request.append(buf, static_cast<std::size_t>(n));
        }
        const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        (void)!::write(fd, answer.data(), answer.size());
        ::close(fd);
      }
    });
  }
  ~ClosesAfterEachAnswer() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  ClosesAfterEachAnswer(const ClosesAfterEachAnswer&) = delete;
  ClosesAfterEachAnswer& operator=(const ClosesAfterEachAnswer&) = delete;
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int accepted() const { return accepted_.load(); }

 private:
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

TEST(HttpClient, AKeptAliveConnectionThePeerClosedIsReplacedOnce) {
  ClosesAfterEachAnswer server;
  HttpClient client;
  HttpRequest req;
  req.method = "POST";
  req.url = server.url() + "/";
  req.body = "{}";
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(milliseconds(20));  // let the close reach us while idle
    const HttpResponse resp = client.send(req);
    EXPECT_EQ(resp.status, 200);
    EXPECT_EQ(resp.body, "ok");
  }
  // One connection per request, each request sent exactly once.
  EXPECT_EQ(server.accepted(), 3);
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
}  // namespace agm::net
