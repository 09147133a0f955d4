#include <gtest/gtest.h>

#include <sstream>

#include "core/json.hpp"
#include "core/log.hpp"

namespace agm::core {
namespace {

TEST(Json, LookupsNeverThrowOnWrongTypes) {
  const auto v = parse_json(R"({"a":{"b":"x","n":5,"d":2.0,"f":2.5,"t":true},"s":[1]})").value();
  EXPECT_EQ(get_string_path(v, {"a", "b"}).value(), "x");
  EXPECT_FALSE(get_string_path(v, {"a", "n"}).has_value());
  EXPECT_FALSE(get_string_path(v, {"s", "b"}).has_value());
  EXPECT_EQ(get_int(*find(v, "a"), "n").value(), 5);
  EXPECT_EQ(get_int(*find(v, "a"), "d").value(), 2);
  EXPECT_FALSE(get_int(*find(v, "a"), "f").has_value());
  EXPECT_TRUE(get_bool(*find(v, "a"), "t").value());
  EXPECT_EQ(find(json::value(3), "a"), nullptr);
}

TEST(Json, ParseFailsClosedOnGarbageAndDepth) {
  EXPECT_FALSE(parse_json("{").has_value());
  EXPECT_FALSE(parse_json("").has_value());
  EXPECT_FALSE(parse_json(std::string(100, '[') + std::string(100, ']'), 64).has_value());
}

TEST(Logger, WritesOneJsonObjectPerLineAndFiltersLevels) {
  std::ostringstream out;
  Logger log(LogLevel::kInfo, &out, json::object{{"function", "authorizer"}});
  log.debug("hidden");
  log.warn("deny", {{"reason", "expired"}});
  const std::string text = out.str();
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  const auto line = parse_json(text).value();
  EXPECT_EQ(get_string(line, "level").value(), "warn");
  EXPECT_EQ(get_string(line, "msg").value(), "deny");
  EXPECT_EQ(get_string(line, "reason").value(), "expired");
  EXPECT_EQ(get_string(line, "function").value(), "authorizer");
  EXPECT_EQ(parse_log_level("WARNING").value(), LogLevel::kWarn);
  EXPECT_FALSE(parse_log_level("loud").has_value());
}

}  // namespace
}  // namespace agm::core
