#include "core/pem.hpp"

#include "core/error.hpp"

namespace agm::core {

std::vector<std::string> split_pem_bundle(std::string_view pem) {
  std::vector<std::string> blocks;
  std::size_t pos = 0;
  while ((pos = pem.find(kPemBeginCertificate, pos)) != std::string_view::npos) {
    const std::size_t body = pos + kPemBeginCertificate.size();
    const std::size_t end = pem.find(kPemEndCertificate, body);
    // A truncated bundle must not silently lose a certificate; a BEGIN inside a block means the
    // first one lost its END.
    if (end == std::string_view::npos ||
        pem.substr(body, end - body).find("-----BEGIN") != std::string_view::npos) {
      throw Error("pki_bad_input", "CERTIFICATE block without its END line");
    }
    std::string block(pem.substr(pos, end + kPemEndCertificate.size() - pos));
    block += '\n';
    blocks.push_back(std::move(block));
    pos = end + kPemEndCertificate.size();
  }
  return blocks;
}

}  // namespace agm::core
