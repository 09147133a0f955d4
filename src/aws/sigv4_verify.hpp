#pragma once
// Server-side SigV4 check, for the local emulators and the tests' loopback servers alike (one
// verifier, so what the emulators accept is what the tests check): the request is rebuilt from
// what arrived, re-signed with the expected credentials by our signer, and the signatures
// compared. What a client signs is its choice; the `required` headers must be among them.
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
  // S3's variant: the path neither normalized nor encoded twice, and the payload hash signed
  // (x-amz-content-sha256, which must be the body's SHA-256).
  bool s3 = false;
};

// kRefused: not a well-formed signature of the expected key, scope and headers; kMismatch: well
// formed, but the signature is not the one the request's content gives.
enum class SignatureErrc { kOk, kRefused, kMismatch };

struct SignatureCheck {
  SignatureErrc errc = SignatureErrc::kOk;
  std::string why;  // "" when kOk; otherwise for the emulator's log and error message
  [[nodiscard]] bool ok() const { return errc == SignatureErrc::kOk; }
};

SignatureCheck verify_signature(const ReceivedRequest& request, const VerifyParams& params);

}  // namespace agm::aws
