#include "local/gateway/server.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <utility>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "core/openssl.hpp"
#include "local/gateway/http_proxy.hpp"

namespace agm::local {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;
using asio::ip::tcp;

namespace {

// More connections than this at once are closed on accept: a flood of idle TLS clients must not
// exhaust descriptors.
constexpr std::size_t kMaxSessions = 512;

std::string utc_text(std::chrono::system_clock::time_point t, const char* fmt) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  return std::string(buf, std::strftime(buf, sizeof buf, fmt, &tm));
}

// API Gateway request ids look like "JKJaXmPLvHcESHA=": base64 of 11 random bytes.
std::string new_request_id() {
  return core::base64_encode(core::random_bytes(11));
}

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  if (e == 0)
    return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

std::string x509_subject(X509* cert) {
  if (cert == nullptr)
    return {};
  const core::openssl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0)
    return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

struct Gateway::Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static Response message(int status, std::string_view text) {
    return Response{status, {{"content-type", "application/json"}}, message_body(text)};
  }
};

Gateway::Gateway(asio::io_context& io, GatewayConfig config, const core::Logger& log)
    : io_(io),
      config_(std::move(config)),
      log_(log),
      ssl_(ssl::context::tls_server),
      acceptor_(io) {
  SSL_CTX* ctx = ssl_.native_handle();
  // TLS 1.2 and 1.3 only, as an API Gateway custom domain with the TLS_1_2 security policy.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  ssl_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  // Level 2: RSA/DH keys >= 2048 bits, no SHA-1/MD5 signatures in the chain (OpenSSL 3).
  SSL_CTX_set_security_level(ctx, 2);
  auto need = [](bool ok, const std::string& field, const std::string& what) {
    if (!ok)
      throw core::ConfigError(field, what + ": " + openssl_error());
  };
  need(SSL_CTX_use_certificate_chain_file(ctx, config_.tls_cert.c_str()) == 1, "tls.cert",
       "cannot load " + config_.tls_cert);
  need(SSL_CTX_use_PrivateKey_file(ctx, config_.tls_key.c_str(), SSL_FILETYPE_PEM) == 1, "tls.key",
       "cannot load " + config_.tls_key);
  need(SSL_CTX_check_private_key(ctx) == 1, "tls.key", "does not match tls.cert");
  need(SSL_CTX_load_verify_locations(ctx, config_.tls_truststore.c_str(), nullptr) == 1,
       "tls.truststore", "cannot load " + config_.tls_truststore);
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config_.tls_truststore.c_str())) {
    SSL_CTX_set_client_CA_list(ctx, names);  // tells clients which issuers we accept
  }
  // Required with verify_peer and a session cache, or resumption fails.
  static const unsigned char kSessionContext[] = "agm-gateway";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  // No TLS 1.3 session tickets: every connection is a full handshake with the client certificate
  // verified, which is what the local stack exists to exercise. Two tickets per handshake (the
  // default) cost ~0.2 ms of CPU each time for resumptions no client here makes (make bench).
  SSL_CTX_set_num_tickets(ctx, 0);
  // The client certificate is REQUIRED: without one the handshake fails. One that does not verify
  // (an issuer outside the truststore, self-signed, expired or not yet valid, a weak signature)
  // completes the handshake and every request on the connection is answered
  // 403 {"message":"Forbidden"} without reaching a function, as API Gateway does ("How do I
  // troubleshoot HTTP 403 Forbidden errors from an API Gateway custom domain name that requires
  // mutual TLS?", AWS Knowledge Center). The callback keeps OpenSSL's verdict in the connection's
  // verify result, which session() reads.
  ssl_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  ssl_.set_verify_callback([this](bool preverified, ssl::verify_context& vc) {
    X509_STORE_CTX* sc = vc.native_handle();
    X509* cert = X509_STORE_CTX_get_current_cert(sc);
    int depth = X509_STORE_CTX_get_error_depth(sc);
    if (!preverified) {
      int err = X509_STORE_CTX_get_error(sc);
      log_.warn("client certificate refused", {{"reason", X509_verify_cert_error_string(err)},
                                               {"depth", depth},
                                               {"subject", x509_subject(cert)}});
      return true;  // the error stays in the verify result: 403 for every request
    }
    // Belt and braces over the security level: a SHA-1 or MD5 signature anywhere but on a
    // self-signed trust anchor is refused (API Gateway warns about such truststores).
    if (cert != nullptr && X509_check_issued(cert, cert) != X509_V_OK) {
      int md_nid = NID_undef;
      if (OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md_nid, nullptr) == 1 &&
          (md_nid == NID_sha1 || md_nid == NID_md5 || md_nid == NID_md5_sha1)) {
        log_.warn("client certificate refused", {{"reason", "weak signature digest"},
                                                 {"depth", depth},
                                                 {"subject", x509_subject(cert)}});
        X509_STORE_CTX_set_error(sc, X509_V_ERR_CA_MD_TOO_WEAK);
        return true;
      }
    }
    return true;
  });

  for (const auto& [name, fc] : config_.functions) {
    pools_[name] = std::make_unique<FunctionPool>(io_, fc, log_);
  }
  if (config_.access_log == "-") {
    access_out_ = &std::cout;
  } else {
    std::filesystem::path p(config_.access_log);
    std::error_code ec;
    if (p.has_parent_path())
      std::filesystem::create_directories(p.parent_path(), ec);
    access_file_.open(config_.access_log, std::ios::app);
    if (!access_file_)
      throw core::ConfigError("access_log", "cannot open " + config_.access_log);
    access_out_ = &access_file_;
  }
}

