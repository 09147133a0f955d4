#include "aws/http.hpp"

namespace agm::aws {
struct HttpClient::Impl {
  HttpOptions options;
};
std::optional<std::string> HttpResponse::header(std::string_view lower_name) const {
  for (const auto& h : headers) {
    if (h.name == lower_name) {
      return h.value;
    }
  }
  return std::nullopt;
}
HttpClient::HttpClient(HttpOptions options)
    : impl_(std::make_unique<Impl>(Impl{std::move(options)})) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpResponse HttpClient::send(const HttpRequest& request) {
  return send(request, impl_->options.timeout);
}
HttpResponse HttpClient::send(const HttpRequest& /*request*/,
                              std::chrono::milliseconds /*timeout*/) {
  throw TransportError("TransportError", "not implemented yet");
}
const HttpOptions& HttpClient::options() const {
  return impl_->options;
}
}  // namespace agm::aws
