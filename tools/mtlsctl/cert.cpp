// mtlsctl cert issue | sign | issue-server | inspect | fetch | needs-renewal.
#include <algorithm>
#include <iostream>

#include "ca_material.hpp"
#include "common.hpp"
#include "core/time.hpp"
#include "mtls/certificate.hpp"
#include "pki/pki.hpp"

namespace agm::mtlsctl {
namespace {

struct IssueOptions {
  StoreOptions so;
  std::string store;
  std::string ca_dir;
  std::string csr;  // cert sign
  std::string client_id;
  std::string out_dir;
  std::string key_type = "ec-p256";
  int days = 365;
  bool force = false;
  bool json = false;
};

struct IssueServerOptions {
  StoreOptions so;
  std::string store;
  std::string ca_dir;
  std::string out_dir;
  std::vector<std::string> dns;
  std::vector<std::string> ip;
  std::string key_type = "ec-p256";
  int days = 365;
  bool force = false;
  bool json = false;
};

struct InspectOptions {
  std::string file;
  bool json = false;
};

pki::KeyAndCert load_signer(const StoreOptions& so, const std::string& store,
                            const std::string& ca_dir) {
  auto s = open_store(ca_store_spec(store, ca_dir), so);
  return load_intermediate(*s);
}

// A certificate that outlives its issuer stops verifying the day the issuer expires, long before
// anyone looks at its own not_after: refuse it, naming the longest validity that works.
pki::Validity validity_within(const pki::KeyAndCert& issuer, int days) {
  const core::TimePoint now = core::SystemClock().now();
  const auto validity = pki::days_from(now, days);
  const auto issuer_cert = mtls::ClientCertificate::from_pem(issuer.cert_pem);
  if (validity.not_after > issuer_cert.not_after) {
    const auto left = std::chrono::duration_cast<std::chrono::hours>(issuer_cert.not_after - now);
    throw CliError("the intermediate CA expires " + core::format_rfc3339(issuer_cert.not_after) +
                   ": use --days " + std::to_string(std::max<long>(0, left.count() / 24)) +
                   " or less, or rotate the CA (docs/operations.md)");
  }
  return validity;
}

pki::KeyType key_type(const std::string& text) {
  const auto type = pki::parse_key_type(text);
  if (!type) {
    throw CliError("unknown key type " + text);
  }
  return *type;
}

int run_issue(const IssueOptions& o) {
  if (!is_safe_name(o.client_id)) {
    throw CliError("client id must be 1-128 characters of A-Z a-z 0-9 . _ + - (not starting '.')");
  }
  if (o.client_id.size() > 64) {
    throw CliError("client id longer than 64 characters cannot be a certificate common name");
  }
  std::string csr;
  if (!o.csr.empty()) {
    csr = read_file(o.csr);
    pki::check_csr(csr);  // before the CA is read: a bad CSR is refused whatever the store
  }
  const auto issuer = load_signer(o.so, o.store, o.ca_dir);
  const std::string key_path = o.out_dir + "/" + o.client_id + ".key";
  const std::string cert_path = o.out_dir + "/" + o.client_id + ".pem";
  const std::string chain_path = o.out_dir + "/" + o.client_id + "-chain.pem";
  ensure_directory(o.out_dir);
  refuse_existing(csr.empty() ? std::vector<std::string>{key_path, cert_path, chain_path}
                              : std::vector<std::string>{cert_path, chain_path},
                  o.force);

  const auto validity = validity_within(issuer, o.days);
  const auto issued = csr.empty() ? pki::issue_client_certificate(issuer, o.client_id,
                                                                  key_type(o.key_type), validity)
                                  : pki::sign_client_csr(issuer, csr, o.client_id, validity);
  const auto cert = mtls::ClientCertificate::from_pem(issued.cert_pem);

  if (!issued.key_pem.empty()) {
    write_file(key_path, issued.key_pem, 0600, o.force);
  }
  write_file(cert_path, issued.cert_pem, 0644, o.force);
  // The leaf then the intermediate: what a client presents so the gateway can build the chain.
  write_file(chain_path, issued.cert_pem + issuer.cert_pem, 0644, o.force);

  if (o.json) {
    print_json({{"client_id", o.client_id},
                {"key", issued.key_pem.empty() ? boost::json::value(nullptr)
                                               : boost::json::value(key_path)},
                {"certificate", cert_path},
                {"chain", chain_path},
                {"thumbprint", cert.thumbprint},
                {"x5t#S256", cert.x5t_s256},
                {"serial_number", cert.serial_number},
                {"not_after", core::format_rfc3339(cert.not_after)}});
  } else {
    if (!issued.key_pem.empty()) {
      std::cout << "key:          " << key_path << "\n";
    }
    std::cout << "certificate:  " << cert_path << "\n"
              << "chain:        " << chain_path << "\n"
              << "thumbprint:   " << cert.thumbprint << "\n"
              << "x5t#S256:     " << cert.x5t_s256 << "\n";
  }
  return 0;
}

int run_issue_server(const IssueServerOptions& o) {
  const auto issuer = load_signer(o.so, o.store, o.ca_dir);
  const std::string key_path = o.out_dir + "/server.key";
  const std::string cert_path = o.out_dir + "/server.pem";
  const std::string chain_path = o.out_dir + "/server-chain.pem";
  ensure_directory(o.out_dir);
  refuse_existing({key_path, cert_path, chain_path}, o.force);

  const auto issued = pki::issue_server_certificate(issuer, o.dns, o.ip, key_type(o.key_type),
                                                    validity_within(issuer, o.days));
  write_file(key_path, issued.key_pem, 0600, o.force);
  write_file(cert_path, issued.cert_pem, 0644, o.force);
  write_file(chain_path, issued.cert_pem + issuer.cert_pem, 0644, o.force);
  if (o.json) {
    print_json({{"key", key_path}, {"certificate", cert_path}, {"chain", chain_path}});
  } else {
    std::cout << "key:          " << key_path << "\n"
              << "certificate:  " << cert_path << "\n"
              << "chain:        " << chain_path << "\n";
  }
  return 0;
}

int run_inspect(const InspectOptions& o) {
  const std::string text = read_file(o.file);
  mtls::ClientCertificate cert;
  if (text.find("-----BEGIN") == std::string::npos) {
    cert = mtls::ClientCertificate::from_der(text);
  } else {
    // A chain file (leaf first, as `cert issue` writes it): the leaf is what is inspected.
    const auto blocks = pki::split_pem_bundle(text);
    if (blocks.empty()) {
      throw CliError(o.file + ": no CERTIFICATE block");
    }
    cert = mtls::ClientCertificate::from_pem(blocks.front());
  }
  if (o.json) {
    print_json({{"subject", cert.subject_dn},
                {"issuer", cert.issuer_dn},
                {"serial_number", cert.serial_number},
                {"not_before", core::format_rfc3339(cert.not_before)},
                {"not_after", core::format_rfc3339(cert.not_after)},
                {"thumbprint", cert.thumbprint},
                {"x5t#S256", cert.x5t_s256}});
  } else {
    std::cout << "subject:        " << cert.subject_dn << "\n"
              << "issuer:         " << cert.issuer_dn << "\n"
              << "serial_number:  " << cert.serial_number << "\n"
              << "not_before:     " << core::format_rfc3339(cert.not_before) << "\n"
              << "not_after:      " << core::format_rfc3339(cert.not_after) << "\n"
              << "thumbprint:     " << cert.thumbprint << "\n"
              << "x5t#S256:       " << cert.x5t_s256 << "\n";
  }
  return 0;
}

void add_key_type_and_days(CLI::App* cmd, std::string& key_type, int& days) {
  cmd->add_option("--key-type", key_type, "key type")
      ->check(CLI::IsMember({"ec-p256", "rsa-2048", "rsa-3072"}))
      ->capture_default_str();
  cmd->add_option("--days", days, "validity in days")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
}

template <typename Options>
void add_ca_flags(CLI::App* cmd, Options& o) {
  cmd->add_option("--store", o.store,
                  "the CA: ssm:/<prefix>/pki or dir:PATH (default: MTLSCTL_STORE)");
  cmd->add_option("--ca-dir", o.ca_dir, "a directory written by `ca init` (same as --store dir:D)");
  add_aws_flags(cmd, o.so.aws);
}

}  // namespace

void add_fetch_command(CLI::App* cert, Context& ctx);  // cert_fetch.cpp: fetch, needs-renewal

void add_cert_commands(CLI::App& app, Context& ctx) {
  CLI::App* cert = app.add_subcommand("cert", "client and server certificates");
  cert->require_subcommand(1);

  auto io = std::make_shared<IssueOptions>();
  CLI::App* issue = cert->add_subcommand(
      "issue", "issue a client certificate (clientAuth) signed by the intermediate CA");
  add_ca_flags(issue, *io);
  issue->add_option("--client-id", io->client_id, "Cognito app client id (the subject CN)")
      ->required();
  issue->add_option("--out-dir", io->out_dir, "where <ID>.key, <ID>.pem, <ID>-chain.pem go")
      ->required();
  add_key_type_and_days(issue, io->key_type, io->days);
  issue->add_flag("--force", io->force, "overwrite existing files");
  issue->add_flag("--json", io->json, "print JSON");
  issue->callback([&ctx, io] { ctx.action = [io] { return run_issue(*io); }; });

  auto sg = std::make_shared<IssueOptions>();
  CLI::App* sign = cert->add_subcommand(
      "sign", "sign a client's CSR (its key stays with it): the profile of `cert issue`");
  add_ca_flags(sign, *sg);
  sign->add_option("--csr", sg->csr, "the PEM certificate request")->required();
  sign->add_option("--client-id", sg->client_id, "Cognito app client id (the subject CN)")
      ->required();
  sign->add_option("--out-dir", sg->out_dir, "where <ID>.pem and <ID>-chain.pem go")->required();
  sign->add_option("--days", sg->days, "validity in days")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  sign->add_flag("--force", sg->force, "overwrite existing files");
  sign->add_flag("--json", sg->json, "print JSON");
  sign->callback([&ctx, sg] { ctx.action = [sg] { return run_issue(*sg); }; });

  auto so = std::make_shared<IssueServerOptions>();
  CLI::App* server = cert->add_subcommand(
      "issue-server", "issue a server certificate (serverAuth, SAN) signed by the intermediate CA");
  add_ca_flags(server, *so);
  server->add_option("--out-dir", so->out_dir, "where server.key, server.pem, server-chain.pem go")
      ->required();
  server->add_option("--dns", so->dns, "DNS names (subjectAltName)")->required();
  server->add_option("--ip", so->ip, "IP addresses (subjectAltName)");
  add_key_type_and_days(server, so->key_type, so->days);
  server->add_flag("--force", so->force, "overwrite existing files");
  server->add_flag("--json", so->json, "print JSON");
  server->callback([&ctx, so] { ctx.action = [so] { return run_issue_server(*so); }; });

  auto no = std::make_shared<InspectOptions>();
  CLI::App* inspect = cert->add_subcommand(
      "inspect", "subject, issuer, serial, validity, thumbprint and x5t#S256 of a certificate");
  inspect->add_option("file", no->file, "PEM or DER certificate (of a chain: the first)")
      ->required();
  inspect->add_flag("--json", no->json, "print JSON");
  inspect->callback([&ctx, no] { ctx.action = [no] { return run_inspect(*no); }; });

  add_fetch_command(cert, ctx);
}

}  // namespace agm::mtlsctl
