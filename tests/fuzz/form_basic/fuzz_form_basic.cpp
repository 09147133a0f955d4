// The form body and Basic header parsers: core::parse_form / percent_decode / base64_decode, and
// oauth::strip_auth_scheme, and the token handler's HTTP Basic parsing (reached through
// functions::invoke, as Lambda reaches it, with the input as header and body). Input:
// "<Authorization header value>\n<form body>". Properties: parse_form round-trips what it
// accepts through percent_encode; the handler never throws and never answers 200 (no certificate
// in these events, so the registry and the token endpoint must not be reached).
#include <cstdlib>

#include "common/fuzz_support.hpp"
#include "core/encoding.hpp"
#include "functions/common/event.hpp"
#include "functions/token/handler.hpp"
#include "oauth/protocol.hpp"

namespace {

class NoEndpoint final : public agm::functions::token::TokenEndpoint {
 public:
  agm::oauth::TokenEndpointResponse request(const std::string&, const std::string&) override {
    std::abort();  // no certificate in the event: issuing must stop before the endpoint
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = agm::test::as_view(data, size);
  const auto nl = input.find('\n');
  const std::string_view auth = input.substr(0, nl);
  const std::string_view body =
      nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

  if (const auto pairs = agm::core::parse_form(body)) {
    std::string again;
    for (const auto& [k, v] : *pairs) {
      if (!again.empty())
        again += '&';
      again += agm::core::percent_encode(k) + "=" + agm::core::percent_encode(v);
    }
    const auto reparsed = agm::core::parse_form(again);
    if (!reparsed || *reparsed != *pairs)
      std::abort();
  }
  if (const auto rest = agm::oauth::strip_auth_scheme(auth, "Basic")) {
    if (const auto decoded = agm::core::base64_decode(*rest)) {
      (void)agm::core::percent_decode(*decoded, true);
      if (agm::core::base64_decode(agm::core::base64_encode(*decoded)) != decoded)
        std::abort();
    }
  }

  static agm::test::FuzzRegistry registry;
  static NoEndpoint endpoint;
  static const agm::functions::token::Handler handler(
      {}, registry, endpoint, agm::test::fixed_clock(), agm::test::null_logger());
  boost::json::object event{
      {"version", "2.0"},
      {"routeKey", "POST /token"},
      {"headers", boost::json::object{{"authorization", auth},
                                      {"content-type", "application/x-www-form-urlencoded"}}},
      {"requestContext", boost::json::object{{"requestId", "fuzz"}}},
      {"body", body},
      {"isBase64Encoded", false}};
  const std::string out = agm::test::invoke(handler, boost::json::serialize(event));
  const auto parsed = agm::core::parse_json(out);
  if (!parsed || !parsed->is_object())
    std::abort();
  const auto* status = parsed->as_object().if_contains("statusCode");
  if (status == nullptr || !status->is_int64() || status->as_int64() == 200)
    std::abort();
  return 0;
}