Gateway::~Gateway() {
  stop();
}

void Gateway::start() {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(config_.host, ec);
  if (ec)
    throw core::ConfigError("listen.host", "not an IP address: " + config_.host);
  tcp::endpoint ep(addr, config_.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec)
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(ep, ec);
  if (!ec)
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw core::ConfigError("listen", "cannot listen on " + config_.host + ":" +
                                          std::to_string(config_.port) + ": " + ec.message());
  }
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

std::uint16_t Gateway::port() const {
  boost::system::error_code ec;
  auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Gateway::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto& [name, pool] : pools_)
    pool->shutdown();
}

asio::awaitable<void> Gateway::accept_loop() {
  while (!stopped_) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (stopped_ || ec == asio::error::operation_aborted)
        co_return;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    if (*sessions_ >= kMaxSessions) {
      log_.warn("too many connections; closing a new one");
      continue;
    }
    asio::co_spawn(io_, session(std::move(socket)), asio::detached);
  }
}

void Gateway::write_access_log(const json::object& entry) {
  if (access_out_ == nullptr)
    return;
  *access_out_ << json::serialize(entry) << '\n' << std::flush;
}

namespace {

using Stream = beast::ssl_stream<beast::tcp_stream>;

// Counts the live sessions through a counter shared with the gateway (see Gateway::sessions_).
struct SessionCount {
  std::shared_ptr<std::size_t> n;
  explicit SessionCount(std::shared_ptr<std::size_t> c) : n(std::move(c)) { ++*n; }
  SessionCount(const SessionCount&) = delete;
  SessionCount& operator=(const SessionCount&) = delete;
  ~SessionCount() { --*n; }
};

// The early answer for a failed header read; nullopt when there is nothing to answer (the
// connection is closed, timed out, reset or the message cut short).
std::optional<std::optional<Gateway::Response>> header_read_answer(
    const boost::system::error_code& rec) {
  using Answer = std::optional<Gateway::Response>;
  if (!rec)
    return Answer{};
  if (rec == http::error::header_limit) {
    // HTTP API quota: request line and headers 10240 bytes in total. Guess: 431.
    return Answer{Gateway::Response::message(431, "Request Header Fields Too Large")};
  }
  if (rec == http::error::body_limit)
    return Answer{Gateway::Response::message(413, "Request Entity Too Large")};
  if (rec.category() != http::make_error_code(http::error::bad_target).category() ||
      rec == http::error::end_of_stream || rec == http::error::partial_message) {
    return std::nullopt;
  }
  return Answer{Gateway::Response::message(400, "Bad Request")};
}

// The client may still be sending what we refused: read a little of it (bounded in time and
// size) so that closing does not reset the connection before it sees our answer.
asio::awaitable<void> drain(Stream& stream) {
  stream.next_layer().expires_after(std::chrono::milliseconds(500));
  std::size_t drained = 0;
  std::array<char, 16384> sink{};
  while (drained < std::size_t{4} * 1024 * 1024) {
    auto [dec, dn] =
        co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
    if (dec)
      break;
    drained += dn;
  }
}

}  // namespace

