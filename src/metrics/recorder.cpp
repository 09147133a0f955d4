#include "metrics/recorder.hpp"

#include <exception>
#include <mutex>
#include <utility>

#include "metrics/emf.hpp"

namespace agm::metrics {

namespace {

// The process's one sink. A global rather than a dependency passed to every handler: a metric is
// a side channel of the log (as the logger's stream is), and the decision points stay one call.
struct Sink {
  std::mutex mutex;
  std::ostream* out = nullptr;
  std::string function;
};

Sink& sink() {
  static Sink s;
  return s;
}

void emit(const Line& line, Sample sample) noexcept {
  try {
    Sink& s = sink();
    const std::lock_guard lock(s.mutex);
    if (s.out == nullptr)
      return;
    sample.dimensions.emplace_back(kDimFunction, s.function);
    *s.out << to_emf(line, sample, std::chrono::system_clock::now()) << '\n' << std::flush;
  } catch (...) {  // NOLINT(bugprone-empty-catch): a metric must never fail a request
  }
}

}  // namespace

void install(std::ostream& out, std::string function) {
  {
    Sink& s = sink();
    const std::lock_guard lock(s.mutex);
    s.out = &out;
    s.function = std::move(function);
  }
  emit(kColdStartLine, {{{"ColdStart", 1}}, {}});
}

void uninstall() {
  Sink& s = sink();
  const std::lock_guard lock(s.mutex);
  s.out = nullptr;
}

void record_decision(bool allowed, std::string_view reason) {
  emit(kDecisionLine,
       {{{"AuthorizerDecision", 1}},
        {{kDimDecision, allowed ? "Allow" : "Deny"}, {kDimReason, std::string(reason)}}});
}

void record_client_certificate_expiry(std::chrono::seconds remaining) {
  const double days = std::chrono::duration<double, std::ratio<86400>>(remaining).count();
  emit(kCertificateExpiryLine, {{{"ClientCertificateDaysToExpiry", days}}, {}});
}

void record_token_request(std::string_view outcome) {
  emit(kTokenLine, {{{"TokenRequest", 1}}, {{kDimOutcome, std::string(outcome)}}});
}

void record_certificates_expiring_soon(std::size_t count) {
  emit(kExpiringSoonLine, {{{"CertificatesExpiringSoon", static_cast<double>(count)}}, {}});
}

void record_registry_certificate_expiry(std::int64_t days) {
  emit(kRegistryExpiryLine, {{{"RegistryCertificateDaysToExpiry", static_cast<double>(days)}}, {}});
}

void record_truststore_ca_expiry(std::int64_t days) {
  emit(kTruststoreExpiryLine, {{{"TruststoreCaDaysToExpiry", static_cast<double>(days)}}, {}});
}

void record_truststore_warnings(std::size_t count) {
  emit(kTruststoreWarningsLine, {{{"TruststoreWarnings", static_cast<double>(count)}}, {}});
}

void record_dependency(Dependency dependency, std::chrono::steady_clock::duration latency,
                       bool failed) {
  const double ms = std::chrono::duration<double, std::milli>(latency).count();
  emit(kDependencyLine, {{{"DependencyLatency", ms}, {"DependencyFailure", failed ? 1 : 0}},
                         {{kDimDependency, std::string(to_string(dependency))}}});
}

DependencyCall::DependencyCall(Dependency dependency)
    : dependency_(dependency),
      start_(std::chrono::steady_clock::now()),
      exceptions_(std::uncaught_exceptions()) {}

DependencyCall::~DependencyCall() {
  const bool threw = std::uncaught_exceptions() > exceptions_;
  record_dependency(dependency_, std::chrono::steady_clock::now() - start_, failed_ || threw);
}

}  // namespace agm::metrics
