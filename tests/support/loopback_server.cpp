#include "support/loopback_server.hpp"

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <thread>

#include "core/encoding.hpp"

namespace agm::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct LoopbackServer::Impl {
  Handler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::thread accept_thread;
  mutable std::mutex mutex;
  std::vector<HttpRequest> requests;
  std::vector<std::thread> connection_threads;
  std::vector<int> open_fds;
  std::size_t accepted = 0;
  bool stopping = false;

  void serve(tcp::socket socket) {
    const int fd = socket.native_handle();
    beast::flat_buffer buffer;
    beast::error_code ec;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64U * 1024U * 1024U);
      parser.header_limit(1024U * 1024U);
      http::read(socket, buffer, parser, ec);
      if (ec)
        break;
      const auto& req = parser.get();
      HttpRequest r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      for (const auto& f : req) {
        const std::string name = core::to_lower(f.name_string());
        auto [it, inserted] = r.headers.emplace(name, std::string(f.value()));
        if (!inserted)
          it->second += "," + std::string(f.value());
      }
      r.body = req.body();
      {
        const std::lock_guard<std::mutex> lock(mutex);
        requests.push_back(r);
      }
      HttpResponse resp;
      try {
        resp = handler(r);
      } catch (const std::exception& e) {
        resp.status = 599;
        resp.body = e.what();
      }
      if (resp.delay.count() > 0)
        std::this_thread::sleep_for(resp.delay);
      if (resp.close_connection)
        break;
      http::response<http::string_body> res{static_cast<http::status>(resp.status), req.version()};
      for (const auto& [k, v] : resp.headers)
        res.set(k, v);
      if (resp.headers.find("content-type") == resp.headers.end() &&
          resp.headers.find("Content-Type") == resp.headers.end()) {
        res.set(http::field::content_type, "application/json");
      }
      res.body() = resp.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(socket, res, ec);
      if (ec || !req.keep_alive())
        break;
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    const std::lock_guard<std::mutex> lock(mutex);
    std::erase(open_fds, fd);
  }
};

LoopbackServer::LoopbackServer(Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->accept_thread = std::thread([impl = impl_.get()] {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket(impl->ioc);
      impl->acceptor.accept(socket, ec);
      const std::lock_guard<std::mutex> lock(impl->mutex);
      if (impl->stopping)
        return;
      if (ec)
        continue;
      ++impl->accepted;
      impl->open_fds.push_back(socket.native_handle());
      impl->connection_threads.emplace_back(
          [impl, s = std::move(socket)]() mutable { impl->serve(std::move(s)); });
    }
  });
}

LoopbackServer::~LoopbackServer() {
  {
    const std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
    ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
    for (const int fd : impl_->open_fds)
      ::shutdown(fd, SHUT_RDWR);
  }
  impl_->accept_thread.join();
  for (auto& t : impl_->connection_threads)
    t.join();
}

std::uint16_t LoopbackServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

std::string LoopbackServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

std::vector<HttpRequest> LoopbackServer::requests() const {
  const std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->requests;
}

std::size_t LoopbackServer::connections_accepted() const {
  const std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->accepted;
}

}  // namespace agm::test