struct Gateway::Peer {
  std::string ip;
  ClientCertInfo cert;
  bool refused = false;  // the certificate did not verify: every request gets a 403
};

asio::awaitable<std::optional<Gateway::Peer>> Gateway::handshake(Stream& stream, std::string ip) {
  stream.next_layer().expires_after(config_.timeouts.handshake);
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::server,
                                               asio::as_tuple(asio::use_awaitable));
  if (hec) {
    log_.info("tls handshake failed", {{"ip", ip}, {"error", hec.message()}});
    co_return std::nullopt;
  }
  // fail_if_no_peer_cert makes a certificate certain here; check anyway (fail closed).
  X509* peer = SSL_get0_peer_certificate(stream.native_handle());
  if (peer == nullptr) {
    log_.warn("connection without a client certificate", {{"ip", ip}});
    co_return std::nullopt;
  }
  std::optional<ClientCertInfo> cert = client_cert_info(peer);
  if (!cert) {
    log_.warn("client certificate could not be parsed", {{"ip", ip}});
    co_return std::nullopt;
  }
  // A certificate that did not verify: the connection is served, but only with 403s.
  const bool refused = SSL_get_verify_result(stream.native_handle()) != X509_V_OK;
  co_return Peer{std::move(ip), std::move(*cert), refused};
}

asio::awaitable<bool> Gateway::read_request(Stream& stream, beast::flat_buffer& buffer,
                                            http::request_parser<http::string_body>& parser,
                                            bool refused, std::optional<Response>& early) {
  parser.header_limit(static_cast<std::uint32_t>(config_.limits.max_header_bytes));
  parser.body_limit(config_.limits.max_body_bytes);
  stream.next_layer().expires_after(config_.timeouts.header);
  auto [rec, rn] =
      co_await http::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  (void)rn;
  auto answer = header_read_answer(rec);
  if (!answer)
    co_return false;
  early = std::move(*answer);
  if (!early && refused)
    early = Response::message(403, "Forbidden");
  if (early)
    co_return true;
  auto& hdr = parser.get();
  if (beast::iequals(hdr[http::field::expect], "100-continue")) {
    http::response<http::empty_body> cont{http::status::continue_, hdr.version()};
    co_await http::async_write(stream, cont, asio::as_tuple(asio::use_awaitable));
  }
  stream.next_layer().expires_after(config_.timeouts.body);
  auto [bec, bn] =
      co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  (void)bn;
  if (bec == http::error::body_limit) {
    early = Response::message(413, "Request Entity Too Large");
  } else if (bec) {
    co_return false;
  }
  co_return true;
}

http::response<http::string_body> Gateway::http_response(Response res,
                                                         const std::string& request_id,
                                                         bool keep_alive) const {
  http::response<http::string_body> out;
  out.version(11);
  out.result(static_cast<unsigned>(res.status));
  for (const auto& [k, v] : res.headers) {
    std::string lower = core::to_lower(k);
    // Framing is ours: a function cannot set content-length, transfer-encoding or connection.
    if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection") {
      continue;
    }
    out.insert(k, v);
  }
  out.set(http::field::date,
          utc_text(std::chrono::system_clock::now(), "%a, %d %b %Y %H:%M:%S GMT"));
  out.set("apigw-requestid", request_id);
  out.body() = std::move(res.body);
  out.keep_alive(keep_alive && !stopped_);
  out.prepare_payload();
  return out;
}

void Gateway::log_access(json::object& entry, const GatewayRequest& req, const Peer& peer,
                         int status, std::size_t length) {
  entry["requestId"] = req.request_id;
  entry["ip"] = peer.ip;
  entry["requestTime"] = utc_text(req.time, "%d/%b/%Y:%H:%M:%S +0000");
  entry["httpMethod"] = req.method.empty() ? "-" : req.method;
  entry["protocol"] = req.protocol.empty() ? "-" : req.protocol;
  entry["status"] = status;
  entry["responseLength"] = length;
  if (!entry.contains("integrationError"))
    entry["integrationError"] = "-";
  if (!entry.contains("authorizerError"))
    entry["authorizerError"] = "-";
  entry["clientCertSerialNumber"] = peer.cert.serial_number;
  entry["clientCertSubjectDN"] = peer.cert.subject_dn;
  entry["clientCertIssuerDN"] = peer.cert.issuer_dn;
  entry["clientCertNotBefore"] = peer.cert.not_before;
  entry["clientCertNotAfter"] = peer.cert.not_after;
  write_access_log(entry);
}

