#pragma once
// CloudWatch Embedded Metric Format: one JSON object per log line that CloudWatch Logs turns into
// metrics (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
// CloudWatch_Embedded_Metric_Format_Specification.html). Written here rather than taken from a
// library: AWS's EMF libraries exist for Node, Python, Java, .NET and Go, none for C++, and the
// format is a few JSON members.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/metrics.hpp"

namespace agm::metrics {

// The values of one line: a number per metric of `line`, a string per dimension it names.
struct Sample {
  std::vector<std::pair<std::string_view, double>> values;
  std::vector<std::pair<std::string_view, std::string>> dimensions;
};

// The EMF document (no newline). Throws std::invalid_argument when `sample` does not fill every
// metric and dimension of `line`, or fills one it does not name: a programming error, never
// input-driven.
std::string to_emf(const Line& line, const Sample& sample,
                   std::chrono::system_clock::time_point timestamp);

}  // namespace agm::metrics
