#pragma once
// The SSM Parameter Store emulator of the local stack, independent of the HTTP server around it:
// one request in, one response out. JSON 1.1, X-Amz-Target AmazonSSM.<Action>, every request
// SigV4-signed with the configured credentials. Actions: PutParameter, GetParameter,
// GetParameters, GetParametersByPath, DeleteParameter, GetParameterHistory (what mtlsctl, the
// PKI scripts and awscli use). docs/local-stack.md says where it differs from SSM.
// State lives in `<state_dir>/parameters.json` (mode 0600: SecureString values are kept in the
// clear there, as no KMS runs locally), rewritten atomically on every change.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "aws/sigv4_verify.hpp"
#include "core/json.hpp"
#include "core/time.hpp"

namespace agm::local::ssm {

struct Config {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  aws::Credentials credentials{"local", "local", ""};
  std::string state_dir;
};

struct Response {
  int status = 200;
  std::string body;
};

struct Version {
  std::int64_t version = 0;
  std::string type;  // String, StringList, SecureString
  std::string value;
  std::string key_id;         // SecureString only
  std::string tier;           // Standard, Advanced
  std::int64_t modified = 0;  // epoch seconds
};

class Emulator {
 public:
  Emulator(Config config, const core::Clock& clock);  // loads the state; throws core::Error
  Response handle(const aws::ReceivedRequest& request);

 private:
  Response dispatch(const std::string& action, const boost::json::object& body);
  Response put(const boost::json::object& body);
  Response get(const boost::json::object& body);
  Response get_many(const boost::json::object& body);
  Response by_path(const boost::json::object& body);
  Response remove(const boost::json::object& body);
  Response history(const boost::json::object& body);
  [[nodiscard]] boost::json::object describe(const std::string& name, const Version& v,
                                             bool decrypt) const;
  void save() const;
  void load();

  Config config_;
  const core::Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, std::vector<Version>> parameters_;  // name -> versions, oldest first
};

}  // namespace agm::local::ssm
