#pragma once
// The admission rule's verdict on a registry record alone (its status and its own validity), as
// the functions ask it (mtls/admission.hpp).
#include <optional>
#include <string>
#include <utility>

#include "core/time.hpp"
#include "mtls/admission.hpp"
#include "mtls/registry.hpp"

namespace agm::test {

inline bool admitted_at(const mtls::RegistryRecord& record, core::TimePoint t) {
  struct One final : mtls::RegistryReader {
    explicit One(mtls::RegistryRecord r) : record(std::move(r)) {}
    std::optional<mtls::RegistryRecord> find(const std::string& /*thumbprint*/) override {
      return record;
    }
    mtls::RegistryRecord record;
  } one(record);
  return mtls::admit_certificate(one, mtls::Presented::thumbprint_only(record.thumbprint), t)
      .admitted();
}

}  // namespace agm::test
