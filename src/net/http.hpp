#pragma once
// A small HTTP/1.1 client over Boost.Beast and OpenSSL (http.cpp says why not libcurl): one
// connection kept alive across requests to the same origin, NOT thread-safe (use one per thread).
// Failures below HTTP (connect, TLS, timeout, oversized response) are TransportErrors; any HTTP
// status is a normal response. Redirects are not followed; proxies are not used.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace agm::net {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<HttpHeader> headers;
  std::string body;
};

struct HttpResponse {
  long status = 0;
  std::vector<HttpHeader> headers;  // names lower-cased, values trimmed, in arrival order
  std::string body;
  // The first header with this (lower-case) name.
  [[nodiscard]] std::optional<std::string> header(std::string_view lower_name) const;
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds timeout{5000};
  // An HTTP proxy for https:// URLs, "http://host:port" (a CONNECT tunnel; TLS stays end to end);
  // empty: direct. Hosts matching `no_proxy` (comma-separated: "*", a name, or a domain as
  // "example.com" or ".example.com", which also matches its subdomains) go direct. http:// URLs
  // always go direct (the ones used are loopback and link-local). Only mtlsctl sets these, from
  // HTTPS_PROXY and NO_PROXY; the functions never read the environment for them.
  std::string https_proxy;
  std::string no_proxy;
  std::string ca_file;  // empty: OpenSSL's default paths (SSL_CERT_FILE, SSL_CERT_DIR)
  bool verify_tls = true;
  std::size_t max_response_bytes = std::size_t{4} * 1024 * 1024;
};

// Why a request failed below HTTP. Callers decide on the kind (retry or not); code() is its name
// for logs: "ConnectError", "Timeout", "TlsError", "ResponseTooLarge", "InvalidRequest",
// "DeadlineExceeded", "TransportError" (anything else: reset, truncated answer, ...).
enum class TransportErrc {
  kConnect,
  kTimeout,
  kTls,
  kResponseTooLarge,
  kInvalidRequest,
  kDeadlineExceeded,
  kOther,
};
std::string_view to_string(TransportErrc errc);

class TransportError : public core::Error {
 public:
  TransportError(TransportErrc errc, const std::string& message)
      : core::Error(std::string(to_string(errc)), message), errc_(errc) {}
  [[nodiscard]] TransportErrc errc() const noexcept { return errc_; }

 private:
  TransportErrc errc_;
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse send(const HttpRequest& request);  // throws TransportError
  // As above with a total timeout for this request (clamped to at least 1 ms).
  HttpResponse send(const HttpRequest& request, std::chrono::milliseconds timeout);

  [[nodiscard]] const HttpOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agm::net
