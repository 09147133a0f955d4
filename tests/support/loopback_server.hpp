#pragma once
// A small HTTP/1.1 server on 127.0.0.1 (ephemeral port) for tests that need a real peer: a Runtime
// API, a JWKS endpoint, a token endpoint, a flaky AWS endpoint. Keep-alive is supported; every
// request is recorded. The handler runs on the server's threads (one per connection).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace agm::test {

struct HttpRequest {
  std::string method;
  std::string target;                          // path and query as sent
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // sleep before answering (timeouts, long polls)
  bool close_connection = false;       // drop the connection without answering
};

class LoopbackServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  explicit LoopbackServer(Handler handler);
  ~LoopbackServer();  // stops accepting, closes connections, joins threads
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] std::string url() const;  // "http://127.0.0.1:PORT"
  [[nodiscard]] std::vector<HttpRequest> requests() const;
  [[nodiscard]] std::size_t connections_accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agm::test
