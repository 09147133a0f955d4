#pragma once
// The rules of CloudWatch's Embedded Metric Format specification that a log line must satisfy for
// CloudWatch Logs to extract its metrics
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
// CloudWatch_Embedded_Metric_Format_Specification.html). Returns the broken rules; empty = valid.
// Written from the specification, independently of src/metrics/emf.cpp, so the two check each
// other.
#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace agm::test {

inline const std::set<std::string, std::less<>>& emf_units() {
  // The specification's MetricDefinition.Unit values (CloudWatch's StandardUnit).
  static const std::set<std::string, std::less<>> units{"Seconds",
                                                        "Microseconds",
                                                        "Milliseconds",
                                                        "Bytes",
                                                        "Kilobytes",
                                                        "Megabytes",
                                                        "Gigabytes",
                                                        "Terabytes",
                                                        "Bits",
                                                        "Kilobits",
                                                        "Megabits",
                                                        "Gigabits",
                                                        "Terabits",
                                                        "Percent",
                                                        "Count",
                                                        "Bytes/Second",
                                                        "Kilobytes/Second",
                                                        "Megabytes/Second",
                                                        "Gigabytes/Second",
                                                        "Terabytes/Second",
                                                        "Bits/Second",
                                                        "Kilobits/Second",
                                                        "Megabits/Second",
                                                        "Gigabits/Second",
                                                        "Terabits/Second",
                                                        "Count/Second",
                                                        "None"};
  return units;
}

inline std::vector<std::string> emf_violations(std::string_view line) {
  namespace json = boost::json;
  std::vector<std::string> errors;
  const auto fail = [&](std::string what) { errors.push_back(std::move(what)); };
  boost::system::error_code ec;
  const json::value doc = json::parse(line, ec);
  if (ec || !doc.is_object()) {
    fail("the log event is not one JSON object");
    return errors;
  }
  const json::object& root = doc.as_object();
  const auto* aws = root.if_contains("_aws");
  if (aws == nullptr || !aws->is_object()) {
    fail("root member _aws (the metadata object) is missing");
    return errors;
  }
  const json::object& meta = aws->as_object();
  const auto* ts = meta.if_contains("Timestamp");
  if (ts == nullptr || !(ts->is_int64() || ts->is_uint64()) ||
      (ts->is_int64() && ts->as_int64() < 0))
    fail("_aws.Timestamp must be a number of milliseconds since the epoch");
  const auto* directives = meta.if_contains("CloudWatchMetrics");
  if (directives == nullptr || !directives->is_array()) {
    fail("_aws.CloudWatchMetrics must be an array of MetricDirective");
    return errors;
  }
  for (const auto& m : meta)
    if (m.key() != "Timestamp" && m.key() != "CloudWatchMetrics" && m.key() != "LogGroupName" &&
        m.key() != "LogStreamName")
      fail("_aws has an unknown member " + std::string(m.key()));
  for (const auto& d : directives->as_array()) {
    if (!d.is_object()) {
      fail("a MetricDirective is not an object");
      continue;
    }
    const json::object& directive = d.as_object();
    for (const auto& m : directive)
      if (m.key() != "Namespace" && m.key() != "Dimensions" && m.key() != "Metrics")
        fail("MetricDirective has an unknown member " + std::string(m.key()));
    const auto* ns = directive.if_contains("Namespace");
    if (ns == nullptr || !ns->is_string() || ns->as_string().empty() ||
        ns->as_string().size() > 255 || ns->as_string().starts_with("AWS/"))
      fail("Namespace must be a string of 1 to 255 characters outside AWS/");
    const auto* dims = directive.if_contains("Dimensions");
    if (dims == nullptr || !dims->is_array()) {
      fail("Dimensions must be an array of DimensionSet");
    } else {
      for (const auto& set : dims->as_array()) {
        if (!set.is_array()) {
          fail("a DimensionSet is not an array");
          continue;
        }
        if (set.as_array().size() > 30)
          fail("a DimensionSet holds more than 30 dimensions");
        for (const auto& name : set.as_array()) {
          if (!name.is_string()) {
            fail("a dimension reference is not a string");
            continue;
          }
          const auto* value = root.if_contains(name.as_string());
          if (value == nullptr || !value->is_string())
            fail("dimension " + std::string(name.as_string()) +
                 " is not a string member of the root");
          else if (value->as_string().empty() || value->as_string().size() > 1024)
            fail("dimension " + std::string(name.as_string()) +
                 " value must be 1 to 1024 characters");
        }
      }
    }
    const auto* metrics = directive.if_contains("Metrics");
    if (metrics == nullptr || !metrics->is_array()) {
      fail("Metrics must be an array of MetricDefinition");
      continue;
    }
    if (metrics->as_array().size() > 100)
      fail("a MetricDirective holds more than 100 metrics");
    for (const auto& def : metrics->as_array()) {
      if (!def.is_object()) {
        fail("a MetricDefinition is not an object");
        continue;
      }
      const json::object& metric = def.as_object();
      for (const auto& m : metric)
        if (m.key() != "Name" && m.key() != "Unit" && m.key() != "StorageResolution")
          fail("MetricDefinition has an unknown member " + std::string(m.key()));
      const auto* name = metric.if_contains("Name");
      if (name == nullptr || !name->is_string() || name->as_string().empty() ||
          name->as_string().size() > 255) {
        fail("MetricDefinition.Name must be a string of 1 to 255 characters");
        continue;
      }
      if (const auto* unit = metric.if_contains("Unit");
          unit != nullptr && (!unit->is_string() || !emf_units().contains(unit->as_string())))
        fail("metric " + std::string(name->as_string()) + " has a unit outside the allowed list");
      if (const auto* res = metric.if_contains("StorageResolution");
          res != nullptr && !(res->is_int64() && (res->as_int64() == 1 || res->as_int64() == 60)))
        fail("StorageResolution must be 1 or 60");
      const auto* value = root.if_contains(name->as_string());
      const auto numeric = [](const json::value& v) { return v.is_number(); };
      if (value == nullptr) {
        fail("metric " + std::string(name->as_string()) + " is not a member of the root");
      } else if (value->is_array()) {
        const auto& values = value->as_array();
        if (values.size() > 100 || !std::all_of(values.begin(), values.end(), numeric))
          fail("metric " + std::string(name->as_string()) + " must be up to 100 numbers");
      } else if (!value->is_number()) {
        fail("metric " + std::string(name->as_string()) + " value is not a number");
      }
    }
  }
  return errors;
}

}  // namespace agm::test
