#pragma once
// Static AWS credentials as the SDKs read them from the environment. Lambda provides all three
// variables (with a session token); locally the emulators accept any non-empty pair.
#include <optional>
#include <string>

namespace agm::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // may be empty

  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (both required and non-empty), AWS_SESSION_TOKEN
  // (optional). nullopt when either required variable is missing or empty.
  static std::optional<Credentials> from_env();
};

}  // namespace agm::aws
