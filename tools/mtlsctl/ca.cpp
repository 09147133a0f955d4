// mtlsctl ca init: a root CA and an intermediate CA (path length 0) that signs client and server
// certificates. The root's key can then be kept offline; the truststore holds both.
#include <iostream>

#include "common.hpp"
#include "core/time.hpp"
#include "pki/pki.hpp"

namespace agm::mtlsctl {
namespace {

struct CaInitOptions {
  std::string dir;
  std::string name = "mtls";
  std::string key_type = "ec-p256";
  int days = 3650;
  bool force = false;
  bool json = false;
};

int run_ca_init(const CaInitOptions& o) {
  const auto type = pki::parse_key_type(o.key_type);
  if (!type) {
    throw CliError("unknown key type " + o.key_type);
  }
  const std::string root_pem = o.dir + "/root-ca.pem";
  const std::string root_key = o.dir + "/root-ca.key";
  const std::string inter_pem = o.dir + "/intermediate-ca.pem";
  const std::string inter_key = o.dir + "/intermediate-ca.key";
  const std::string truststore = o.dir + "/truststore.pem";
  ensure_directory(o.dir);
  refuse_existing({root_pem, root_key, inter_pem, inter_key, truststore}, o.force);

  const core::TimePoint now = core::SystemClock().now();
  const auto validity = pki::days_from(now, o.days);
  const auto root = pki::create_root_ca(o.name + " Root CA", *type, validity);
  const auto inter =
      pki::create_intermediate_ca(root, o.name + " Intermediate CA", *type, validity);

  // Keys first: if writing a certificate fails after that, rerunning with --force repairs it.
  write_file(root_key, root.key_pem, 0600, o.force);
  write_file(inter_key, inter.key_pem, 0600, o.force);
  write_file(root_pem, root.cert_pem, 0644, o.force);
  write_file(inter_pem, inter.cert_pem, 0644, o.force);
  // API Gateway needs the whole chain in the truststore: root and intermediate.
  write_file(truststore, root.cert_pem + inter.cert_pem, 0644, o.force);

  if (o.json) {
    print_json({{"root_ca", root_pem},
                {"root_ca_key", root_key},
                {"intermediate_ca", inter_pem},
                {"intermediate_ca_key", inter_key},
                {"truststore", truststore}});
  } else {
    std::cout << "root CA:          " << root_pem << " (key " << root_key << ")\n"
              << "intermediate CA:  " << inter_pem << " (key " << inter_key << ")\n"
              << "truststore:       " << truststore << "\n";
  }
  return 0;
}

}  // namespace

void add_ca_commands(CLI::App& app, Context& ctx) {
  CLI::App* ca = app.add_subcommand("ca", "certificate authority");
  ca->require_subcommand(1);

  auto o = std::make_shared<CaInitOptions>();
  CLI::App* init = ca->add_subcommand(
      "init", "create a root CA and an intermediate CA (path length 0) and D/truststore.pem");
  init->add_option("--dir", o->dir, "directory for the CA files")->required();
  init->add_option("--name", o->name, "name prefix of the CA common names")
      ->check([](const std::string& v) {
        return v.empty() || v.size() > 48 ? std::string("1 to 48 characters") : std::string();
      })
      ->capture_default_str();
  init->add_option("--key-type", o->key_type, "key type")
      ->check(CLI::IsMember({"ec-p256", "rsa-2048", "rsa-3072"}))
      ->capture_default_str();
  init->add_option("--days", o->days, "validity in days")
      ->check(CLI::Range(1, 36500))
      ->capture_default_str();
  init->add_flag("--force", o->force, "overwrite existing files");
  init->add_flag("--json", o->json, "print JSON");
  init->callback([&ctx, o] { ctx.action = [o] { return run_ca_init(*o); }; });
}

}  // namespace agm::mtlsctl