asio::awaitable<void> Gateway::session(tcp::socket socket) {
  const SessionCount count{sessions_};
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  std::string ip = ec ? std::string("-") : remote.address().to_string();
  // No Nagle: a response is written as more than one TLS record, and the second must not wait
  // for the client's (delayed) acknowledgement of the first.
  boost::system::error_code nodelay_ec;
  socket.set_option(tcp::no_delay(true), nodelay_ec);
  Stream stream(std::move(socket), ssl_);
  const std::optional<Peer> peer = co_await handshake(stream, std::move(ip));
  if (!peer)
    co_return;

  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    std::optional<Response> early;
    const auto request_time = std::chrono::system_clock::now();
    if (!co_await read_request(stream, buffer, parser, peer->refused, early))
      co_return;
    json::object entry;
    Response res;
    bool keep_alive = false;
    GatewayRequest req;
    if (early) {
      res = std::move(*early);
      entry["routeKey"] = "-";
    } else {
      auto msg = parser.release();
      keep_alive = msg.keep_alive();
      std::vector<std::pair<std::string, std::string>> headers;
      for (const auto& f : msg)
        headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      req = parse_request(std::string(msg.method_string()), std::string(msg.target()),
                          std::move(headers), std::move(msg.body()));
      req.protocol = msg.version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
      req.source_ip = peer->ip;
      req.client_cert = peer->cert;
    }
    req.request_id = new_request_id();
    req.time = request_time;
    if (!early)
      res = co_await handle(req, entry);
    const int status = res.status;
    auto out = http_response(std::move(res), req.request_id, keep_alive);
    log_access(entry, req, *peer, status, out.body().size());

    stream.next_layer().expires_after(config_.timeouts.body);
    auto [wec, wn] = co_await http::async_write(stream, out, asio::as_tuple(asio::use_awaitable));
    (void)wn;
    if (wec)
      co_return;
    if (!out.keep_alive()) {
      if (early && !parser.is_done())
        co_await drain(stream);
      stream.next_layer().expires_after(std::chrono::seconds(1));
      co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
      co_return;
    }
  }
}

asio::awaitable<std::optional<Gateway::Response>> Gateway::authorize(
    const RouteMatch& match, const GatewayRequest& req, json::object& entry,
    std::optional<json::object>& context) {
  const AuthorizerConfig& auth = config_.authorizers.at(*match.route->authorizer);
  auto ids = identity_source_values(auth, req);
  if (!ids) {
    entry["authorizerError"] = "identity source missing";
    co_return Response::message(401, "Unauthorized");
  }
  // The cache is keyed by the identity source values only, as API Gateway does. With mTLS that
  // is dangerous: a decision made for one certificate would be reused for a request that
  // presents the same token with a different certificate (the authorizer never sees it). That
  // is why scripts/local sets result_ttl_seconds to 0 (no caching), mirroring the Terraform.
  std::string key = auth.name;
  for (const auto& v : *ids)
    key += '\x1f' + v;
  std::optional<AuthorizerDecision> decision;
  const auto now = std::chrono::steady_clock::now();
  if (auth.result_ttl.count() > 0) {
    if (auto it = auth_cache_.find(key); it != auth_cache_.end()) {
      if (it->second.expires > now) {
        decision = it->second.decision;
      } else {
        auth_cache_.erase(it);
      }
    }
  }
  if (!decision) {
    json::object event = build_authorizer_event(req, config_.api, match, *ids);
    InvokeResult r = co_await pools_.at(auth.function)->invoke(json::serialize(event));
    if (r.status != InvokeStatus::kOk) {
      // Authorizer failure or timeout: API Gateway answers 500 (it never lets the request in).
      entry["authorizerError"] = std::string(to_string(r.status));
      co_return Response::message(500, "Internal Server Error");
    }
    decision = parse_simple_response(r.payload);
    if (!decision) {
      entry["authorizerError"] = "invalid authorizer response";
      log_.error("invalid authorizer response", {{"authorizer", auth.name}});
      co_return Response::message(500, "Internal Server Error");
    }
    if (auth.result_ttl.count() > 0) {
      if (auth_cache_.size() > 10000)
        auth_cache_.clear();  // bounded
      auth_cache_[key] = CacheEntry{now + auth.result_ttl, *decision};
    }
  }
  // The access log's $context.authorizer.* fields (infra/modules/http_api), from an allow's and
  // a deny's context alike (docs/local-stack.md: a guess for the deny).
  for (const auto& [field, name] : {std::pair{"authorizerClientId", "client_id"},
                                    std::pair{"authorizerCertThumbprint", "cert_thumbprint"},
                                    std::pair{"authorizerReason", "reason"}}) {
    if (const auto* v = decision->context.if_contains(name); v != nullptr && v->is_string())
      entry[field] = *v;
  }
  if (!decision->authorized)
    co_return Response::message(403, "Forbidden");
  context = decision->context;
  co_return std::nullopt;
}

