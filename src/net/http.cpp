#include "net/http.hpp"

// Why not libcurl: it was the first client here, and it made every function's cold start pay for
// 35 shared libraries (LDAP, Kerberos, GnuTLS, RTMP, SSH, ...) that an AWS JSON call never uses:
// 6 ms of dynamic linking and 11.6 of 13.2 MB resident (bench/results/profile_cold_start.txt).
// Boost.Beast over Asio and OpenSSL needs nothing the functions do not already link, and links
// statically. What we give up is libcurl's proxy support: none is configured for Lambda, and
// HTTPS_PROXY is not honoured (docs/deploy.md).
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <map>
#include <mutex>
#include <utility>

#include "core/encoding.hpp"
#include "net/url.hpp"

namespace agm::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxHeaderBytes = std::size_t{64} * 1024;

bool has_crlf(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

bool has_space_or_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

std::string without_query(const std::string& url) {
  return url.substr(0, url.find('?'));
}

// Where a request goes: scheme, host (brackets removed from an IPv6 literal), port, the request
// target, and the Host header value.
struct Target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
  std::string host_header;
  [[nodiscard]] std::string origin() const {
    return (tls ? "https://" : "http://") + host + ":" + port;
  }
};

std::optional<Target> parse_target(const std::string& url) {
  if (has_space_or_control(url)) {
    return std::nullopt;
  }
  const auto parts = parse_url(url);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https")) {
    return std::nullopt;
  }
  if (parts->has_userinfo) {
    return std::nullopt;  // credentials in a URL: never sent anywhere
  }
  const std::string& port = parts->port;
  if (parts->hostname.empty() || port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const int n = std::stoi(port);
  if (n < 1 || n > 65535) {
    return std::nullopt;
  }
  Target t;
  t.tls = parts->scheme == "https";
  t.host = parts->hostname;
  t.port = port;
  t.host_header = parts->host;
  t.target = parts->path + (parts->query.empty() ? "" : "?" + parts->query);
  return t;
}

// NO_PROXY as curl and the AWS SDKs read it (see HttpOptions::no_proxy).
bool bypasses_proxy(const std::string& host, std::string_view no_proxy) {
  const std::string lower = core::to_lower(host);
  std::size_t pos = 0;
  while (pos <= no_proxy.size()) {
    const auto end = std::min(no_proxy.find(',', pos), no_proxy.size());
    std::string entry = core::to_lower(core::trim(no_proxy.substr(pos, end - pos)));
    pos = end + 1;
    if (!entry.empty() && entry.front() == '.') {
      entry.erase(0, 1);
    }
    if (entry.empty()) {
      continue;
    }
    if (entry == "*" || lower == entry ||
        (lower.size() > entry.size() && lower.ends_with("." + entry))) {
      return true;
    }
  }
  return false;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

// One TLS context per (CA file, verify) for the whole process: loading a CA bundle costs
// milliseconds, and a function holds several clients (registry, JWKS, token endpoint).
std::shared_ptr<ssl::context> tls_context(const HttpOptions& options, const std::string& where) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, bool>, std::shared_ptr<ssl::context>> contexts;
  const std::lock_guard lock(mutex);
  auto& slot = contexts[{options.ca_file, options.verify_tls}];
  if (slot) {
    return slot;
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (options.verify_tls) {
    ctx->set_verify_mode(ssl::verify_peer, ec);
    if (!options.ca_file.empty()) {
      ctx->load_verify_file(options.ca_file, ec);
    } else {
      ctx->set_default_verify_paths(ec);  // SSL_CERT_FILE / SSL_CERT_DIR, else OpenSSL's dirs
    }
    if (ec) {
      // Not cached: the file may appear later, and every request must keep failing until then.
      throw TransportError(TransportErrc::kTls, where + ": cannot load CA certificates '" +
                                                    options.ca_file + "': " + ec.message());
    }
  } else {
    ctx->set_verify_mode(ssl::verify_none, ec);
  }
  slot = std::move(ctx);
  return slot;
}

bool is_tls_error(const boost::system::error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() ||
         ec.category() == ssl::error::get_stream_category();
}

// The Beast request for `request`: method, target, the caller's headers (refused where one could
// smuggle another), Host, and the framing, which is ours to set from the body.
http::request<http::string_body> build_request(const HttpRequest& request, const Target& target,
                                               const std::string& where) {
  http::request<http::string_body> req;
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    req.method_string(request.method);
  } else {
    req.method(verb);
  }
  req.target(target.target);
  req.version(11);
  bool has_host = false;
  for (const auto& hdr : request.headers) {
    // A CR or LF would let a value smuggle extra headers: refuse rather than send.
    if (hdr.name.empty() || has_crlf(hdr.name) || has_crlf(hdr.value) ||
        hdr.name.find(':') != std::string::npos || has_space_or_control(hdr.name)) {
      throw TransportError(TransportErrc::kInvalidRequest,
                           "invalid header '" + hdr.name + "' for " + where);
    }
    const std::string lower = core::to_lower(hdr.name);
    if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection") {
      continue;  // framing is ours to set, from the body
    }
    has_host = has_host || lower == "host";
    req.insert(hdr.name, hdr.value);
  }
  if (!has_host) {
    req.set(http::field::host, target.host_header);
  }
  if (!request.body.empty() || verb == http::verb::post || verb == http::verb::put) {
    req.body() = request.body;
    req.content_length(request.body.size());
  }
  req.keep_alive(true);
  return req;
}

}  // namespace

