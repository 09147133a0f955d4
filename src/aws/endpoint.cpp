#include "aws/endpoint.hpp"

#include <cstdlib>

namespace agm::aws {

namespace {
std::string env_or_empty(const std::string& name) {
  const char* v = std::getenv(name.c_str());  // startup only
  return v == nullptr ? std::string() : std::string(v);
}
std::string strip_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}
}  // namespace

std::string resolve_endpoint(std::string_view service_env_suffix, std::string_view host_prefix,
                             std::string_view region) {
  std::string specific = env_or_empty("AWS_ENDPOINT_URL_" + std::string(service_env_suffix));
  if (!specific.empty()) {
    return strip_trailing_slash(specific);
  }
  std::string global = env_or_empty("AWS_ENDPOINT_URL");
  if (!global.empty()) {
    return strip_trailing_slash(global);
  }
  return "https://" + std::string(host_prefix) + "." + std::string(region) + ".amazonaws.com";
}

std::string region_from_env() {
  std::string region = env_or_empty("AWS_REGION");
  if (region.empty()) {
    region = env_or_empty("AWS_DEFAULT_REGION");
  }
  return region;
}

}  // namespace agm::aws
