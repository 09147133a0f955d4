// mtlsctl cert fetch (a client's material from the clients store, docs/contract.md section 10)
// and cert needs-renewal (exit 0 when a certificate expires within a duration, 1 when not).
#include <iostream>

#include "clients_store.hpp"
#include "common.hpp"
#include "core/time.hpp"
#include "mtls/certificate.hpp"
#include "pki/pki.hpp"

namespace agm::mtlsctl {
namespace {

struct FetchOptions {
  StoreOptions so;
  std::string store;
  std::string clients_store;
  std::string client;
  std::string client_id;
  std::string out_dir;
  bool force = false;
  bool json = false;
};

int run_fetch(const FetchOptions& o) {
  auto store = open_clients_store(o.clients_store, o.store, o.so);
  std::string name = o.client;
  if (name.empty()) {
    name = find_client_by_id(*store, o.client_id);
  } else if (!is_client_name(name)) {
    throw UsageError("--client: 1-64 lowercase letters, digits and inner hyphens");
  }
  const auto material = read_client_material(*store, name);
  if (!material.cert_pem) {
    throw CliError("nothing stored for client " + name + " at " + store->spec() +
                   " (has mtlsctl apply run?)");
  }
  const std::string base = o.out_dir + "/" + name;
  std::vector<std::string> paths{base + ".pem", base + "-chain.pem", o.out_dir + "/client.json"};
  if (material.key_pem) {
    paths.push_back(base + ".key");
  }
  ensure_directory(o.out_dir);
  refuse_existing(paths, o.force);
  if (material.key_pem) {
    write_file(base + ".key", *material.key_pem, 0600, o.force);
  }
  write_file(base + ".pem", *material.cert_pem, 0644, o.force);
  write_file(base + "-chain.pem", material.chain_pem.value_or(*material.cert_pem), 0644, o.force);
  if (material.client_json) {
    write_file(o.out_dir + "/client.json", *material.client_json, 0600, o.force);
  }
  boost::json::array written;
  for (const auto& p : paths) {
    written.emplace_back(p);
  }
  if (o.json) {
    print_json({{"client", name}, {"files", written}});
  } else {
    for (const auto& p : paths) {
      std::cout << "wrote " << p << "\n";
    }
  }
  return 0;
}

struct RenewalOptions {
  std::string file;
  std::string expires_in;
};

// Exit 0: the certificate expires within the duration; 1: it does not; 2: bad input.
int run_needs_renewal(const RenewalOptions& o) {
  const auto within = parse_duration(o.expires_in);
  if (!within) {
    throw UsageError("--expires-in: a duration like 30d or 12h");
  }
  mtls::ClientCertificate cert;
  try {
    const std::string text = read_file(o.file);
    const auto blocks = pki::split_pem_bundle(text);
    cert = blocks.empty() ? mtls::ClientCertificate::from_der(text)
                          : mtls::ClientCertificate::from_pem(blocks.front());
  } catch (const core::Error& e) {
    throw UsageError(o.file + ": " + e.what());
  }
  const auto now = core::SystemClock().now();
  const bool due = cert.not_after <= now + *within;
  std::cout << o.file << ": expires " << core::format_rfc3339(cert.not_after)
            << (due ? " (renew now)" : " (not yet due)") << "\n";
  return due ? 0 : 1;
}

}  // namespace

void add_fetch_command(CLI::App* cert, Context& ctx) {
  auto o = std::make_shared<FetchOptions>();
  CLI::App* fetch = cert->add_subcommand(
      "fetch", "write a client's certificate, chain, key (generate only) and client.json");
  CLI::Option_group* which = fetch->add_option_group("client", "which client");
  which->add_option("--client", o->client, "its name in clients/<env>.json");
  which->add_option("--client-id", o->client_id, "its Cognito app client id");
  which->require_option(1);
  fetch->add_option("--out-dir", o->out_dir, "where the files go")->required();
  fetch->add_option("--clients-store", o->clients_store,
                    "ssm:/<prefix>/clients or dir:PATH (default: MTLSCTL_CLIENTS_STORE)");
  fetch->add_option("--store", o->store, "the CA store, whose sibling is the clients store");
  add_aws_flags(fetch, o->so.aws);
  fetch->add_flag("--force", o->force, "overwrite existing files");
  fetch->add_flag("--json", o->json, "print JSON");
  fetch->callback([&ctx, o] { ctx.action = [o] { return run_fetch(*o); }; });

  auto r = std::make_shared<RenewalOptions>();
  CLI::App* renew = cert->add_subcommand(
      "needs-renewal", "exit 0 when FILE expires within --expires-in, 1 when not, 2 on bad input");
  renew->add_option("file", r->file, "PEM or DER certificate (of a chain: the first)")->required();
  renew->add_option("--expires-in", r->expires_in, "a duration: 30d, 12h")->required();
  renew->callback([&ctx, r] { ctx.action = [r] { return run_needs_renewal(*r); }; });
}

}  // namespace agm::mtlsctl