std::string_view to_string(TransportErrc errc) {
  switch (errc) {
    case TransportErrc::kConnect:
      return "ConnectError";
    case TransportErrc::kTimeout:
      return "Timeout";
    case TransportErrc::kTls:
      return "TlsError";
    case TransportErrc::kResponseTooLarge:
      return "ResponseTooLarge";
    case TransportErrc::kInvalidRequest:
      return "InvalidRequest";
    case TransportErrc::kDeadlineExceeded:
      return "DeadlineExceeded";
    case TransportErrc::kOther:
      break;
  }
  return "TransportError";
}

std::optional<std::string> HttpResponse::header(std::string_view lower_name) const {
  for (const auto& h : headers) {
    if (h.name == lower_name) {
      return h.value;
    }
  }
  return std::nullopt;
}

struct HttpClient::Impl {
  HttpOptions options;
  asio::io_context io{1};
  // The kept-alive connection: to `origin`, plain or TLS (exactly one of the two set).
  std::string origin;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  std::shared_ptr<ssl::context> tls;  // outlives `secure`, which holds a pointer into it
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return plain ? *plain : secure->next_layer(); }

  void drop() {
    boost::system::error_code ignored;
    if (plain) {
      plain->socket().close(ignored);
    }
    if (secure) {
      secure->next_layer().socket().close(ignored);
    }
    plain.reset();
    secure.reset();
    origin.clear();
    buffer.clear();
  }

  // Runs the asynchronous operation started by `start` to completion (or to the stream's
  // expiry): the synchronous calls of Beast have no timeouts, tcp_stream's asynchronous ones do.
  template <typename Start>
  boost::system::error_code run(Start&& start) {
    boost::system::error_code result = asio::error::would_block;
    start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result;
  }

  [[noreturn]] void fail(TransportErrc errc, const std::string& message) {
    drop();
    throw TransportError(errc, message);
  }

  // The proxy to tunnel through for `t`, if any.
  std::optional<Target> proxy_for(const Target& t, const std::string& where) {
    if (!t.tls || options.https_proxy.empty() || bypasses_proxy(t.host, options.no_proxy)) {
      return std::nullopt;
    }
    auto proxy = parse_target(options.https_proxy);
    if (!proxy || proxy->tls) {
      fail(TransportErrc::kInvalidRequest,
           where + ": the HTTPS proxy must be http://host:port (without credentials)");
    }
    return proxy;
  }

  // CONNECT host:port through the proxy; anything but 200 is a connect error naming the proxy.
  void open_tunnel(beast::tcp_stream& stream, const Target& t, const Target& proxy,
                   const std::string& where) {
    const std::string authority =
        (t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host) + ":" + t.port;
    http::request<http::empty_body> req{http::verb::connect, authority, 11};
    req.set(http::field::host, authority);
    boost::system::error_code ec =
        run([&](auto handler) { http::async_write(stream, req, std::move(handler)); });
    http::response_parser<http::empty_body> parser;
    beast::flat_buffer tunnel_buffer;
    if (!ec) {
      ec = run([&](auto handler) {
        http::async_read_header(stream, tunnel_buffer, parser, std::move(handler));
      });
    }
    if (ec == beast::error::timeout) {
      fail(TransportErrc::kTimeout, where + ": the proxy " + proxy.origin() + " timed out");
    }
    if (ec) {
      fail(TransportErrc::kConnect, where + ": the proxy " + proxy.origin() + ": " + ec.message());
    }
    if (parser.get().result_int() != 200 || tunnel_buffer.size() != 0) {
      fail(TransportErrc::kConnect, where + ": the proxy " + proxy.origin() + " refused CONNECT " +
                                        authority + " (" +
                                        std::to_string(parser.get().result_int()) + ")");
    }
  }

  void connect(const Target& t, Clock::time_point deadline, const std::string& where) {
    drop();
    const auto proxy = proxy_for(t, where);
    const Target& hop = proxy ? *proxy : t;
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(hop.host, hop.port, ec);
    if (ec) {
      fail(TransportErrc::kConnect, where + ": cannot resolve " + hop.host + ": " + ec.message());
    }
    auto stream = std::make_unique<beast::tcp_stream>(io);
    stream->expires_at(std::min(deadline, Clock::now() + options.connect_timeout));
    ec = run([&](auto handler) { stream->async_connect(endpoints, std::move(handler)); });
    if (ec == beast::error::timeout) {
      fail(TransportErrc::kTimeout,
           where + ": connecting to " + hop.host + ":" + hop.port + " timed out");
    }
    if (ec) {
      fail(TransportErrc::kConnect,
           where + ": cannot connect to " + hop.host + ":" + hop.port + ": " + ec.message());
    }
    stream->socket().set_option(tcp::no_delay(true), ec);
    if (proxy) {
      open_tunnel(*stream, t, *proxy, where);
    }
    if (!t.tls) {
      plain = std::move(stream);
      origin = t.origin();
      return;
    }
    tls = tls_context(options, where);
    secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), *tls);
    SSL* ssl_handle = secure->native_handle();
    const bool ip = is_ip_literal(t.host);
    // SSL_set_tlsext_host_name, without the macro's C cast.
    if (!ip && SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                        const_cast<char*>(t.host.c_str())) != 1) {
      fail(TransportErrc::kTls, where + ": cannot set SNI");
    }
    if (options.verify_tls) {
      // The certificate must name the host we asked for (RFC 6125), not merely chain to a CA.
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
      const int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, t.host.c_str())
                         : X509_VERIFY_PARAM_set1_host(param, t.host.c_str(), t.host.size());
      if (set != 1) {
        fail(TransportErrc::kTls, where + ": cannot set the expected host name");
      }
    }
    secure->next_layer().expires_at(deadline);
    ec = run([&](auto handler) {
      secure->async_handshake(ssl::stream_base::client, std::move(handler));
    });
    if (ec == beast::error::timeout) {
      fail(TransportErrc::kTimeout, where + ": TLS handshake timed out");
    }
    if (ec) {
      std::string detail = ec.message();
      const long verify = SSL_get_verify_result(ssl_handle);
      if (verify != X509_V_OK) {
        detail += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      }
      fail(TransportErrc::kTls, where + ": TLS handshake failed: " + detail);
    }
    origin = t.origin();
  }

  boost::system::error_code write(http::request<http::string_body>& req) {
    if (plain) {
      return run([&](auto handler) { http::async_write(*plain, req, std::move(handler)); });
    }
    return run([&](auto handler) { http::async_write(*secure, req, std::move(handler)); });
  }

  boost::system::error_code read(http::response_parser<http::string_body>& parser) {
    if (plain) {
      return run(
          [&](auto handler) { http::async_read(*plain, buffer, parser, std::move(handler)); });
    }
    return run(
        [&](auto handler) { http::async_read(*secure, buffer, parser, std::move(handler)); });
  }
  // Reads one answer, skipping 1xx interim ones. Nothing when `may_retry` and the peer closed the
  // kept-alive connection before any byte of the answer: the caller then sends again.
  std::optional<HttpResponse> read_response(bool head, bool may_retry, const std::string& where) {
    for (;;) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(options.max_response_bytes);
      parser.header_limit(kMaxHeaderBytes);
      parser.skip(head);
      boost::system::error_code ec = read(parser);
      if (ec == ssl::error::stream_truncated && parser.is_header_done() && !parser.is_done()) {
        // A TLS peer that closes without close_notify ends a body delimited by the close.
        boost::system::error_code eof_ec;
        parser.put_eof(eof_ec);
        ec = eof_ec;
      }
      if (ec == beast::error::timeout) {
        fail(TransportErrc::kTimeout, where + ": timed out waiting for the response");
      }
      if (ec == http::error::body_limit || ec == http::error::header_limit ||
          ec == http::error::buffer_overflow) {
        fail(TransportErrc::kResponseTooLarge, where + ": response larger than " +
                                                   std::to_string(options.max_response_bytes) +
                                                   " bytes");
      }
      if (ec) {
        const bool nothing_received =
            !parser.got_some() &&
            (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
             ec == asio::error::eof || ec == ssl::error::stream_truncated);
        if (may_retry && nothing_received) {
          return std::nullopt;
        }
        fail(is_tls_error(ec) ? TransportErrc::kTls : TransportErrc::kOther,
             where + ": reading the response failed: " + ec.message());
      }
      const auto& msg = parser.get();
      const unsigned status = msg.result_int();
      if (status >= 100 && status < 200 && status != 101) {
        continue;
      }
      HttpResponse response;
      response.status = static_cast<long>(status);
      for (const auto& field : msg) {
        response.headers.push_back(
            {core::to_lower(field.name_string()), std::string(core::trim(field.value()))});
      }
      if (!msg.keep_alive() || buffer.size() != 0) {
        drop();  // the peer closes, or sent more than one answer: never reuse
      }
      response.body = std::move(parser.release().body());
      return response;
    }
  }
};

