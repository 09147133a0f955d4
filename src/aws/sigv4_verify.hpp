#pragma once
// Server-side SigV4 check for the local emulators (header variant): the request is rebuilt from
// what arrived, re-signed with the expected credentials, and the signatures compared. What a
// client signs is its choice; host, x-amz-date and (JSON protocols) x-amz-target must be signed.
#include <map>
#include <string>
#include <vector>

#include "aws/credentials.hpp"

namespace agm::aws {

struct ReceivedRequest {
  std::string method;
  std::string target;                          // path and query, as on the wire
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct VerifyParams {
  std::string service;                // "ssm"
  Credentials credentials;            // access key id and secret the server expects
  std::string region;                 // "" accepts the region the request names
  std::vector<std::string> required;  // header names that must be signed
};

// "" when the signature holds; otherwise why not (for the emulator's log and error message).
std::string verify_signature(const ReceivedRequest& request, const VerifyParams& params);

}  // namespace agm::aws
