// mtlsctl diagnose says what docs/troubleshooting.md says: every deny reason has its row there,
// and the cause and fix the tool prints are that row's, word for word (one text, kept in two
// places only because the tool must work without the docs beside it).
#include "mtls/reason_advice.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <utility>

#include "mtls/reason.hpp"

namespace agm::mtls {
namespace {

// reason name -> (cause, fix) from the "Deny reasons" table.
std::map<std::string, std::pair<std::string, std::string>> troubleshooting_rows() {
  std::ifstream in(std::string(AGM_PROJECT_ROOT) + "/docs/troubleshooting.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto section = doc.find("## Deny reasons");
  EXPECT_NE(section, std::string::npos) << "docs/troubleshooting.md has no Deny reasons section";
  std::map<std::string, std::pair<std::string, std::string>> rows;
  const std::regex row(R"(^\| `([a-z_]+)` \| (.*) \| (.*) \|$)");
  std::istringstream lines(doc.substr(section == std::string::npos ? 0 : section));
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, row))
      rows.emplace(m[1].str(), std::make_pair(m[2].str(), m[3].str()));
  }
  return rows;
}

TEST(ReasonAdvice, EveryReasonSaysWhatTheTroubleshootingTableSays) {
  const auto rows = troubleshooting_rows();
  std::size_t reasons = 0;
  for (int i = 0; i <= static_cast<int>(Reason::kInternalError); ++i) {
    const auto reason = static_cast<Reason>(i);
    const std::string name(to_string(reason));
    SCOPED_TRACE(name);
    ++reasons;
    const auto row = rows.find(name);
    ASSERT_NE(row, rows.end()) << "no row for " << name << " in docs/troubleshooting.md";
    const Advice a = advice(reason);
    EXPECT_EQ(a.cause, row->second.first);
    EXPECT_EQ(a.fix, row->second.second);
    EXPECT_FALSE(a.rule.empty());
  }
  EXPECT_EQ(rows.size(), reasons) << "a row names a reason the code does not have";
}

TEST(ReasonAdvice, NamesTheContractsRule) {
  EXPECT_EQ(advice(Reason::kCertRevoked).rule.substr(0, 6), "rule 2");
  EXPECT_EQ(advice(Reason::kTokenWrongIssuer).rule.substr(0, 6), "rule 4");
  EXPECT_EQ(advice(Reason::kClientMismatch).rule.substr(0, 6), "rule 5");
  EXPECT_EQ(advice(Reason::kScopeMissing).rule.substr(0, 6), "rule 6");
}

}  // namespace
}  // namespace agm::mtls
