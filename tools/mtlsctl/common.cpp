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

#include "aws/credential_chain.hpp"
#include "aws/credentials.hpp"
#include "aws/endpoint.hpp"
#include "core/file.hpp"

namespace agm::mtlsctl {

std::string env_value(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

std::string read_file(const std::string& path) {
  try {
    return core::read_file(path);
  } catch (const core::FileError& e) {
    throw CliError(e.what());
  }
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
  try {
    core::write_file_atomic(path, content, mode,
                            overwrite ? core::Overwrite::kYes : core::Overwrite::kNo);
  } catch (const core::FileError& e) {
    if (e.errc() == core::FileErrc::kExists)
      throw CliError(path + " exists (use --force to overwrite)");
    throw CliError(e.what());
  }
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

net::HttpOptions cli_http_options() {
  net::HttpOptions http;
  // A person is waiting: fail an unreachable endpoint in seconds, not after long retries.
  http.connect_timeout = std::chrono::milliseconds(3000);
  http.timeout = std::chrono::milliseconds(15000);
  const auto first = [](const char* upper, const char* lower) {
    const std::string value = env_value(upper);
    return value.empty() ? env_value(lower) : value;
  };
  http.https_proxy = first("HTTPS_PROXY", "https_proxy");
  http.no_proxy = first("NO_PROXY", "no_proxy");
  http.ca_file = env_value("AWS_CA_BUNDLE");  // as the SDKs: empty is OpenSSL's default paths
  return http;
}

namespace {

// The credential chain (aws/credential_chain.hpp), resolved once per run: a command that talks to
// three services assumes a role or runs credential_process once, not three times.
const aws::Credentials& chain_credentials(const std::string& region) {
  static std::optional<aws::ResolvedCredentials> resolved;
  if (!resolved) {
    aws::ChainOptions options;
    options.region = region;
    options.http = cli_http_options();
    resolved = aws::resolve_credentials(options);
  }
  return resolved->credentials;
}

}  // namespace

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
  config.credentials = chain_credentials(config.region);
  config.http = cli_http_options();
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
  const char* env = std::getenv(env_name);
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

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.size() < 2 || text.size() > 7) {
    return std::nullopt;
  }
  const char unit = text.back();
  std::int64_t n = 0;
  for (const char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + (c - '0');
  }
  if (unit == 'd') {
    return std::chrono::seconds(n * 86400);
  }
  if (unit == 'h') {
    return std::chrono::seconds(n * 3600);
  }
  return std::nullopt;
}

}  // namespace agm::mtlsctl
