#include "mtls/expiry_report.hpp"

#include <algorithm>
#include <exception>
#include <tuple>
#include <utility>

#include "core/pem.hpp"
#include "mtls/certificate.hpp"

namespace agm::mtls {

namespace json = boost::json;

namespace {

// Runs one source; a throw becomes a SourceFailure named `source`.
template <typename Fn>
auto read_source(std::vector<SourceFailure>& failures, std::string_view source, Fn&& fn)
    -> std::optional<decltype(fn())> {
  try {
    return fn();
  } catch (const std::exception& e) {
    failures.push_back({std::string(source), e.what()});
  } catch (...) {
    failures.push_back({std::string(source), "unknown error"});
  }
  return std::nullopt;
}

json::value optional_days(const std::optional<std::int64_t>& days) {
  return days ? json::value(*days) : json::value(nullptr);
}

json::value registry_json(const ExpiryReport::Registry& registry) {
  json::array expiring;
  for (const auto& c : registry.expiring) {
    expiring.push_back(json::object{{"client_id", c.client_id},
                                    {"thumbprint", c.thumbprint},
                                    {"serial_number", c.serial_number},
                                    {"not_after", core::format_rfc3339(c.not_after)},
                                    {"days_left", c.days_left}});
  }
  json::array malformed;
  for (const auto& m : registry.malformed) {
    malformed.push_back(json::object{{"thumbprint", m.thumbprint}, {"reason", m.reason}});
  }
  return json::object{{"active", registry.active},
                      {"earliest_days", optional_days(registry.earliest_days)},
                      {"expiring", std::move(expiring)},
                      {"malformed", std::move(malformed)}};
}

json::value truststore_json(const std::vector<TruststoreCertificate>& certificates) {
  json::array out;
  for (const auto& c : certificates) {
    out.push_back(json::object{{"subject", c.subject_dn},
                               {"thumbprint", c.thumbprint},
                               {"not_after", core::format_rfc3339(c.not_after)},
                               {"days_left", c.days_left},
                               {"due", c.due}});
  }
  return out;
}

void registry_text(const ExpiryReport::Registry& registry, std::int64_t window, std::string& out) {
  out += "registry: " + std::to_string(registry.active) + " ACTIVE certificate(s)";
  if (registry.earliest_days) {
    out += ", the earliest expires in " + std::to_string(*registry.earliest_days) + " day(s)";
  }
  out += "\n";
  if (registry.expiring.empty()) {
    out += "  none expires within " + std::to_string(window) + " days\n";
  }
  for (const auto& c : registry.expiring) {
    out += "  EXPIRING  client " + c.client_id + "  thumbprint " + c.thumbprint + "  not after " +
           core::format_rfc3339(c.not_after) + "  (" + std::to_string(c.days_left) + " days)\n";
  }
  for (const auto& m : registry.malformed) {
    out += "  MALFORMED record " + (m.thumbprint.empty() ? "(no thumbprint)" : m.thumbprint) +
           ": " + m.reason + "\n";
  }
}

void truststore_text(const ExpiryReport& report, std::string& out) {
  if (report.truststore) {
    out += "truststore: " + std::to_string(report.truststore->size()) + " certificate(s)\n";
    for (const auto& c : *report.truststore) {
      out += std::string(c.due ? "  EXPIRING  " : "  ok        ") + c.subject_dn + "  not after " +
             core::format_rfc3339(c.not_after) + "  (" + std::to_string(c.days_left) + " days)\n";
    }
  }
  if (report.truststore_warnings) {
    out += "truststore warnings: " + std::to_string(report.truststore_warnings->size()) + "\n";
    for (const auto& w : *report.truststore_warnings) {
      out += "  WARNING   " + w + "\n";
    }
  }
}

}  // namespace

std::int64_t days_until(core::TimePoint not_after, core::TimePoint now) {
  // Seconds first: both are whole seconds over 0000-9999, so the difference cannot overflow.
  return std::chrono::floor<std::chrono::days>(not_after - now).count();
}

std::optional<std::int64_t> ExpiryReport::earliest_ca_days() const {
  if (!truststore || truststore->empty()) {
    return std::nullopt;
  }
  return truststore->front().days_left;  // sorted, earliest first
}

bool ExpiryReport::due() const {
  const bool registry_due =
      registry && (!registry->expiring.empty() || !registry->malformed.empty());
  const bool ca_due =
      truststore && std::any_of(truststore->begin(), truststore->end(),
                                [](const TruststoreCertificate& c) { return c.due; });
  const bool warned = truststore_warnings && !truststore_warnings->empty();
  return registry_due || ca_due || warned;
}

ExpiryReport::Registry registry_expiry(const Listing& listing, core::TimePoint now,
                                       std::chrono::days window) {
  ExpiryReport::Registry out;
  out.malformed = listing.malformed;
  for (const auto& r : listing.records) {
    if (r.status != CertStatus::kActive) {
      continue;
    }
    ++out.active;
    const std::int64_t days = days_until(r.not_after, now);
    out.earliest_days = out.earliest_days ? std::min(*out.earliest_days, days) : days;
    if (r.not_after - now <= window) {
      out.expiring.push_back({r.client_id, r.thumbprint, r.serial_number, r.not_after, days});
    }
  }
  std::sort(out.expiring.begin(), out.expiring.end(),
            [](const ExpiringCertificate& a, const ExpiringCertificate& b) {
              return std::tie(a.not_after, a.client_id, a.thumbprint) <
                     std::tie(b.not_after, b.client_id, b.thumbprint);
            });
  return out;
}

std::vector<TruststoreCertificate> truststore_expiry(std::string_view bundle_pem,
                                                     core::TimePoint now,
                                                     std::chrono::days window) {
  std::vector<TruststoreCertificate> out;
  for (const auto& block : core::split_pem_bundle(bundle_pem)) {
    const auto cert = ClientCertificate::from_pem(block);
    out.push_back({cert.subject_dn, cert.thumbprint, cert.not_after,
                   days_until(cert.not_after, now), cert.not_after - now <= window});
  }
  std::sort(out.begin(), out.end(),
            [](const TruststoreCertificate& a, const TruststoreCertificate& b) {
              return std::tie(a.not_after, a.thumbprint) < std::tie(b.not_after, b.thumbprint);
            });
  return out;
}

ExpiryReport gather_expiry_report(const ExpirySources& sources, core::TimePoint now,
                                  std::chrono::days window) {
  ExpiryReport report;
  report.generated_at = now;
  report.window_days = window.count();
  if (sources.registry) {
    report.registry = read_source(report.failures, "registry",
                                  [&] { return registry_expiry(sources.registry(), now, window); });
  }
  if (sources.truststore) {
    report.truststore = read_source(report.failures, "truststore", [&] {
      return truststore_expiry(sources.truststore(), now, window);
    });
  }
  if (sources.truststore_warnings) {
    report.truststore_warnings =
        read_source(report.failures, "domain", [&] { return sources.truststore_warnings(); });
  }
  return report;
}

json::object to_json(const ExpiryReport& report) {
  json::array failures;
  for (const auto& f : report.failures) {
    failures.push_back(json::object{{"source", f.source}, {"message", f.message}});
  }
  json::value warnings = nullptr;
  if (report.truststore_warnings) {
    json::array list;
    for (const auto& w : *report.truststore_warnings) {
      list.emplace_back(w);
    }
    warnings = std::move(list);
  }
  return json::object{
      {"generated_at", core::format_rfc3339(report.generated_at)},
      {"window_days", report.window_days},
      {"due", report.due()},
      {"registry", report.registry ? registry_json(*report.registry) : json::value(nullptr)},
      {"truststore",
       report.truststore ? truststore_json(*report.truststore) : json::value(nullptr)},
      {"truststore_warnings", std::move(warnings)},
      {"failures", std::move(failures)}};
}

std::string to_text(const ExpiryReport& report) {
  std::string out = "certificate expiry report, " + core::format_rfc3339(report.generated_at) +
                    " (window: " + std::to_string(report.window_days) + " days)\n";
  if (report.registry) {
    registry_text(*report.registry, report.window_days, out);
  }
  truststore_text(report, out);
  for (const auto& f : report.failures) {
    out += "FAILED to read the " + f.source + ": " + f.message + "\n";
  }
  out += report.due() ? "action needed\n" : "nothing due\n";
  return out;
}

}  // namespace agm::mtls
