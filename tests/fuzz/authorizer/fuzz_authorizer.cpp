// The authorizer's handler fed raw Runtime API payloads (payload 2.0 REQUEST events), with a
// preloaded JWKS, a fake registry (fuzz_support.hpp) and, for the second handler, the TTL cache
// and REQUIRE_CERT_BOUND_TOKEN. A bearer token ending in ".SIG" is signed first, so allows are
// reachable. Properties: handle() never throws and always answers {"isAuthorized": bool}; an allow
// carries client_id == kClientId and a 64-digit cert_thumbprint in its context; a deny's context
// holds a reason name and at most the thumbprint (never a detail, a client id or a scope).
#include <cstdlib>

#include "common/fuzz_support.hpp"
#include "functions/authorizer/handler.hpp"
#include "mtls/cached_registry.hpp"

namespace {

void check(const std::string& out) {
  agm::test::maybe_print(out);
  const auto parsed = agm::core::parse_json(out);
  if (!parsed || !parsed->is_object())
    std::abort();
  const auto* allowed = parsed->as_object().if_contains("isAuthorized");
  if (allowed == nullptr || !allowed->is_bool())
    std::abort();
  const auto* context = parsed->as_object().if_contains("context");
  if (!allowed->as_bool()) {
    if (context == nullptr)
      return;
    if (!context->is_object())
      std::abort();
    for (const auto& [key, value] : context->as_object()) {
      if (!value.is_string() || (key != "reason" && key != "cert_thumbprint"))
        std::abort();
    }
    const auto* reason = context->as_object().if_contains("reason");
    if (reason == nullptr || reason->as_string() == "allowed")
      std::abort();
    return;
  }
  if (context == nullptr || !context->is_object())
    std::abort();
  const auto* client = context->as_object().if_contains("client_id");
  const auto* thumb = context->as_object().if_contains("cert_thumbprint");
  if (client == nullptr || !client->is_string() || client->as_string() != agm::test::kClientId ||
      thumb == nullptr || !thumb->is_string() || thumb->as_string().size() != 64)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto* verifier = new agm::test::Verifier();
  static agm::test::FuzzRegistry registry;
  static agm::mtls::CachedRegistry cached(registry, agm::test::fixed_clock(),
                                          std::chrono::seconds(30), std::chrono::seconds(5), 64);
  static const agm::functions::authorizer::RouteScopes routes =
      agm::functions::authorizer::parse_route_scopes("GET /health=mtls-api/health.read");
  static const agm::functions::authorizer::Handler plain(
      {routes, false}, registry, verifier->verifier, agm::test::fixed_clock(),
      agm::test::null_logger());
  static const agm::functions::authorizer::Handler bound({routes, true}, cached, verifier->verifier,
                                                         agm::test::fixed_clock(),
                                                         agm::test::null_logger());
  const std::string payload = agm::test::resign_event(agm::test::as_view(data, size));
  check(agm::test::invoke(plain, payload));
  check(agm::test::invoke(bound, payload));
  return 0;
}
