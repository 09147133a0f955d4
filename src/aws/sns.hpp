#pragma once
// SNS Publish (the Query protocol: a form POST, XML answers), the watcher's one message when
// something is due. Subject at most 100 printable ASCII characters, message at most 256 KiB
// (SNS's limits; checked here so a long report fails clearly rather than as InvalidParameter).
#include <string>

#include "aws/client.hpp"
#include "aws/rest_client.hpp"

namespace agm::aws {

class Sns {
 public:
  explicit Sns(ClientConfig config);
  // Returns the MessageId. Throws AwsError or TransportError; AwsError("InvalidParameter") for a
  // subject or message over SNS's limits.
  std::string publish(const std::string& topic_arn, const std::string& subject,
                      const std::string& message, Deadline deadline);

 private:
  RestClient rest_;
};

}  // namespace agm::aws
