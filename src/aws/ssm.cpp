#include "aws/ssm.hpp"

#include <utility>

#include "core/error.hpp"
#include "core/json.hpp"

namespace agm::aws {

namespace json = boost::json;

Ssm::Ssm(ClientConfig config)
    : client_(std::move(config), "ssm", "AmazonSSM", "application/x-amz-json-1.1") {}

JsonClient& Ssm::client() {
  return client_;
}

std::optional<std::string> tier_for(std::string_view value) {
  if (value.size() > kAdvancedTierMaxChars) {
    throw core::Error("ssm_value_too_large", "the value is " + std::to_string(value.size()) +
                                                 " characters; an SSM parameter holds at most " +
                                                 std::to_string(kAdvancedTierMaxChars) +
                                                 " (Advanced tier)");
  }
  if (value.size() > kStandardTierMaxChars)
    return std::string("Advanced");
  return std::nullopt;
}

PutParameterResult Ssm::put_secure_string(const std::string& name, const std::string& value,
                                          const std::optional<std::string>& kms_key_id,
                                          bool overwrite, Deadline deadline) {
  const auto tier = tier_for(value);
  json::object request{
      {"Name", name}, {"Value", value}, {"Type", "SecureString"}, {"Overwrite", overwrite}};
  if (kms_key_id && !kms_key_id->empty()) {
    request["KeyId"] = *kms_key_id;
  }
  if (tier) {
    request["Tier"] = *tier;
  }
  const json::value answer = client_.call("PutParameter", request, deadline);
  PutParameterResult result;
  const auto version = core::get_int(answer, "Version");
  if (!version) {
    throw AwsError("InvalidResponse", "SSM PutParameter: no Version in the answer", 200, false);
  }
  result.version = *version;
  const auto answered = core::get_string(answer, "Tier");
  result.tier = answered ? std::string(*answered) : tier.value_or("Standard");
  return result;
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

bool Ssm::delete_parameter(const std::string& name, Deadline deadline) {
  try {
    client_.call("DeleteParameter", json::object{{"Name", name}}, deadline);
  } catch (const AwsError& e) {
    if (e.code() == "ParameterNotFound") {
      return false;
    }
    throw;
  }
  return true;
}

std::vector<std::string> Ssm::names_by_path(const std::string& path, Deadline deadline) {
  std::vector<std::string> names;
  std::string next;
  do {
    json::object request{{"Path", path}, {"Recursive", true}, {"WithDecryption", false}};
    if (!next.empty()) {
      request["NextToken"] = next;
    }
    const json::value answer = client_.call("GetParametersByPath", request, deadline);
    const auto* params =
        answer.is_object() ? answer.as_object().if_contains("Parameters") : nullptr;
    if (params != nullptr && params->is_array()) {
      for (const auto& p : params->as_array()) {
        if (const auto name = core::get_string(p, "Name")) {
          names.emplace_back(*name);
        }
      }
    }
    const auto token = core::get_string(answer, "NextToken");
    next = token ? std::string(*token) : std::string();
  } while (!next.empty());
  return names;
}

}  // namespace agm::aws
