// mtlsctl crl export | import (docs/operations.md section 6). API Gateway reads no CRL: the
// registry decides. These are for the systems around it: export writes what the registry says as
// a CRL signed by an intermediate; import applies another system's CRL (or our own, elsewhere) to
// the registry, matching issuer and serial, once its signature verified.
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/dynamodb.hpp"
#include "ca_material.hpp"
#include "common.hpp"
#include "core/time.hpp"
#include "mtls/certificate.hpp"
#include "mtls/dynamo_registry.hpp"
#include "pki/pki.hpp"
#include "store.hpp"

namespace agm::mtlsctl {

namespace {

struct CrlOptions {
  StoreOptions so;
  std::string store;
  std::string table;
  // export
  std::string out;
  std::string issuer = "current";
  int days = 7;
  // import
  std::string file;
  std::string issuer_cert;
  bool dry_run = false;
  bool json = false;
};

std::unique_ptr<mtls::DynamoRegistry> open_registry(const CrlOptions& o,
                                                    std::unique_ptr<aws::DynamoDb>& db) {
  db = std::make_unique<aws::DynamoDb>(client_config(o.so.aws, "DYNAMODB", "dynamodb"));
  return std::make_unique<mtls::DynamoRegistry>(
      *db, flag_or_env(o.table, "--table", "CERT_TABLE_NAME"), std::chrono::milliseconds(30000));
}

// What the registry says of the certificates `issuer_dn` issued: REVOKED with its reason,
// SUSPENDED as certificateHold (since it was last updated).
std::vector<pki::CrlEntry> crl_entries(const std::vector<mtls::RegistryRecord>& records,
                                       const std::string& issuer_dn) {
  std::vector<pki::CrlEntry> out;
  for (const auto& r : records) {
    if (r.issuer_dn != issuer_dn) {
      continue;
    }
    if (r.status == mtls::CertStatus::kRevoked) {
      const auto reason = pki::canonical_reason(r.revocation_reason.value_or("unspecified"));
      out.push_back(
          {r.serial_number, r.revoked_at.value_or(r.updated_at), reason.value_or("unspecified")});
    } else if (r.status == mtls::CertStatus::kSuspended) {
      out.push_back({r.serial_number, r.updated_at, "certificate-hold"});
    }
  }
  return out;
}

int run_export(const CrlOptions& o) {
  if (o.issuer != "current" && o.issuer != "previous") {
    throw UsageError("--issuer: current or previous");
  }
  const auto store = open_store(ca_store_spec(o.store), o.so);
  const pki::KeyAndCert issuer = load_intermediate(*store, o.issuer == "previous");
  const std::string issuer_dn = mtls::ClientCertificate::from_pem(issuer.cert_pem).subject_dn;
  std::unique_ptr<aws::DynamoDb> db;
  const auto registry = open_registry(o, db);
  const auto listing = registry->list(std::nullopt);
  const auto entries = crl_entries(listing.records, issuer_dn);
  const auto now = core::SystemClock().now();
  // The CRL number must grow with each CRL of an issuer (RFC 5280 5.2.3): the time in seconds
  // does, without a counter to keep anywhere.
  const auto number = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  const std::string crl =
      pki::create_crl(issuer, entries, number.count(), now, now + std::chrono::days(o.days));
  write_file(o.out, crl, 0644, true);
  for (const auto& m : listing.malformed) {
    std::cerr << "mtlsctl: record " << m.thumbprint << " left out: " << m.reason << "\n";
  }
  if (o.json) {
    print_json(boost::json::object{{"file", o.out},
                                   {"issuer", issuer_dn},
                                   {"entries", entries.size()},
                                   {"crl_number", number.count()}});
  } else {
    std::cout << "wrote " << o.out << ": " << entries.size() << " certificate(s) of " << issuer_dn
              << ", next update in " << o.days << " day(s)\n";
  }
  return listing.malformed.empty() ? 0 : 1;
}

// The CA certificates a CRL may be signed by: --issuer-cert's bundle, else every CA certificate
// of the store (root, current and previous intermediate, retired ones).
std::vector<std::string> issuer_certificates(const CrlOptions& o) {
  if (!o.issuer_cert.empty()) {
    auto certs = pki::split_pem_bundle(read_file(o.issuer_cert));
    if (certs.empty()) {
      throw CliError(o.issuer_cert + ": no CERTIFICATE block");
    }
    return certs;
  }
  const auto store = open_store(ca_store_spec(o.store), o.so);
  std::vector<std::string> names{ca_names::kRootCert, ca_names::kIntermediateCert,
                                 ca_names::kPreviousCert};
  for (const auto& retired : store->list("retired/")) {
    names.push_back(retired);
  }
  std::vector<std::string> certs;
  for (const auto& name : names) {
    if (const auto pem = store->get(name)) {
      certs.push_back(*pem);
    }
  }
  if (certs.empty()) {
    throw CliError("no CA at " + store->spec());
  }
  return certs;
}

int run_import(const CrlOptions& o) {
  const pki::Crl crl = pki::read_crl(read_file(o.file), issuer_certificates(o));
  std::unique_ptr<aws::DynamoDb> db;
  const auto registry = open_registry(o, db);
  const auto records = registry->list(std::nullopt).records;
  const auto now = core::SystemClock().now();
  int changed = 0;
  int already = 0;
  int unknown = 0;
  for (const auto& entry : crl.entries) {
    const auto it = std::find_if(records.begin(), records.end(), [&](const auto& r) {
      return r.issuer_dn == crl.issuer && r.serial_number == entry.serial_number;
    });
    if (it == records.end()) {
      ++unknown;
      continue;
    }
    const bool hold = entry.reason == "certificate-hold";
    if (it->status == mtls::CertStatus::kRevoked ||
        (hold && it->status == mtls::CertStatus::kSuspended)) {
      ++already;
      continue;
    }
    ++changed;
    if (!o.json) {
      std::cout << (hold ? "suspend " : "revoke ") << it->client_id << " " << it->thumbprint << " ("
                << entry.reason << ")\n";
    }
    if (o.dry_run) {
      continue;
    }
    if (hold) {
      registry->set_status(it->thumbprint, mtls::CertStatus::kSuspended, now);
    } else {
      registry->revoke(it->thumbprint, entry.reason, now);
    }
  }
  if (o.json) {
    print_json(boost::json::object{{"issuer", crl.issuer},
                                   {"changed", changed},
                                   {"already", already},
                                   {"not_registered", unknown}});
  } else {
    std::cout << crl.issuer << ": " << changed << " changed, " << already
              << " already revoked or suspended, " << unknown << " not registered\n";
  }
  return 0;
}

void add_common(CLI::App* cmd, CrlOptions& o) {
  cmd->add_option("--store", o.store, "the CA (default: MTLSCTL_STORE)");
  cmd->add_option("--table", o.table, "registry table (default: CERT_TABLE_NAME)");
  add_aws_flags(cmd, o.so.aws);
  cmd->add_flag("--json", o.json, "print JSON");
}

}  // namespace

void add_crl_commands(CLI::App& app, Context& ctx) {
  CLI::App* crl =
      app.add_subcommand("crl", "certificate revocation lists from and to the registry");
  crl->require_subcommand(1);

  auto e = std::make_shared<CrlOptions>();
  CLI::App* exp = crl->add_subcommand(
      "export", "a CRL signed by an intermediate: its REVOKED and SUSPENDED certificates");
  add_common(exp, *e);
  exp->add_option("--out", e->out, "the CRL file (PEM) to write")->required();
  exp->add_option("--issuer", e->issuer, "the intermediate: current or previous")
      ->capture_default_str();
  exp->add_option("--days", e->days, "validity (nextUpdate) in days")
      ->check(CLI::Range(1, 365))
      ->capture_default_str();
  exp->callback([&ctx, e] { ctx.action = [e] { return run_export(*e); }; });

  auto i = std::make_shared<CrlOptions>();
  CLI::App* imp = crl->add_subcommand(
      "import",
      "mark REVOKED (SUSPENDED for certificateHold) every registered certificate a "
      "verified CRL lists");
  add_common(imp, *i);
  imp->add_option("file", i->file, "the CRL (PEM or DER)")->required();
  imp->add_option("--issuer-cert", i->issuer_cert,
                  "the CA certificate(s) that signed it (default: the store's CAs)");
  imp->add_flag("--dry-run", i->dry_run, "say what would change, change nothing");
  imp->callback([&ctx, i] { ctx.action = [i] { return run_import(*i); }; });
}

}  // namespace agm::mtlsctl
