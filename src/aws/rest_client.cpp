#include "aws/rest_client.hpp"

#include <algorithm>
#include <thread>
#include <utility>

namespace agm::aws {

using std::chrono::milliseconds;

std::string xml_text(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const auto start = xml.find(open);
  if (start == std::string_view::npos) {
    return {};
  }
  const auto from = start + open.size();
  const auto end = xml.find(close, from);
  if (end == std::string_view::npos) {
    return {};
  }
  std::string_view raw = xml.substr(from, end - from);
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool matched = false;
      for (const auto& [entity, ch] : kEntities) {
        if (raw.substr(i, entity.size()) == entity) {
          out.push_back(ch);
          i += entity.size() - 1;
          matched = true;
          break;
        }
      }
      if (!matched) {
        out.push_back('&');
      }
    } else {
      out.push_back(raw[i]);
    }
  }
  return out;
}

AwsError parse_xml_error(const net::HttpResponse& response) {
  std::string code = xml_text(response.body, "Code");
  std::string message = xml_text(response.body, "Message");
  const long status = response.status;
  if (code.empty()) {
    code = "HttpError" + std::to_string(status);
  }
  const bool retryable = status >= 500 || status == 429 || is_retryable_code(code);
  return {code,
          code + ": " + (message.empty() ? "(no message)" : message) + " (HTTP " +
              std::to_string(status) + ")",
          status, retryable};
}

RestClient::RestClient(ClientConfig config, std::string service, SigningParams signing,
                       ErrorParser parse_error)
    : config_(std::move(config)),
      signing_(std::move(signing)),
      parse_error_(std::move(parse_error)),
      http_(config_.http),
      sleeper_([](milliseconds d) { std::this_thread::sleep_for(d); }) {
  signing_.region = config_.region;
  signing_.service = std::move(service);
  signing_.credentials = config_.credentials;
}

void RestClient::set_sleeper(std::function<void(milliseconds)> sleeper) {
  sleeper_ = std::move(sleeper);
}

net::HttpResponse RestClient::send(const net::HttpRequest& request, Deadline deadline) {
  net::HttpResponse out;
  run_with_retries(config_.retry, deadline, sleeper_, [&](milliseconds remaining) {
    net::HttpRequest attempt = request;
    SigningParams params = signing_;
    params.time = core::SystemClock().now();  // signing needs wall-clock time
    sign_request(attempt, params);
    net::HttpResponse response = http_.send(attempt, std::min(remaining, config_.http.timeout));
    if (response.status < 200 || response.status >= 300) {
      throw parse_error_(response);
    }
    out = std::move(response);
  });
  return out;
}

}  // namespace agm::aws
