#pragma once
// SSM Parameter Store (service ssm, JSON 1.1, target prefix AmazonSSM).
#include <cstdint>
#include <optional>
#include <string>

#include "aws/client.hpp"

namespace agm::aws {

class Ssm {
 public:
  explicit Ssm(ClientConfig config);
  // PutParameter Type=SecureString; returns the new Version.
  std::int64_t put_secure_string(const std::string& name, const std::string& value,
                                 const std::optional<std::string>& kms_key_id, bool overwrite,
                                 Deadline deadline);
  // GetParameter; nullopt on ParameterNotFound.
  std::optional<std::string> get_parameter(const std::string& name, bool with_decryption,
                                           Deadline deadline);
  JsonClient& client();

 private:
  JsonClient client_;
};

}  // namespace agm::aws
