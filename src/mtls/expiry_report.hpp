#pragma once
// What is about to expire (issue 18 item 3), gathered ONCE for both readers: the watcher function
// (daily, metrics and one SNS message) and `mtlsctl report` (a terminal, --json). ACTIVE registry
// certificates expiring within the warning window, the truststore's CA certificates, and the
// custom domain's truststore warnings. Pure: the sources are passed in as callables, so tests give
// it dynalite's registry and a bundle from a string.
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "mtls/registry.hpp"

namespace agm::mtls {

// Days from `now` to `not_after`, rounded down (negative once expired): the unit the metrics and
// the alarms use.
std::int64_t days_until(core::TimePoint not_after, core::TimePoint now);

struct ExpiringCertificate {
  std::string client_id;
  std::string thumbprint;
  std::string serial_number;
  core::TimePoint not_after;
  std::int64_t days_left = 0;
};

struct TruststoreCertificate {
  std::string subject_dn;
  std::string thumbprint;
  core::TimePoint not_after;
  std::int64_t days_left = 0;
  bool due = false;  // expires within the window (or has)
};

// A source that could not be read, by name: "registry", "truststore", "domain". The report holds
// what the others gave.
struct SourceFailure {
  std::string source;
  std::string message;
};

struct ExpiryReport {
  core::TimePoint generated_at;
  std::int64_t window_days = 0;
  // The registry (nullopt: it could not be read).
  struct Registry {
    std::size_t active = 0;                     // ACTIVE certificates
    std::vector<ExpiringCertificate> expiring;  // ACTIVE within the window, earliest first
    std::optional<std::int64_t> earliest_days;  // the earliest ACTIVE one (none: no ACTIVE)
    std::vector<MalformedRecord> malformed;     // items that do not read as records
  };
  std::optional<Registry> registry;
  // The truststore's certificates, earliest first (nullopt: not configured or not readable).
  std::optional<std::vector<TruststoreCertificate>> truststore;
  // GetDomainName's truststoreWarnings (nullopt: no domain configured or not readable).
  std::optional<std::vector<std::string>> truststore_warnings;
  std::vector<SourceFailure> failures;

  [[nodiscard]] std::optional<std::int64_t> earliest_ca_days() const;
  // Something an operator must act on: a certificate or CA within the window, a truststore
  // warning, a malformed record. (A failed source is not "due": it is the run's error.)
  [[nodiscard]] bool due() const;
};

// Where the report reads from. An empty callable is a source not configured (skipped, not failed).
// A callable that throws is a SourceFailure; the others still count.
struct ExpirySources {
  std::function<Listing()> registry;                              // every record
  std::function<std::string()> truststore;                        // the bundle's PEM text
  std::function<std::vector<std::string>()> truststore_warnings;  // GetDomainName's
};

// Never throws for a source's failure (it is in `failures`).
ExpiryReport gather_expiry_report(const ExpirySources& sources, core::TimePoint now,
                                  std::chrono::days window);

// The registry part from a listing, and the truststore part from a bundle (exposed for tests).
ExpiryReport::Registry registry_expiry(const Listing& listing, core::TimePoint now,
                                       std::chrono::days window);
// Throws core::Error (a truncated block) or CertificateError (a block that does not parse).
std::vector<TruststoreCertificate> truststore_expiry(std::string_view bundle_pem,
                                                     core::TimePoint now, std::chrono::days window);

// `mtlsctl report --json` and the watcher's result: times RFC 3339, absent parts null.
boost::json::object to_json(const ExpiryReport& report);
// The terminal's text and the SNS message: one line per item an operator acts on.
std::string to_text(const ExpiryReport& report);

}  // namespace agm::mtls