HttpClient::HttpClient(HttpOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

const HttpOptions& HttpClient::options() const {
  return impl_->options;
}

HttpResponse HttpClient::send(const HttpRequest& request) {
  return send(request, impl_ ? impl_->options.timeout : std::chrono::milliseconds(1));
}

HttpResponse HttpClient::send(const HttpRequest& request, std::chrono::milliseconds timeout) {
  const std::string where = request.method + " " + without_query(request.url);
  if (!impl_) {
    throw TransportError(TransportErrc::kInvalidRequest, "HttpClient used after move: " + where);
  }
  if (request.url.empty() || request.method.empty() || has_space_or_control(request.method)) {
    throw TransportError(TransportErrc::kInvalidRequest, "invalid request: " + where);
  }
  const auto target = parse_target(request.url);
  if (!target) {
    throw TransportError(TransportErrc::kInvalidRequest, "invalid or unsupported URL: " + where);
  }
  timeout = std::max(timeout, std::chrono::milliseconds(1));
  const auto deadline = Clock::now() + timeout;
  auto req = build_request(request, *target, where);
  const bool head = req.method() == http::verb::head;

  Impl& c = *impl_;
  // A kept-alive connection may have been closed by the peer while idle; that shows as a failure
  // to write, or an end of stream before any byte of the answer. Then, and only then, the request
  // is sent once more on a new connection (as libcurl and the AWS SDKs do).
  for (int attempt = 0;; ++attempt) {
    const bool reused = c.origin == target->origin();
    if (!reused) {
      c.connect(*target, deadline, where);
    }
    c.lowest().expires_at(deadline);
    const boost::system::error_code ec = c.write(req);
    if (ec == beast::error::timeout) {
      c.fail(TransportErrc::kTimeout, where + ": timed out sending the request");
    }
    if (ec) {
      if (reused && attempt == 0) {
        c.drop();
        continue;
      }
      c.fail(is_tls_error(ec) ? TransportErrc::kTls : TransportErrc::kOther,
             where + ": sending the request failed: " + ec.message());
    }
    if (auto response = c.read_response(head, reused && attempt == 0, where)) {
      return std::move(*response);
    }
    c.drop();  // retried on a new connection
  }
}

}  // namespace agm::net
