#include "aws/ssm.hpp"

namespace agm::aws {
Ssm::Ssm(ClientConfig config)
    : client_(std::move(config), "ssm", "AmazonSSM", "application/x-amz-json-1.1") {}
std::int64_t Ssm::put_secure_string(const std::string&, const std::string&,
                                    const std::optional<std::string>&, bool, Deadline) {
  return 0;
}
std::optional<std::string> Ssm::get_parameter(const std::string&, bool, Deadline) {
  return std::nullopt;
}
JsonClient& Ssm::client() {
  return client_;
}
}  // namespace agm::aws
