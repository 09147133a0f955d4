#pragma once
// Shared pieces of mtlsctl: the command registry, file writing that never clobbers (and keeps keys
// private), AWS client configuration from flags or the environment, and output helpers.
#include <sys/types.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "mtls/certificate.hpp"

namespace agm::mtlsctl {

// A command's work, run after parsing succeeded; returns the exit code (0 normally). Failures
// throw: main turns any exception into one `mtlsctl: ...` line and exit 1.
using Action = std::function<int()>;

struct Context {
  Action action;  // set by the callback of the subcommand that was chosen
};

void add_ca_commands(CLI::App& app, Context& ctx);
void add_cert_commands(CLI::App& app, Context& ctx);
void add_client_commands(CLI::App& app, Context& ctx);
void add_truststore_commands(CLI::App& app, Context& ctx);
void add_apply_command(CLI::App& app, Context& ctx);
void add_crl_commands(CLI::App& app, Context& ctx);
void add_report_command(CLI::App& app, Context& ctx);
void add_diagnose_command(CLI::App& app, Context& ctx);
// Last: the completion script is generated from every command registered before it.
void add_completion_command(CLI::App& app, Context& ctx);

// Failures of mtlsctl itself (bad file, refused certificate...): `mtlsctl: <message>`.
class CliError : public core::Error {
 public:
  explicit CliError(const std::string& message) : core::Error("mtlsctl", message) {}
};

// Bad usage found after parsing (a setting missing, flags that do not go together): exit 2.
class UsageError : public core::Error {
 public:
  explicit UsageError(const std::string& message) : core::Error("usage", message) {}
};

// The value of environment variable `name`, "" when unset.
std::string env_value(const char* name);

// --- files ---
std::string read_file(const std::string& path);  // throws CliError naming the path
bool file_exists(const std::string& path);
// Creates `dir` (and parents) when missing; a directory made here gets mode 0700 because it may
// hold private keys.
void ensure_directory(const std::string& dir);
// Writes `content` to `path` with `mode`, atomically: a temporary file in the same directory
// (created 0600, then chmod'ed), fsync'ed, then link()ed into place, which fails if `path` exists
// (no overwrite, even racing another writer), or rename()d over it with `overwrite`.
void write_file(const std::string& path, std::string_view content, mode_t mode, bool overwrite);
// Throws CliError listing the first path that exists, unless `overwrite`: checked before any work
// so a command never leaves half its files behind.
void refuse_existing(const std::vector<std::string>& paths, bool overwrite);

// --- AWS ---
struct AwsFlags {
  std::string region;        // --region, else AWS_REGION / AWS_DEFAULT_REGION
  std::string endpoint_url;  // --endpoint-url, else AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL
};
void add_aws_flags(CLI::App* cmd, AwsFlags& flags);
// env_suffix "DYNAMODB", host_prefix "dynamodb" etc. Throws core::ConfigError naming what is
// missing (region, credentials).
aws::ClientConfig client_config(const AwsFlags& flags, std::string_view env_suffix,
                                std::string_view host_prefix);
// HTTP settings of every outbound call: a person is waiting (connect 3 s, answer 15 s), and
// HTTPS_PROXY / NO_PROXY (or their lower-case forms) as the AWS CLI reads them.
net::HttpOptions cli_http_options();
// A deadline for one CLI call (retries included).
aws::Deadline deadline_from_now(std::chrono::seconds budget = std::chrono::seconds(30));
// The value of a flag, else the environment variable, else a CliError naming both.
std::string flag_or_env(const std::string& flag_value, const char* flag_name, const char* env_name);

// --- certificates ---
// The client certificate of a file: one certificate (PEM or DER), or a chain file as `cert issue`
// writes it (the leaf, then its CA certificates; any other order is refused). Throws CliError.
mtls::ClientCertificate load_client_certificate(const std::string& path);

// --- output ---
void print_json(const boost::json::value& value);  // one line on stdout
// Left-aligned columns separated by two spaces, header first.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);

// --- validation ---
// A client id or file stem safe to use as a file name: [A-Za-z0-9._+-]{1,128}, not starting
// with '.'.
bool is_safe_name(std::string_view name);
// Accepts lowercase/uppercase hex with optional ':' separators (as `openssl x509 -fingerprint
// -sha256` prints it); returns 64 lowercase hex characters, or nullopt.
std::optional<std::string> normalize_thumbprint(std::string_view text);

// "30d", "12h", "0d": a positive count of days or hours; nullopt otherwise.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace agm::mtlsctl
