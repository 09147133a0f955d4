#pragma once
// SigV4 check for the LoopbackServer tests: the one server-side verifier (aws/sigv4_verify, the
// emulators' too) over what the loopback server received. Requires that `required` headers are
// in SignedHeaders, so a client that forgets to sign one fails.
#include <string>
#include <vector>

#include "aws/sigv4_verify.hpp"
#include "support/loopback_server.hpp"

namespace agm::test {

struct VerifyOptions {
  aws::Credentials credentials;
  std::string region;
  std::string service;
  bool s3 = false;
  std::vector<std::string> required;  // lower-case header names that must be signed
};

// Empty string when the received request carries a valid signature; otherwise why not.
inline std::string verify_sigv4(const HttpRequest& received, const VerifyOptions& opt) {
  return aws::verify_signature({received.method, received.target, received.headers, received.body},
                               {opt.service, opt.credentials, opt.region, opt.required, opt.s3})
      .why;
}

}  // namespace agm::test
