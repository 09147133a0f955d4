#include "aws/http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <utility>

#include "core/encoding.hpp"

namespace agm::aws {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Process-wide and not thread-safe itself, hence call_once; never cleaned up (process
    // lifetime).
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw TransportError("TransportError", "curl_global_init failed");
    }
  });
}

struct CurlHandleDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Transfer {
  HttpResponse response;
  std::size_t max_bytes = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->response.body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.starts_with("HTTP/")) {
    // A new response head (after a 1xx, or a redirect we do not follow): start over.
    t->response.headers.clear();
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    return n;
  }
  t->response.headers.push_back({core::to_lower(core::trim(line.substr(0, colon))),
                                 std::string(core::trim(line.substr(colon + 1)))});
  return n;
}

std::string without_query(const std::string& url) {
  return url.substr(0, url.find('?'));
}

bool has_crlf(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

}  // namespace

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
  std::unique_ptr<CURL, CurlHandleDeleter> handle;
};

HttpClient::HttpClient(HttpOptions options) : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->options = std::move(options);
  impl_->handle.reset(curl_easy_init());
  if (!impl_->handle) {
    throw TransportError("TransportError", "curl_easy_init failed");
  }
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
    throw TransportError("InvalidRequest", "HttpClient used after move: " + where);
  }
  if (request.url.empty() || request.method.empty() || has_crlf(request.url) ||
      has_crlf(request.method)) {
    throw TransportError("InvalidRequest", "invalid request: " + where);
  }
  timeout = std::max(timeout, std::chrono::milliseconds(1));
  const auto connect_timeout = std::min(impl_->options.connect_timeout, timeout);

  CURL* h = impl_->handle.get();
  // Reset options but keep the connection cache, so the next request reuses the connection.
  curl_easy_reset(h);

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next == nullptr) {
      throw TransportError("TransportError", "out of memory building headers");
    }
    (void)headers.release();
    headers.reset(next);
  };
  bool has_content_type = false;
  for (const auto& hdr : request.headers) {
    // A CR or LF would let a value smuggle extra headers: refuse rather than send.
    if (hdr.name.empty() || has_crlf(hdr.name) || has_crlf(hdr.value) ||
        hdr.name.find(':') != std::string::npos) {
      throw TransportError("InvalidRequest", "invalid header '" + hdr.name + "' for " + where);
    }
    has_content_type = has_content_type || core::to_lower(hdr.name) == "content-type";
    // "Name;" is libcurl's way to send a header with an empty value.
    add_header(hdr.value.empty() ? hdr.name + ";" : hdr.name + ": " + hdr.value);
  }
  add_header("Expect:");  // no 100-continue round trip
  if (!has_content_type && !request.body.empty()) {
    add_header("Content-Type:");  // not libcurl's form default: send none rather than a wrong one
  }

  Transfer transfer;
  transfer.max_bytes = impl_->options.max_response_bytes;
  std::array<char, CURL_ERROR_SIZE> error{};

  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error.data());
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(impl_->options.max_response_bytes));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, impl_->options.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, impl_->options.verify_tls ? 2L : 0L);
  if (!impl_->options.ca_file.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, impl_->options.ca_file.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);

  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  }

  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    const std::string detail =
        error[0] != '\0' ? std::string(error.data()) : curl_easy_strerror(rc);
    std::string code = "TransportError";
    switch (rc) {
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        code = "ConnectError";
        break;
      case CURLE_OPERATION_TIMEDOUT:
        code = "Timeout";
        break;
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_CRL_BADFILE:
      case CURLE_SSL_ENGINE_NOTFOUND:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        code = "TlsError";
        break;
      case CURLE_WRITE_ERROR:
      case CURLE_FILESIZE_EXCEEDED:
        code = transfer.too_large || rc == CURLE_FILESIZE_EXCEEDED ? "ResponseTooLarge"
                                                                   : "TransportError";
        break;
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        code = "InvalidRequest";
        break;
      default:
        break;
    }
    if (code == "ResponseTooLarge") {
      throw TransportError(code, where + ": response larger than " +
                                     std::to_string(impl_->options.max_response_bytes) + " bytes");
    }
    throw TransportError(code, where + ": " + detail);
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  transfer.response.status = status;
  return std::move(transfer.response);
}

}  // namespace agm::aws
