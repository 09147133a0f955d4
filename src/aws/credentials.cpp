#include "aws/credentials.hpp"

#include <cstdlib>

namespace agm::aws {

namespace {
std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);  // read at startup only
  return v == nullptr ? std::string() : std::string(v);
}
}  // namespace

std::optional<Credentials> Credentials::from_env() {
  Credentials c;
  c.access_key_id = env_or_empty("AWS_ACCESS_KEY_ID");
  c.secret_access_key = env_or_empty("AWS_SECRET_ACCESS_KEY");
  c.session_token = env_or_empty("AWS_SESSION_TOKEN");
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return std::nullopt;
  }
  return c;
}

}  // namespace agm::aws
