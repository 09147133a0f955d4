#pragma once
// What the mtlsctl integration tests share: the built binary run in a clean environment with its
// output captured, temporary directories, and small file helpers.
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aws/client.hpp"
#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/json.hpp"
#include "support/process.hpp"

namespace agm::test {

using std::chrono::seconds;
namespace fs = std::filesystem;
namespace json = boost::json;

inline constexpr const char* kRegion = "us-east-1";
inline constexpr const char* kAccessKey = "AKIDMTLSCTLTEST";
inline constexpr const char* kSecretKey = "mtlsctl-test-secret";

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mtlsctl-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void spit(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

inline unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return 0;
  }
  return st.st_mode & 0777U;
}

inline std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::ostream& operator<<(std::ostream& os, const Result& r) {
  return os << "exit " << r.exit_code << "\n--- stdout ---\n"
            << r.out << "--- stderr ---\n"
            << r.err;
}

// A clean environment: only PATH and what the test gives, so the developer's AWS settings never
// leak in.
inline std::map<std::string, std::string> base_env() {
  const char* path = std::getenv("PATH");
  // The machine's instance metadata service (if any answers) is not a credential source here.
  return {{"PATH", path != nullptr ? path : "/usr/bin:/bin"},
          {"AWS_EC2_METADATA_DISABLED", "true"}};
}

inline std::map<std::string, std::string> aws_env() {
  auto env = base_env();
  env["AWS_REGION"] = kRegion;
  env["AWS_ACCESS_KEY_ID"] = kAccessKey;
  env["AWS_SECRET_ACCESS_KEY"] = kSecretKey;
  return env;
}

// Runs mtlsctl with stdout and stderr captured to separate files.
inline Result run(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env = base_env()) {
  static int counter = 0;
  const TempDir io;
  const std::string out = io / "out";
  const std::string err = io / "err";
  std::vector<std::string> argv{"sh",
                                "-c",
                                R"(o=$1; e=$2; shift 2; exec "$@" >"$o" 2>"$e")",
                                "sh",
                                out,
                                err,
                                test::binary_dir() + "/bin/mtlsctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  ++counter;
  Result r;
  {
    test::ChildProcess p(argv, env, /*inherit_env=*/false);
    const auto status = p.wait_for(std::chrono::seconds(60));
    if (status && WIFEXITED(*status)) {
      r.exit_code = WEXITSTATUS(*status);
    }
  }
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

inline json::value parse_out(const Result& r) {
  auto v = core::parse_json(r.out);
  if (!v) {
    ADD_FAILURE() << "stdout is not JSON: " << r;
    return {};
  }
  return *v;
}

inline std::string str(const json::value& v, std::string_view key) {
  return std::string(core::get_string(v, key).value_or("<missing>"));
}

// SHA-256 of a PEM certificate's DER, computed here from the base64 body (independently of the
// mtls library the CLI uses).
inline std::string thumbprint_of_pem(const std::string& pem) {
  std::string body;
  std::istringstream in(pem);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("-----", 0) != 0) {
      body += line;
    }
  }
  const auto der = core::base64_decode(body);
  return der ? core::sha256_hex(*der) : "";
}

inline int run_openssl_verify(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl", "verify"};
  argv.insert(argv.end(), args.begin(), args.end());
  test::ChildProcess p(argv, {}, true, "/dev/null");
  const auto st = p.wait_for(std::chrono::seconds(30));
  return st && WIFEXITED(*st) ? WEXITSTATUS(*st) : -1;
}

inline constexpr const char* kTable = "mtlsctl-cert-registry";

inline aws::ClientConfig dynalite_config(const std::string& endpoint) {
  aws::ClientConfig c;
  c.region = kRegion;
  c.endpoint = endpoint;
  c.credentials = {kAccessKey, kSecretKey, ""};
  return c;
}

}  // namespace agm::test
