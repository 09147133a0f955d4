// mtlsctl: onboarding for the mTLS API (docs/contract.md section 7). Exit 0 on success, 1 on
// failure with one `mtlsctl: ...` line on stderr, 2 on bad usage.
#include <exception>
#include <iostream>
#include <string>

#include "aws/client.hpp"
#include "clients_file.hpp"
#include "common.hpp"
#include "net/http.hpp"

namespace {

// One line: a multi-line message would break scripts that read the first line of stderr.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return text;
}

int fail(const std::string& message) {
  std::cerr << "mtlsctl: " << one_line(message) << '\n';
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mtlsctl: certificates, client registration and truststore for the mTLS API"};
  app.name("mtlsctl");
  app.set_version_flag("--version", std::string("mtlsctl ") + AGM_VERSION);
  app.require_subcommand(1);
  agm::mtlsctl::Context ctx;
  agm::mtlsctl::add_ca_commands(app, ctx);
  agm::mtlsctl::add_cert_commands(app, ctx);
  agm::mtlsctl::add_client_commands(app, ctx);
  agm::mtlsctl::add_truststore_commands(app, ctx);
  agm::mtlsctl::add_apply_command(app, ctx);
  agm::mtlsctl::add_crl_commands(app, ctx);
  agm::mtlsctl::add_report_command(app, ctx);
  agm::mtlsctl::add_diagnose_command(app, ctx);
  agm::mtlsctl::add_completion_command(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a "parse error" with exit code 0; everything else is bad usage: 2.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (!ctx.action) {
    return fail("no command");
  }
  try {
    return ctx.action();
  } catch (const agm::mtlsctl::UsageError& e) {
    std::cerr << "mtlsctl: usage: " << one_line(e.what()) << '\n';
    return 2;
  } catch (const agm::mtlsctl::ClientsFileError& e) {
    return fail(e.what()) + 1;  // a malformed file: bad input, exit 2, nothing changed
  } catch (const agm::mtlsctl::CliError& e) {
    return fail(e.what());
  } catch (const agm::aws::AwsError& e) {
    // The AWS error code first, so scripts and people see e.g. ConditionalCheckFailedException.
    return fail(e.code() + ": " + e.what());
  } catch (const agm::core::Error& e) {
    return fail(e.code() + ": " + e.what());
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}
