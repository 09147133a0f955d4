#include "mtls/certificate_cache.hpp"

namespace agm::mtls {

std::shared_ptr<const ClientCertificate> CertificateCache::parse(const std::string& pem) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find(pem);
    if (it != entries_.end())
      return it->second;
  }
  // Parse outside the lock; a concurrent parse of the same PEM just inserts the same result.
  auto parsed = std::make_shared<const ClientCertificate>(ClientCertificate::from_pem(pem));
  if (max_entries_ == 0)
    return parsed;
  const std::lock_guard<std::mutex> lock(mutex_);
  if (entries_.emplace(pem, parsed).second) {
    order_.push_back(pem);
    while (order_.size() > max_entries_) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
  }
  return parsed;
}

std::size_t CertificateCache::size() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace agm::mtls
