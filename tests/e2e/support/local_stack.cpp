#include "e2e/support/local_stack.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "core/encoding.hpp"
#include "core/json.hpp"

namespace agm::test {

using namespace std::chrono_literals;

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::trunc);
  out << data;
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

std::map<std::string, std::string> parse_env_file(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      continue;
    std::string value;
    for (std::size_t i = eq + 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size())
        ++i;
      value.push_back(line[i]);
    }
    out[line.substr(0, eq)] = value;
  }
  return out;
}

std::vector<std::string> processes_mentioning(const std::string& needle) {
  std::vector<std::string> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr)
    return found;
  const std::string self = std::to_string(getpid());
  while (dirent* e = readdir(proc)) {
    const std::string pid = e->d_name;
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || pid == self)
      continue;
    for (const char* file : {"/cmdline", "/environ"}) {
      const std::string text = read_all("/proc/" + pid + file);
      if (text.find(needle) != std::string::npos) {
        std::string cmd = read_all("/proc/" + pid + "/cmdline");
        std::replace(cmd.begin(), cmd.end(), '\0', ' ');
        found.push_back(pid + ": " + cmd);
        break;
      }
    }
  }
  closedir(proc);
  return found;
}

bool port_in_use(std::uint16_t port) {
  return wait_for_port(port, 50ms);
}

Stack::Stack(std::string state_dir, std::map<std::string, std::string> extra_env)
    : state_dir_(std::move(state_dir)) {
  gateway_port_ = free_port();
  dynamodb_port_ = free_port();
  cognito_port_ = free_port();
  ssm_port_ = free_port();
  log_ = state_dir_ + "-stack.log";
  std::map<std::string, std::string> env{{"LOCAL_STATE_DIR", state_dir_},
                                         {"BUILD_DIR", binary_dir()},
                                         {"GATEWAY_PORT", std::to_string(gateway_port_)},
                                         {"DYNAMODB_PORT", std::to_string(dynamodb_port_)},
                                         {"COGNITO_PORT", std::to_string(cognito_port_)},
                                         {"SSM_PORT", std::to_string(ssm_port_)},
                                         {"REGISTRY_CACHE_TTL_SECONDS", "1"},
                                         {"LOG_LEVEL", "warn"}};
  for (auto& [key, value] : extra_env)
    env[key] = std::move(value);
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{project_root() + "/scripts/local"}, std::move(env), true, log_);
}

bool Stack::wait_ready(std::chrono::seconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (std::filesystem::exists(state_dir_ + "/env")) {
      env_ = parse_env_file(read_all(state_dir_ + "/env"));
      return true;
    }
    if (!process_->running())
      return false;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::optional<int> Stack::terminate(std::chrono::seconds timeout) {
  kill(process_->pid(), SIGTERM);
  return process_->wait_for(timeout);
}

std::string Stack::part_log(const std::string& name) const {
  return read_all(state_dir_ + "/logs/" + name + ".log");
}

std::string Stack::env(const std::string& key) const {
  const auto it = env_.find(key);
  return it == env_.end() ? std::string() : it->second;
}

namespace {
int next_file_number() {
  static int counter = 0;  // the e2e tests are single-threaded
  return ++counter;
}
}  // namespace

Result run(const Stack& stack, const std::string& work, std::vector<std::string> argv) {
  const std::string out = work + "/run-" + std::to_string(next_file_number()) + ".out";
  ChildProcess p(std::move(argv), stack.env(), true, out);
  const auto status = p.wait_for(60s);
  Result r;
  r.exit_code = status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  r.body = read_all(out);
  return r;
}

Result curl(const Stack& stack, const std::string& work, std::vector<std::string> args) {
  const std::string body_file = work + "/curl-" + std::to_string(next_file_number()) + ".body";
  std::vector<std::string> argv{
      "curl", "-s",      "--max-time", "20",          "--cacert", stack.env("SERVER_CA"),
      "-o",   body_file, "-w",         "%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  Result r = run(stack, work, argv);
  r.http = std::strtol(r.body.c_str(), nullptr, 10);
  r.body = read_all(body_file);
  return r;
}

std::vector<std::string> with_cert(const std::string& cert, const std::string& key,
                                   std::vector<std::string> rest) {
  std::vector<std::string> out{"--cert", cert, "--key", key};
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

std::string json_string(const std::string& text, std::string_view key) {
  const auto v = core::parse_json(text);
  if (!v)
    return {};
  return std::string(core::get_string(*v, key).value_or(""));
}

std::optional<boost::json::value> jwt_claims(const std::string& jwt) {
  const auto dot1 = jwt.find('.');
  const auto dot2 = dot1 == std::string::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string::npos)
    return std::nullopt;
  const auto payload = core::base64url_decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload)
    return std::nullopt;
  auto claims = core::parse_json(*payload);
  if (!claims || !claims->is_object())
    return std::nullopt;
  return claims;
}

Client onboard(const Stack& stack, const std::string& work, const std::string& name,
               const std::string& scopes) {
  const std::string mtlsctl = stack.env("MTLSCTL");
  Client c;
  const Result created =
      run(stack, work, {mtlsctl, "client", "create", "--name", name, "--scopes", scopes, "--json"});
  EXPECT_EQ(created.exit_code, 0) << created.body;
  const auto brace = created.body.find('{');
  const std::string js = brace == std::string::npos ? "" : created.body.substr(brace);
  c.id = json_string(js, "client_id");
  c.secret = json_string(js, "client_secret");
  EXPECT_FALSE(c.id.empty()) << created.body;
  const CertFiles files = add_certificate(stack, work, c.id, name);
  c.cert = files.cert;
  c.key = files.key;
  return c;
}

CertFiles add_certificate(const Stack& stack, const std::string& work, const std::string& client_id,
                          const std::string& dir_name) {
  const std::string mtlsctl = stack.env("MTLSCTL");
  const std::string dir = work + "/" + dir_name;
  const Result issued = run(stack, work,
                            {mtlsctl, "cert", "issue", "--ca-dir", stack.env("CA_DIR"),
                             "--client-id", client_id, "--out-dir", dir});
  EXPECT_EQ(issued.exit_code, 0) << issued.body;
  CertFiles files{dir + "/" + client_id + ".pem", dir + "/" + client_id + ".key"};
  const Result reg = run(
      stack, work, {mtlsctl, "client", "register", "--cert", files.cert, "--client-id", client_id});
  EXPECT_EQ(reg.exit_code, 0) << reg.body;
  return files;
}

}  // namespace agm::test
