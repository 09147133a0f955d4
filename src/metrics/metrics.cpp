#include "metrics/metrics.hpp"

namespace agm::metrics {

std::string_view to_string(Unit unit) {
  switch (unit) {
    case Unit::kCount:
      return "Count";
    case Unit::kMilliseconds:
      return "Milliseconds";
    case Unit::kNone:
      return "None";
  }
  return "None";
}

std::string_view to_string(Dependency dependency) {
  switch (dependency) {
    case Dependency::kRegistry:
      return "Registry";
    case Dependency::kJwks:
      return "Jwks";
    case Dependency::kCognito:
      return "Cognito";
  }
  return "Registry";
}

}  // namespace agm::metrics
