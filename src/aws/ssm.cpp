#include "aws/ssm.hpp"

#include <utility>

#include "core/json.hpp"

namespace agm::aws {

namespace json = boost::json;

Ssm::Ssm(ClientConfig config)
    : client_(std::move(config), "ssm", "AmazonSSM", "application/x-amz-json-1.1") {}

JsonClient& Ssm::client() {
  return client_;
}

std::int64_t Ssm::put_secure_string(const std::string& name, const std::string& value,
                                    const std::optional<std::string>& kms_key_id, bool overwrite,
                                    Deadline deadline) {
  json::object request{
      {"Name", name}, {"Value", value}, {"Type", "SecureString"}, {"Overwrite", overwrite}};
  if (kms_key_id && !kms_key_id->empty()) {
    request["KeyId"] = *kms_key_id;
  }
  const json::value answer = client_.call("PutParameter", request, deadline);
  auto version = core::get_int(answer, "Version");
  if (!version) {
    throw AwsError("InvalidResponse", "SSM PutParameter: no Version in the answer", 200, false);
  }
  return *version;
}

std::optional<std::string> Ssm::get_parameter(const std::string& name, bool with_decryption,
                                              Deadline deadline) {
  json::value answer;
  try {
    answer =
        client_.call("GetParameter",
                     json::object{{"Name", name}, {"WithDecryption", with_decryption}}, deadline);
  } catch (const AwsError& e) {
    if (e.code() == "ParameterNotFound") {
      return std::nullopt;
    }
    throw;
  }
  auto value = core::get_string_path(answer, {"Parameter", "Value"});
  if (!value) {
    throw AwsError("InvalidResponse", "SSM GetParameter: no Parameter.Value in the answer", 200,
                   false);
  }
  return std::string(*value);
}

}  // namespace agm::aws
