// The token function's handler fed raw Runtime API payloads (payload 2.0 events), with a fake
// registry (fuzz_support.hpp) and a fake token endpoint. Properties: handle() never throws and
// always answers a JSON result with an integer statusCode; a 200 only comes with a certificate
// that parses, Basic credentials for kClientId and the endpoint actually called (with the token
// cache on: a token the endpoint issued earlier).
#include <cstdlib>

#include "common/fuzz_support.hpp"
#include "functions/token/handler.hpp"

namespace {

class FakeEndpoint final : public agm::functions::token::TokenEndpoint {
 public:
  int calls = 0;
  int issued = 0;  // 200 answers given
  agm::oauth::TokenEndpointResponse request(const std::string& authorization,
                                            const std::string& form_body) override {
    ++calls;
    // The form body decides the answer, so that the fuzzer also drives the answer mapping.
    if (form_body.find("scope=throw") != std::string::npos)
      throw std::runtime_error("fuzz: unreachable");
    if (form_body.find("scope=html") != std::string::npos)
      return {500, "text/html", "<html>oops</html>"};
    if (form_body.find("scope=denied") != std::string::npos)
      return {400, "application/json", R"({"error":"invalid_scope"})"};
    (void)authorization;
    ++issued;
    return {200, "application/json",
            R"({"access_token":"x","expires_in":3600,"token_type":"Bearer"})"};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static agm::test::FuzzRegistry registry;
  static FakeEndpoint endpoint;
  // Token cache off for the first two, so that every 200 must come from a call made for it.
  static const agm::functions::token::Handler plain(
      {false, false}, registry, endpoint, agm::test::fixed_clock(), agm::test::null_logger());
  static const agm::functions::token::Handler bound(
      {true, false}, registry, endpoint, agm::test::fixed_clock(), agm::test::null_logger());
  static const agm::functions::token::Handler cached(
      {true, true}, registry, endpoint, agm::test::fixed_clock(), agm::test::null_logger());
  const std::string_view payload = agm::test::as_view(data, size);
  for (const auto* handler : {&plain, &bound, &cached}) {
    const int before = endpoint.calls;
    const std::string out = agm::test::invoke(*handler, payload);
    agm::test::maybe_print(out);
    const auto parsed = agm::core::parse_json(out);
    if (!parsed || !parsed->is_object())
      std::abort();
    const auto* status = parsed->as_object().if_contains("statusCode");
    if (status == nullptr || !status->is_int64())
      std::abort();
    const bool from_cache = handler == &cached && endpoint.issued > 0;
    if (status->as_int64() == 200 && endpoint.calls == before && !from_cache)
      std::abort();  // a token answer the endpoint never gave
  }
  return 0;
}
