#include "aws/sigv4.hpp"

namespace agm::aws {
SignedParts sign_request(HttpRequest& /*request*/, const SigningParams& /*params*/) {
  throw core::Error("SigningError", "not implemented yet");
}
std::string canonical_uri(std::string_view path, bool /*normalize_path*/) {
  return std::string(path);
}
std::string canonical_query(std::string_view query) {
  return std::string(query);
}
}  // namespace agm::aws
