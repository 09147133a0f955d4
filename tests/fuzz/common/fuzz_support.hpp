#pragma once
// Shared pieces of the fuzz targets: a fixed clock, a logger that formats every line and drops
// it, an RS256 key made at start-up whose JWKS the verifiers preload, and a registry that answers
// without I/O. Nothing here is read from disk or committed key material.
//
// Signatures cannot be found by mutation, so a token whose third segment is literally "SIG" is
// re-signed with the fuzz key before it is used (resign()): the fuzzer then reaches every claim
// check behind the signature. Seeds use that form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "functions/common/main.hpp"
#include "mtls/registry.hpp"
#include "oauth/jwks.hpp"
#include "oauth/verifier.hpp"
#include "support/jwt_signer.hpp"

namespace agm::test {

inline constexpr const char* kRegion = "eu-west-1";
inline constexpr const char* kPool = "eu-west-1_FuzzPool";
inline constexpr const char* kClientId = "fuzzclient";
inline constexpr const char* kKid = "fuzz-key";
// 2027-06-01T00:00:00Z: inside the seed certificates' validity and before the seed tokens' exp.
inline constexpr std::int64_t kNowEpoch = 1811808000;

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// AGM_FUZZ_PRINT=1 prints what a handler answered (triage: `fuzz_<t> <input file>`).
// A raw Runtime API payload through the edge every function's main() uses (functions::invoke:
// typed parse, handle, serialize), so the fuzzers reach exactly what Lambda reaches. The answer's
// payload; a failure answer (the handler's fallback) aborts, since handle() must never throw.
template <typename Handler>
std::string invoke(const Handler& handler, std::string_view payload) {
  lambda::invocation_request invocation;
  invocation.payload = std::string(payload);
  invocation.request_id = "fuzz-invocation";
  const lambda::invocation_response response = functions::invoke(handler, invocation);
  if (!response.is_success())
    std::abort();
  return response.get_payload();
}

inline void maybe_print(std::string_view what) {
  static const bool on = std::getenv("AGM_FUZZ_PRINT") != nullptr;
  if (on)
    std::cerr << what << "\n";
}

// Every line is formatted (so logging code is exercised) and written nowhere.
inline const core::Logger& null_logger() {
  static std::ostream sink(nullptr);
  static const core::Logger logger(core::LogLevel::kDebug, &sink);
  return logger;
}

inline const core::ManualClock& fixed_clock() {
  static const core::ManualClock clock(core::from_epoch_seconds(kNowEpoch));
  return clock;
}

inline const test::TestRsaKey& fuzz_key() {
  static const test::TestRsaKey key(kKid);
  return key;
}

// "<h>.<p>.SIG" -> "<h>.<p>.<RS256 signature by fuzz_key()>"; anything else unchanged.
inline std::string resign(std::string token) {
  constexpr std::string_view kMarker = ".SIG";
  if (token.size() > kMarker.size() && token.ends_with(kMarker)) {
    const std::string input = token.substr(0, token.size() - kMarker.size());
    return input + "." + core::base64url_encode(fuzz_key().sign_rs256(input));
  }
  return token;
}

// The JWKS is never fetched: it is preloaded. A refetch (unknown kid) fails like an unreachable
// endpoint.
class NoFetcher final : public oauth::JwksFetcher {
 public:
  std::string fetch() override { throw std::runtime_error("fuzz: no network"); }
};

struct Verifier {
  NoFetcher fetcher;
  oauth::JwksCache jwks{fetcher, fixed_clock()};
  oauth::AccessTokenVerifier verifier{
      oauth::VerifierConfig{kRegion, kPool, std::chrono::seconds(0), 16384}, jwks, fixed_clock()};
  Verifier() { jwks.set_jwks(test::jwks_of({&fuzz_key()})); }
};

// Answers for any thumbprint, so that certificates the fuzzer changes still reach the later
// checks; the first hex digit picks the answer: '0' not registered, '1' REVOKED, '2' unavailable,
// '3' scopes restricted, '4' another client, else ACTIVE for kClientId with any scope.
class FuzzRegistry final : public mtls::RegistryReader {
 public:
  std::optional<mtls::RegistryRecord> find(const std::string& thumbprint) override {
    const char first = thumbprint.empty() ? 'f' : thumbprint.front();
    if (first == '0')
      return std::nullopt;
    if (first == '2')
      throw mtls::RegistryError(mtls::RegistryErrc::kUnavailable, "fuzz: unavailable");
    mtls::RegistryRecord r;
    r.thumbprint = thumbprint;
    r.client_id = first == '4' ? "otherclient" : kClientId;
    r.status = first == '1' ? mtls::CertStatus::kRevoked : mtls::CertStatus::kActive;
    r.serial_number = "01";
    r.subject_dn = "CN=fuzz";
    r.issuer_dn = "CN=fuzz-ca";
    r.not_before = core::from_epoch_seconds(kNowEpoch - 86400 * 365);
    r.not_after = core::from_epoch_seconds(kNowEpoch + 86400 * 365);
    if (first == '3')
      r.scopes = std::vector<std::string>{"mtls-api/health.read"};
    r.created_at = r.not_before;
    r.updated_at = r.not_before;
    return r;
  }
};

// Re-signs headers.authorization "Bearer <h>.<p>.SIG" of a JSON event; other payloads unchanged.
inline std::string resign_event(std::string_view payload) {
  auto parsed = core::parse_json(payload);
  if (!parsed || !parsed->is_object())
    return std::string(payload);
  auto* headers = parsed->as_object().if_contains("headers");
  if (headers == nullptr || !headers->is_object())
    return std::string(payload);
  auto* auth = headers->as_object().if_contains("authorization");
  if (auth == nullptr || !auth->is_string())
    return std::string(payload);
  const std::string value(auth->as_string());
  constexpr std::string_view kBearer = "Bearer ";
  if (!value.starts_with(kBearer))
    return std::string(payload);
  *auth = std::string(kBearer) + resign(value.substr(kBearer.size()));
  return boost::json::serialize(*parsed);
}

}  // namespace agm::test
