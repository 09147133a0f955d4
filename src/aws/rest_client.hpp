#pragma once
// The signed request of the services that are not X-Amz-Target JSON (client.hpp): S3's REST, API
// Gateway's REST (JSON bodies, GET by path) and SNS's Query (form POST, XML answers). One request
// signed with SigV4, sent, and retried by run_with_retries; an answer outside 2xx becomes the
// service's AwsError through `parse_error`.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "aws/client.hpp"
#include "aws/sigv4.hpp"

namespace agm::aws {

class RestClient {
 public:
  using ErrorParser = std::function<AwsError(const net::HttpResponse&)>;

  // `signing` carries the service's SigV4 variant (S3: no path normalisation, single encoding,
  // signed body); its region, service and credentials are filled from `config` and `service`.
  RestClient(ClientConfig config, std::string service, SigningParams signing,
             ErrorParser parse_error);

  // Throws AwsError or TransportError.
  net::HttpResponse send(const net::HttpRequest& request, Deadline deadline);

  [[nodiscard]] const ClientConfig& config() const { return config_; }
  // For tests: replaces the sleep between attempts (default std::this_thread::sleep_for).
  void set_sleeper(std::function<void(std::chrono::milliseconds)> sleeper);

 private:
  ClientConfig config_;
  SigningParams signing_;
  ErrorParser parse_error_;
  net::HttpClient http_;
  std::function<void(std::chrono::milliseconds)> sleeper_;
};

// The text of the first <tag>...</tag> of an XML answer, with the five predefined entities
// decoded ("" when absent). Enough for the few members read here (Code, Message, MessageId); a
// full XML parser would be a dependency for three strings.
std::string xml_text(std::string_view xml, std::string_view tag);

// An XML error answer (S3's <Error><Code>, SNS's <ErrorResponse><Error><Code>): the first <Code>
// and <Message>; falls back to "HttpError<status>". 5xx, 429 and throttling codes are retryable.
AwsError parse_xml_error(const net::HttpResponse& response);

}  // namespace agm::aws
