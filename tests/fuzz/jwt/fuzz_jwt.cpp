// oauth::AccessTokenVerifier::verify on arbitrary text, with a preloaded JWKS. Inputs ending in
// ".SIG" are signed first (fuzz_support.hpp), so claim checks behind the signature are reached.
// Properties: never throws, never crashes; an accepted token really carries the fixed issuer,
// token_use "access", an exp in the future and a client_id.
#include <cstdlib>

#include "common/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static agm::test::Verifier* v = new agm::test::Verifier();  // lives for the process
  const std::string token = agm::test::resign(std::string(agm::test::as_view(data, size)));
  const agm::oauth::VerifyResult result = v->verifier.verify(token);
  if (result.ok()) {
    const auto& t = *result.token;
    if (t.iss != agm::oauth::cognito_issuer(agm::test::kRegion, agm::test::kPool) ||
        t.token_use != "access" || t.exp <= agm::test::kNowEpoch || t.client_id.empty())
      std::abort();  // an accepted token that breaks docs/contract.md section 6 rule 4
    (void)t.has_scope("mtls-api/health.read");
  } else {
    (void)agm::oauth::to_string(result.error);
  }
  return 0;
}
