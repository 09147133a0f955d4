#pragma once
// Parsed client certificates keyed by their exact PEM text. Why: with OpenSSL 3, d2i_X509 decodes
// the public key through the provider decoder framework and costs several RSA-2048 verifications
// (bench/authorizer_bench: BM_Part_CertificateFromPem), while a client presents the same
// certificate on every request. Identical PEM text always parses to the identical certificate, so
// caching the parse changes no decision: validity is still checked against the clock on every
// request, and the registry is still asked (through its own TTL cache) every time. Only successful
// parses are kept; a bad PEM is parsed (and refused) every time. Bounded; thread-safe.
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "mtls/certificate.hpp"

namespace agm::mtls {

class CertificateCache {
 public:
  explicit CertificateCache(std::size_t max_entries = 64) : max_entries_(max_entries) {}
  // The parsed certificate; throws what ClientCertificate::from_pem throws.
  std::shared_ptr<const ClientCertificate> parse(const std::string& pem);
  [[nodiscard]] std::size_t size() const;

 private:
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ClientCertificate>, std::less<>> entries_;
  std::deque<std::string> order_;  // insertion order, oldest first (evicted first)
};

}  // namespace agm::mtls
