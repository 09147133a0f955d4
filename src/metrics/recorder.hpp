#pragma once
// Where the functions record what they measure: one call per decision point. Lines go nowhere
// until a function's main() calls install() (functions/common/main.cpp), so libraries used by
// the tests and mtlsctl emit nothing. Recording never throws and never blocks on more than one
// write of one line to the installed stream (stdout in Lambda: one log event per line).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "metrics/metrics.hpp"

namespace agm::metrics {

// From now on, lines go to `out` with `function` as the Function dimension. `out` must outlive
// every later record (std::cout does). Records ColdStart: call it once per process.
void install(std::ostream& out, std::string function);
// Lines go nowhere again (tests).
void uninstall();

void record_decision(bool allowed, std::string_view reason);
// Whole seconds, not system_clock::duration: a certificate valid to 9999 is ~2.5e11 s away,
// which overflows a 64-bit nanosecond count (see core/time.hpp).
void record_client_certificate_expiry(std::chrono::seconds remaining);
void record_token_request(std::string_view outcome);
// The watcher's, one call per measured value per run (a value not measured is not recorded).
void record_certificates_expiring_soon(std::size_t count);
void record_registry_certificate_expiry(std::int64_t days);
void record_truststore_ca_expiry(std::int64_t days);
void record_truststore_warnings(std::size_t count);
void record_dependency(Dependency dependency, std::chrono::steady_clock::duration latency,
                       bool failed);

// Times a call to a dependency over its scope; the call failed if the scope is left by an
// exception or if failed() was called.
class DependencyCall {
 public:
  explicit DependencyCall(Dependency dependency);
  DependencyCall(const DependencyCall&) = delete;
  DependencyCall& operator=(const DependencyCall&) = delete;
  ~DependencyCall();
  void failed() { failed_ = true; }

 private:
  Dependency dependency_;
  std::chrono::steady_clock::time_point start_;
  int exceptions_;
  bool failed_ = false;
};

}  // namespace agm::metrics
