// HttpClient through an HTTPS proxy (HttpOptions::https_proxy, what mtlsctl sets from
// HTTPS_PROXY): a CONNECT tunnel to a real TLS server (`openssl s_server`, certificate made here by
// `openssl req`), TLS end to end with the host checked, NO_PROXY going direct, a refused CONNECT
// and an unusable proxy URL as clear errors.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/http.hpp"
#include "support/process.hpp"

namespace agm::net {
namespace {

using std::chrono::milliseconds;

// A minimal CONNECT proxy on 127.0.0.1: one tunnel at a time, to 127.0.0.1 only, recording each
// CONNECT line; `refuse` answers 403 instead. Written here: no Debian package is a proxy a test
// can start and stop in-process.
class ConnectProxy {
 public:
  ConnectProxy() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listener_, 4) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("proxy: cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~ConnectProxy() {
    stop_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> connects() {
    const std::lock_guard lock(m_);
    return connects_;
  }
  std::atomic<bool> refuse{false};

 private:
  void accept_loop() {
    while (!stop_) {
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) {
        return;
      }
      serve(client);
      ::close(client);
    }
  }

  void serve(int client) {
    std::string head;
    std::array<char, 4096> buf{};
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192) {
      const ssize_t n = ::recv(client, buf.data(), buf.size(), 0);
      if (n <= 0) {
        return;
      }
      head.append(buf.data(), static_cast<std::size_t>(n));
    }
    const std::string line = head.substr(0, head.find("\r\n"));
    {
      const std::lock_guard lock(m_);
      connects_.push_back(line);
    }
    const auto colon = line.rfind(':');
    const auto space = line.rfind(' ');
    if (refuse || line.rfind("CONNECT 127.0.0.1:", 0) != 0 || colon == std::string::npos) {
      send_all(client, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1, space))));
    if (::connect(upstream, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
      send_all(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
      ::close(upstream);
      return;
    }
    send_all(client, "HTTP/1.1 200 Connection established\r\n\r\n");
    pump(client, upstream);
    ::close(upstream);
  }

  static void send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        return;
      }
      sent += static_cast<std::size_t>(n);
    }
  }

  // Bytes both ways until either side closes.
  static void pump(int a, int b) {
    std::array<pollfd, 2> fds{{{a, POLLIN, 0}, {b, POLLIN, 0}}};
    std::array<char, 16384> buf{};
    while (::poll(fds.data(), fds.size(), 5000) > 0) {
      for (std::size_t i = 0; i < 2; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP)) == 0) {
          continue;
        }
        const ssize_t n = ::recv(fds[i].fd, buf.data(), buf.size(), 0);
        if (n <= 0) {
          return;
        }
        send_all(fds[1 - i].fd, std::string(buf.data(), static_cast<std::size_t>(n)));
      }
    }
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex m_;
  std::vector<std::string> connects_;
};

class HttpsProxy : public ::testing::Test {
 protected:
  void SetUp() override {
    // A directory per test: HttpClient keeps one TLS context per CA file path per process.
    dir_ = std::filesystem::temp_directory_path() /
           ("https-proxy-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    cert_ = (dir_ / "server.pem").string();
    const std::string key = (dir_ / "server.key").string();
    test::ChildProcess req(
        {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
         "-keyout", key, "-out", cert_},
        {}, true, (dir_ / "req.log").string());
    const auto made = req.wait_for(milliseconds(30000));
    ASSERT_TRUE(made && WIFEXITED(*made) && WEXITSTATUS(*made) == 0);
    port_ = test::free_port();
    server_ = std::make_unique<test::ChildProcess>(
        std::vector<std::string>{"openssl", "s_server", "-accept",
                                 "127.0.0.1:" + std::to_string(port_), "-cert", cert_, "-key", key,
                                 "-www", "-quiet"},
        std::map<std::string, std::string>{}, true, (dir_ / "server.log").string());
    ASSERT_TRUE(test::wait_for_port(port_, milliseconds(15000)));
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  HttpResponse get(const HttpOptions& o) {
    HttpClient client(o);
    return client.send({"GET", "https://127.0.0.1:" + std::to_string(port_) + "/", {}, ""});
  }
  HttpOptions options(const std::string& proxy) const {
    HttpOptions o;
    o.ca_file = cert_;
    o.https_proxy = proxy;
    return o;
  }

  std::filesystem::path dir_;
  std::string cert_;
  std::uint16_t port_ = 0;
  std::unique_ptr<test::ChildProcess> server_;
};

TEST_F(HttpsProxy, TunnelsTlsThroughConnectWithTheHostStillChecked) {
  ConnectProxy proxy;
  const auto r = get(options(proxy.url()));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("s_server"), std::string::npos) << r.body;
  ASSERT_EQ(proxy.connects().size(), 1U);
  EXPECT_EQ(proxy.connects()[0], "CONNECT 127.0.0.1:" + std::to_string(port_) + " HTTP/1.1");
  // TLS is end to end: without the server's certificate as CA, the handshake fails even
  // through the tunnel.
  HttpOptions untrusted = options(proxy.url());
  untrusted.ca_file.clear();
  try {
    (void)get(untrusted);
    ADD_FAILURE() << "an untrusted server certificate was accepted";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.errc(), TransportErrc::kTls) << e.what();
  }
}

TEST_F(HttpsProxy, NoProxyHostsGoDirect) {
  ConnectProxy proxy;
  for (const std::string no_proxy : {"127.0.0.1", "example.com, 127.0.0.1", "*"}) {
    HttpOptions o = options(proxy.url());
    o.no_proxy = no_proxy;
    EXPECT_EQ(get(o).status, 200) << no_proxy;
  }
  EXPECT_TRUE(proxy.connects().empty());
  HttpOptions o = options(proxy.url());
  o.no_proxy = "27.0.0.1,other.test";  // not on a label boundary: through the proxy
  EXPECT_EQ(get(o).status, 200);
  EXPECT_EQ(proxy.connects().size(), 1U);
}

TEST_F(HttpsProxy, ARefusedConnectOrAnUnusableProxyIsAClearError) {
  ConnectProxy proxy;
  proxy.refuse = true;
  try {
    (void)get(options(proxy.url()));
    ADD_FAILURE() << "the proxy refused";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.errc(), TransportErrc::kConnect);
    EXPECT_NE(std::string(e.what()).find("refused CONNECT 127.0.0.1:"), std::string::npos)
        << e.what();
  }
  for (const std::string bad : {"https://127.0.0.1:1", "http://user:pw@127.0.0.1:1", "proxy"}) {
    try {
      (void)get(options(bad));
      ADD_FAILURE() << bad;
    } catch (const TransportError& e) {
      EXPECT_EQ(e.errc(), TransportErrc::kInvalidRequest) << bad << ": " << e.what();
    }
  }
}

}  // namespace
}  // namespace agm::net
