// SigV4 against the aws-c-auth conformance vectors in tests/conformance/aws-sigv4 (copied byte for
// byte from aws-c-auth, with its LICENSE and NOTICE). Every case folder must have every file, and
// every case must match byte for byte: canonical request, string to sign, signature, signed
// request (header variant).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "aws/sigv4.hpp"
#include "core/encoding.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "support/process.hpp"

namespace agm::aws {
namespace {

namespace fs = std::filesystem;

fs::path vectors_dir() {
  return fs::path(agm::test::project_root()) / "tests" / "conformance" / "aws-sigv4";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + p.string());
  }
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) {
    throw std::runtime_error("error reading " + p.string());
  }
  return s.str();
}

struct ParsedRequest {
  std::string method;
  std::string target;
  net::HttpRequest request;
};

// Raw HTTP/1.1 as the vectors write it: LF line ends, "Name:value" (value kept verbatim, so the
// signed request can be written back identically), continuation lines (starting with whitespace)
// folded into the previous header with their '\n', an empty line, then the body.
ParsedRequest parse_raw_request(const std::string& text) {
  ParsedRequest out;
  std::size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos >= text.size()) {
      return false;
    }
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      line = text.substr(pos);
      pos = text.size();
    } else {
      line = text.substr(pos, nl - pos);
      pos = nl + 1;
    }
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    return true;
  };
  std::string line;
  if (!next_line(line)) {
    throw std::runtime_error("empty request.txt");
  }
  // The target may contain spaces ("GET /example space/ HTTP/1.1"): method is up to the first
  // space, the protocol after the last.
  const auto first = line.find(' ');
  const auto last = line.rfind(' ');
  if (first == std::string::npos || last == first) {
    throw std::runtime_error("bad request line: " + line);
  }
  out.method = line.substr(0, first);
  out.target = line.substr(first + 1, last - first - 1);
  out.request.method = out.method;
  bool saw_blank = false;
  while (next_line(line)) {
    if (line.empty()) {
      saw_blank = true;
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (out.request.headers.empty()) {
        throw std::runtime_error("continuation line without a header");
      }
      out.request.headers.back().value += "\n" + line;
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) {
      throw std::runtime_error("bad header line: " + line);
    }
    out.request.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  if (saw_blank) {
    out.request.body = text.substr(pos);
  }
  std::string host;
  for (const auto& h : out.request.headers) {
    if (core::to_lower(h.name) == "host") {
      host = h.value;
    }
  }
  out.request.url = "https://" + std::string(core::trim(host)) + out.target;
  return out;
}

std::string serialize(const ParsedRequest& parsed) {
  std::string out = parsed.method + " " + parsed.target + " HTTP/1.1\n";
  for (const auto& h : parsed.request.headers) {
    out += h.name + ":" + h.value + "\n";
  }
  out += "\n";
  out += parsed.request.body;
  return out;
}

SigningParams params_from_context(const std::string& text) {
  auto ctx = core::parse_json(text);
  if (!ctx || !ctx->is_object()) {
    throw std::runtime_error("context.json is not a JSON object");
  }
  SigningParams p;
  auto req = [&](std::initializer_list<std::string_view> path) {
    auto v = core::get_string_path(*ctx, path);
    if (!v) {
      throw std::runtime_error("context.json lacks a string at " + std::string(*path.begin()));
    }
    return std::string(*v);
  };
  p.region = req({"region"});
  p.service = req({"service"});
  p.credentials.access_key_id = req({"credentials", "access_key_id"});
  p.credentials.secret_access_key = req({"credentials", "secret_access_key"});
  if (auto token = core::get_string_path(*ctx, {"credentials", "token"})) {
    p.credentials.session_token = std::string(*token);
  }
  auto ts = core::parse_rfc3339(req({"timestamp"}));
  if (!ts) {
    throw std::runtime_error("bad timestamp in context.json");
  }
  p.time = *ts;
  p.normalize_path = core::get_bool(*ctx, "normalize").value_or(true);
  p.sign_body = core::get_bool(*ctx, "sign_body").value_or(false);
  p.omit_session_token = core::get_bool(*ctx, "omit_session_token").value_or(false);
  return p;
}

std::vector<fs::path> case_dirs() {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(vectors_dir())) {
    if (entry.is_directory()) {
      dirs.push_back(entry.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

TEST(SigV4Conformance, VectorFolderIsPresentWithCases) {
  ASSERT_TRUE(fs::is_directory(vectors_dir())) << "missing " << vectors_dir();
  // The aws-c-auth suite has 38 header cases; fewer means the folder was truncated.
  EXPECT_GE(case_dirs().size(), 30U);
  // Apache-2.0 section 4: the copy carries the licence and the notice with it.
  EXPECT_TRUE(fs::is_regular_file(vectors_dir() / "LICENSE"));
  EXPECT_TRUE(fs::is_regular_file(vectors_dir() / "NOTICE"));
}

TEST(SigV4Conformance, EveryCaseMatchesByteForByte) {
  ASSERT_TRUE(fs::is_directory(vectors_dir())) << "missing " << vectors_dir();
  const auto dirs = case_dirs();
  ASSERT_FALSE(dirs.empty()) << "no cases in " << vectors_dir();
  std::size_t checked = 0;
  for (const auto& dir : dirs) {
    SCOPED_TRACE(dir.filename().string());
    std::string context;
    std::string request_text;
    std::string want_creq;
    std::string want_sts;
    std::string want_sig;
    std::string want_signed;
    try {
      context = read_file(dir / "context.json");
      request_text = read_file(dir / "request.txt");
      want_creq = read_file(dir / "header-canonical-request.txt");
      want_sts = read_file(dir / "header-string-to-sign.txt");
      want_sig = read_file(dir / "header-signature.txt");
      want_signed = read_file(dir / "header-signed-request.txt");
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
      continue;
    }
    try {
      const SigningParams params = params_from_context(context);
      ParsedRequest parsed = parse_raw_request(request_text);
      const SignedParts parts = sign_request(parsed.request, params);
      EXPECT_EQ(parts.canonical_request, want_creq);
      EXPECT_EQ(parts.string_to_sign, want_sts);
      EXPECT_EQ(parts.signature, want_sig);
      EXPECT_EQ(serialize(parsed), want_signed);
      ++checked;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "exception: " << e.what();
    }
  }
  EXPECT_EQ(checked, dirs.size());
}

}  // namespace
}  // namespace agm::aws
