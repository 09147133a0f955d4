#include "metrics/emf.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/json.hpp"

namespace agm::metrics {

namespace json = core::json;

namespace {

bool line_names_dimension(const Line& line, std::string_view name) {
  return std::ranges::any_of(line.dimension_sets, [&](const auto& set) {
    return std::ranges::find(set, name) != set.end();
  });
}

[[noreturn]] void mismatch(std::string_view what) {
  throw std::invalid_argument("EMF sample does not match its line: " + std::string(what));
}

}  // namespace

std::string to_emf(const Line& line, const Sample& sample,
                   std::chrono::system_clock::time_point timestamp) {
  json::object root;
  json::array metrics;
  for (const Metric& m : line.metrics) {
    const auto v =
        std::ranges::find(sample.values, m.name, &decltype(sample.values)::value_type::first);
    if (v == sample.values.end())
      mismatch("no value for " + std::string(m.name));
    root[m.name] = v->second;
    metrics.push_back(json::object{{"Name", m.name}, {"Unit", to_string(m.unit)}});
  }
  if (sample.values.size() != line.metrics.size())
    mismatch("a value for a metric the line does not carry");
  for (const auto& [name, value] : sample.dimensions) {
    if (!line_names_dimension(line, name))
      mismatch("dimension " + std::string(name) + " is not in the line's dimension sets");
    root[name] = value;
  }
  json::array sets;
  for (const auto& set : line.dimension_sets) {
    json::array names;
    for (const std::string_view name : set) {
      if (!root.contains(name))
        mismatch("no value for dimension " + std::string(name));
      names.emplace_back(name);
    }
    sets.push_back(std::move(names));
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(timestamp.time_since_epoch()).count();
  json::object directive{{"Namespace", kNamespace}};
  directive["Dimensions"] = std::move(sets);
  directive["Metrics"] = std::move(metrics);
  json::object aws{{"Timestamp", ms}};
  aws["CloudWatchMetrics"] = json::array{std::move(directive)};
  root["_aws"] = std::move(aws);
  return json::serialize(root);
}

}  // namespace agm::metrics