asio::awaitable<Gateway::Response> Gateway::invoke_function(
    const RouteMatch& match, const GatewayRequest& req, json::object& entry,
    const std::optional<json::object>& context) {
  json::object event = build_integration_event(req, config_.api, match, context);
  InvokeResult r = co_await pools_.at(match.route->function)->invoke(json::serialize(event));
  switch (r.status) {
    case InvokeStatus::kOk:
      break;
    case InvokeStatus::kTimeout:
      entry["integrationError"] = "timeout";
      co_return Response::message(503, "Service Unavailable");
    case InvokeStatus::kThrottled:
      entry["integrationError"] = "throttled";
      co_return Response::message(429, "Too Many Requests");
    case InvokeStatus::kShutdown:
      entry["integrationError"] = "shutdown";
      co_return Response::message(503, "Service Unavailable");
    case InvokeStatus::kFunctionError:
    case InvokeStatus::kCrash:
    case InvokeStatus::kInitError:
      entry["integrationError"] = std::string(to_string(r.status));
      co_return Response::message(500, "Internal Server Error");
  }
  auto mapped = map_integration_response(r.payload);
  if (!mapped) {
    entry["integrationError"] = "invalid function response";
    co_return Response::message(500, "Internal Server Error");
  }
  co_return Response{mapped->status, std::move(mapped->headers), std::move(mapped->body)};
}

asio::awaitable<Gateway::Response> Gateway::proxy_http(const RouteMatch& match,
                                                       const GatewayRequest& req,
                                                       json::object& entry,
                                                       const std::optional<json::object>& context) {
  const RouteConfig& route = *match.route;
  // API Gateway's default (and largest) integration timeout for HTTP APIs is 30 s.
  const auto timeout = route.timeout.value_or(std::chrono::milliseconds(30000));
  ProxyResult r =
      co_await forward(io_.get_executor(), build_proxy_request(req, match, *route.http, context),
                       timeout, config_.limits.max_body_bytes);
  using Status = ProxyResult::Status;
  if (r.status != Status::kOk) {
    entry["integrationError"] = r.error;
    log_.warn("http integration failed", {{"route", route.route_key}, {"error", r.error}});
    // Guesses: 504 for a backend past the timeout (AWS's 504 troubleshooting page), 500 for one
    // that cannot be reached or answers something that is not HTTP.
    if (r.status == Status::kTimeout)
      co_return Response::message(504, "Gateway Timeout");
    co_return Response::message(500, "Internal Server Error");
  }
  co_return Response{r.code, std::move(r.headers), std::move(r.body)};
}

asio::awaitable<Gateway::Response> Gateway::handle(const GatewayRequest& req, json::object& entry) {
  auto match = match_route(config_.routes, req.method, req.raw_path);
  if (!match) {
    entry["routeKey"] = "-";
    co_return Response::message(404, "Not Found");
  }
  entry["routeKey"] = match->route->route_key;
  std::optional<json::object> context;
  if (match->route->authorizer) {
    if (auto refused = co_await authorize(*match, req, entry, context))
      co_return std::move(*refused);
  }
  if (match->route->http)
    co_return co_await proxy_http(*match, req, entry, context);
  co_return co_await invoke_function(*match, req, entry, context);
}

}  // namespace agm::local
