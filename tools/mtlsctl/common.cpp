#include "common.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "aws/credentials.hpp"
#include "aws/endpoint.hpp"

namespace agm::mtlsctl {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// Closes a file descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw CliError("cannot read " + path + ": " + errno_text());
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) {
    throw CliError("cannot read " + path);
  }
  return out.str();
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

void ensure_directory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    return;
  }
  if (fs::exists(dir, ec)) {
    throw CliError(dir + " exists and is not a directory");
  }
  fs::create_directories(dir, ec);
  if (ec) {
    throw CliError("cannot create directory " + dir + ": " + ec.message());
  }
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) {
    throw CliError("cannot set the mode of " + dir + ": " + ec.message());
  }
}

void write_file(const std::string& path, std::string_view content, mode_t mode, bool overwrite) {
  const std::filesystem::path target(path);
  const std::string dir =
      target.has_parent_path() ? target.parent_path().string() : std::string(".");
  std::string tmpl = dir + "/.mtlsctl-XXXXXX";
  // mkstemp creates the file 0600, so a key is never readable by others, not even briefly.
  Fd fd(::mkstemp(tmpl.data()));
  if (fd.get() < 0) {
    throw CliError("cannot create a file in " + dir + ": " + errno_text());
  }
  const std::string tmp = tmpl;
  auto fail = [&](const std::string& what) {
    const std::string reason = errno_text();
    ::unlink(tmp.c_str());
    throw CliError(what + ": " + reason);
  };
  if (::fchmod(fd.get(), mode) != 0) {
    fail("cannot set the mode of " + path);
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("cannot write " + path);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    fail("cannot write " + path);
  }
  if (::close(fd.release()) != 0) {
    fail("cannot write " + path);
  }
  if (overwrite) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      fail("cannot write " + path);
    }
    return;
  }
  // link() fails with EEXIST when the target exists: the no-overwrite check and the write are one
  // atomic step.
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    if (errno == EEXIST) {
      ::unlink(tmp.c_str());
      throw CliError(path + " exists (use --force to overwrite)");
    }
    fail("cannot write " + path);
  }
  ::unlink(tmp.c_str());
}

void refuse_existing(const std::vector<std::string>& paths, bool overwrite) {
  if (overwrite) {
    return;
  }
  for (const auto& path : paths) {
    if (file_exists(path)) {
      throw CliError(path + " exists (use --force to overwrite)");
    }
  }
}

void add_aws_flags(CLI::App* cmd, AwsFlags& flags) {
  cmd->add_option("--region", flags.region, "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION)");
  cmd->add_option("--endpoint-url", flags.endpoint_url,
                  "endpoint override (default: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL)");
}

aws::ClientConfig client_config(const AwsFlags& flags, std::string_view env_suffix,
                                std::string_view host_prefix) {
  aws::ClientConfig config;
  config.region = flags.region.empty() ? aws::region_from_env() : flags.region;
  if (config.region.empty()) {
    throw core::ConfigError("AWS_REGION", "no region (set --region or AWS_REGION)");
  }
  std::string endpoint = flags.endpoint_url;
  while (!endpoint.empty() && endpoint.back() == '/') {
    endpoint.pop_back();
  }
  config.endpoint =
      endpoint.empty() ? aws::resolve_endpoint(env_suffix, host_prefix, config.region) : endpoint;
  auto credentials = aws::Credentials::from_env();
  if (!credentials) {
    throw core::ConfigError("AWS_ACCESS_KEY_ID",
                            "no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  }
  config.credentials = std::move(*credentials);
  // A person is waiting: fail an unreachable endpoint in seconds, not after long retries.
  config.http.connect_timeout = std::chrono::milliseconds(3000);
  config.http.timeout = std::chrono::milliseconds(15000);
  return config;
}

aws::Deadline deadline_from_now(std::chrono::seconds budget) {
  return std::chrono::steady_clock::now() + budget;
}

std::string flag_or_env(const std::string& flag_value, const char* flag_name,
                        const char* env_name) {
  if (!flag_value.empty()) {
    return flag_value;
  }
  const char* env = std::getenv(env_name);  // NOLINT(concurrency-mt-unsafe): single-threaded CLI
  if (env != nullptr && *env != '\0') {
    return env;
  }
  throw core::ConfigError(env_name,
                          std::string("not set (use ") + flag_name + " or " + env_name + ")");
}

void print_json(const boost::json::value& value) {
  std::cout << boost::json::serialize(value) << '\n';
}

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) {
    widths[i] = header[i].size();
    for (const auto& row : rows) {
      if (i < row.size()) {
        widths[i] = std::max(widths[i], row[i].size());
      }
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < header.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : std::string();
      line += cell;
      if (i + 1 < header.size()) {
        line += std::string(widths[i] - cell.size() + 2, ' ');
      }
    }
    std::cout << line << '\n';
  };
  print_row(header);
  for (const auto& row : rows) {
    print_row(row);
  }
}

bool is_safe_name(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '.') {
    return false;
  }
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '+' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> normalize_thumbprint(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == ':') {
      continue;
    }
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
      out += c;
    } else if (c >= 'A' && c <= 'F') {
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      return std::nullopt;
    }
  }
  if (out.size() != 64) {
    return std::nullopt;
  }
  return out;
}

}  // namespace agm::mtlsctl
