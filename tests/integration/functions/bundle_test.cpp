// The bundles `scripts/package` makes (dist/<name>/bootstrap + bin/ + lib/): the test packages the
// binaries of this build itself, then runs (1) the authorizer bundle with an empty environment
// plus only its variables, and (2) every bundle in an otherwise EMPTY root directory (chroot; or
// `unshare -r --root` when not root) holding only the bundle, at /var/runtime as in the function
// image (docker/Dockerfile), and a CA certificate file. The base image's LD_LIBRARY_PATH is set and
// /lib64/libc.so.6 is junk there: the bundle must load only its own libraries.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/json.hpp"
#include "stack.hpp"

namespace agm::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using test::read_file;

std::uintmax_t tree_bytes(const fs::path& dir) {
  std::uintmax_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file())
      total += e.file_size();
  }
  return total;
}

class BundleIT : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/agm-bundle-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    work = new std::string(tmpl);
    const std::string log = *work + "/package.log";
    test::ChildProcess package({test::project_root() + "/scripts/package", "--build-dir",
                                test::binary_dir(), "--out", *work + "/dist"},
                               {}, true, log);
    const auto status = package.wait_for(180s);
    ASSERT_TRUE(status.has_value()) << "scripts/package hung";
    ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << read_file(log);
    std::printf("%s", read_file(log).c_str());
    stack = new FunctionStack();
    stack->register_cert(stack->cert_a.cert_pem, "client-a");
  }
  static void TearDownTestSuite() {
    delete stack;
    stack = nullptr;
    if (work != nullptr) {
      std::error_code ec;
      fs::remove_all(*work, ec);
    }
    delete work;
    work = nullptr;
  }

  static std::string dist(const std::string& name) { return *work + "/dist/" + name; }

  // The event each function gets and what its answer must contain.
  static std::pair<std::string, std::string> invocation(const std::string& name) {
    const auto cert = mtls::ClientCertificate::from_pem(stack->cert_a.cert_pem);
    if (name == "authorizer") {
      return {stack->authorizer_event(stack->cert_a.cert_pem,
                                      stack->access_token("client-a", FunctionStack::kScope)),
              "\"isAuthorized\":true"};
    }
    if (name == "token")
      return {stack->token_event(stack->cert_a.cert_pem, "client-a", "s"), "\"statusCode\":200"};
    return {stack->health_event(stack->cert_a.cert_pem, cert.thumbprint), "\"statusCode\":200"};
  }
  static std::map<std::string, std::string> env_for(const std::string& name,
                                                    const FakeRuntimeApi& api) {
    if (name == "authorizer")
      return stack->authorizer_env(api);
    if (name == "token")
      return stack->token_env(api);
    return stack->health_env(api);
  }

  static std::string* work;
  static FunctionStack* stack;
};
std::string* BundleIT::work = nullptr;
FunctionStack* BundleIT::stack = nullptr;

TEST_F(BundleIT, EachBundleHasBootstrapProgramLoaderAndLibraries) {
  for (const std::string name : {"token", "authorizer", "health"}) {
    const fs::path d = dist(name);
    EXPECT_TRUE(fs::exists(d / "bootstrap")) << name;
    EXPECT_TRUE(fs::exists(d / "bin" / name)) << name;
    EXPECT_TRUE(fs::exists(d / "lib" / "ld-linux-x86-64.so.2")) << name;
    EXPECT_TRUE(fs::exists(d / "lib" / "libc.so.6")) << name;
    // The C++ runtime, OpenSSL and Boost are linked in (agm_static_program): a function loads
    // only the C library, which is most of its cold start saved (docs/benchmarks.md).
    for (const char* linked_in : {"libcurl.so.4", "libssl.so.3", "libcrypto.so.3", "libstdc++.so.6",
                                  "libboost_json.so.1.81.0"}) {
      EXPECT_FALSE(fs::exists(d / "lib" / linked_in)) << name << " bundles " << linked_in;
    }
    const auto perms = fs::status(d / "bootstrap").permissions();
    EXPECT_NE(perms & fs::perms::owner_exec, fs::perms::none) << name;
    std::printf("bundle %s: %.1f MB\n", name.c_str(),
                static_cast<double>(tree_bytes(d)) / (1024.0 * 1024.0));
  }
}

TEST_F(BundleIT, AuthorizerBundleServesAnInvocationWithOnlyItsVariables) {
  FakeRuntimeApi api;
  const auto [event, expected] = invocation("authorizer");
  api.push(event);
  const std::string log = *work + "/env-i-authorizer.log";
  // inherit_env=false: the environment is exactly these variables (as `env -i` would make it).
  test::ChildProcess fn({dist("authorizer") + "/bootstrap"}, env_for("authorizer", api), false,
                        log);
  const auto results = api.wait_results(1, 20s);
  ASSERT_EQ(results.size(), 1U) << read_file(log);
  EXPECT_NE(results[0].body.find(expected), std::string::npos) << results[0].body << read_file(log);
}

TEST_F(BundleIT, EveryBundleServesAnInvocationInAnEmptyRootDirectory) {
  const bool root = ::geteuid() == 0;
  for (const std::string name : {"token", "authorizer", "health"}) {
    SCOPED_TRACE(name);
    const fs::path dir = *work + "/root-" + name;
    fs::create_directories(dir / "etc/ssl/certs");
    fs::create_directories(dir / "var");
    fs::copy(dist(name), dir / "var/runtime", fs::copy_options::recursive);
    fs::create_directories(dir / "lib64");
    std::ofstream(dir / "lib64/libc.so.6") << "not a library\n";
    if (fs::exists("/etc/ssl/certs/ca-certificates.crt"))
      fs::copy_file("/etc/ssl/certs/ca-certificates.crt",
                    dir / "etc/ssl/certs/ca-certificates.crt");
    // Nothing else in there: no /bin/sh, no /lib, no /proc.
    std::set<std::string> top;
    for (const auto& e : fs::directory_iterator(dir))
      top.insert(e.path().filename().string());
    EXPECT_EQ(top, (std::set<std::string>{"etc", "lib64", "var"}));
    EXPECT_FALSE(fs::exists(dir / "bin/sh"));
    EXPECT_FALSE(fs::exists(dir / "lib"));

    FakeRuntimeApi api;
    const auto [event, expected] = invocation(name);
    api.push(event);
    const std::string log = *work + "/chroot-" + name + ".log";
    std::vector<std::string> argv;
    if (root) {
      argv = {"/usr/sbin/chroot", dir.string(), "/var/runtime/bootstrap"};
    } else {
      argv = {"/usr/bin/unshare", "-r", "--root=" + dir.string(), "/var/runtime/bootstrap"};
    }
    auto env = env_for(name, api);
    // public.ecr.aws/lambda/provided:al2023 sets this; the bundled loader must not follow it.
    env["LD_LIBRARY_PATH"] =
        "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib";
    test::ChildProcess fn(argv, env, false, log);
    const auto results = api.wait_results(1, 20s);
    ASSERT_EQ(results.size(), 1U) << read_file(log);
    EXPECT_EQ(results[0].kind, "response");
    EXPECT_NE(results[0].body.find(expected), std::string::npos)
        << results[0].body << read_file(log);
  }
}

}  // namespace
}  // namespace agm::test
