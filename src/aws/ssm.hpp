#pragma once
// SSM Parameter Store (service ssm, JSON 1.1, target prefix AmazonSSM).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"

namespace agm::aws {

// What a parameter value may hold: 4,096 characters in the Standard tier, 8,192 in the Advanced
// tier
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html).
inline constexpr std::size_t kStandardTierMaxChars = 4096;
inline constexpr std::size_t kAdvancedTierMaxChars = 8192;

// "Advanced" when `value` does not fit the Standard tier, nullopt when it does (the request then
// names no tier: the account's default tier applies, and an existing Advanced parameter is not
// asked to go back to Standard, which SSM refuses). Bytes are counted as characters, which is
// exact for PEM (ASCII) and errs towards Advanced for anything else. Throws
// core::Error("ssm_value_too_large") above the Advanced tier's limit.
std::optional<std::string> tier_for(std::string_view value);

struct PutParameterResult {
  std::int64_t version = 0;
  std::string tier;  // as SSM answered ("Standard", "Advanced"), else what was asked
};

class Ssm {
 public:
  explicit Ssm(ClientConfig config);
  // PutParameter Type=SecureString in the tier tier_for(value) picks; throws what tier_for throws
  // before sending anything.
  PutParameterResult put_secure_string(const std::string& name, const std::string& value,
                                       const std::optional<std::string>& kms_key_id, bool overwrite,
                                       Deadline deadline);
  // GetParameter; nullopt on ParameterNotFound.
  std::optional<std::string> get_parameter(const std::string& name, bool with_decryption,
                                           Deadline deadline);
  // DeleteParameter; false when it did not exist (ParameterNotFound).
  bool delete_parameter(const std::string& name, Deadline deadline);
  // GetParametersByPath, recursive, every page: the names under `path` (values not decrypted).
  std::vector<std::string> names_by_path(const std::string& path, Deadline deadline);
  JsonClient& client();

 private:
  JsonClient client_;
};

}  // namespace agm::aws
