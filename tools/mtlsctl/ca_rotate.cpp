// mtlsctl ca rotate-intermediate | retire-intermediate: a new intermediate under the same root
// while the old one stays in the store (and the truststore) as previous-intermediate-ca, then,
// once no ACTIVE certificate of the old one is left, its retirement (docs/operations.md 4.2).
#include <iostream>

#include "aws/dynamodb.hpp"
#include "ca_material.hpp"
#include "common.hpp"
#include "mtls/certificate.hpp"
#include "mtls/dynamo_registry.hpp"
#include "pki/pki.hpp"

namespace agm::mtlsctl {
namespace {

struct RotateOptions {
  StoreOptions so;
  std::string store;
  std::string root_key_in;
  std::string key_type = "ec-p256";
  std::string table;
  int days = 1825;
  bool revoke_superseded = false;
  bool revoke_all = false;
  std::string reason = "ca-compromise";  // --revoke-all's
  bool dry_run = false;
  bool json = false;
};

// "CN=x Intermediate CA" -> "x Intermediate CA G2"; "... G2" -> "... G3".
std::string next_common_name(const std::string& subject_dn) {
  std::string cn = subject_dn.starts_with("CN=") ? subject_dn.substr(3) : subject_dn;
  cn = cn.substr(0, cn.find(','));
  const auto g = cn.rfind(" G");
  if (g != std::string::npos && g + 2 < cn.size() &&
      cn.find_first_not_of("0123456789", g + 2) == std::string::npos) {
    return cn.substr(0, g) + " G" + std::to_string(std::stoi(cn.substr(g + 2)) + 1);
  }
  return cn + " G2";
}

pki::KeyAndCert load_root(Store& store, const RotateOptions& o) {
  std::string cert = require_cert(store, ca_names::kRootCert);
  if (!o.root_key_in.empty()) {
    return {open_key(read_file(o.root_key_in), kRootPassphraseEnv, o.root_key_in), cert};
  }
  const auto key = store.get(ca_names::kRootKey);
  if (!key) {
    throw CliError("the root key is not in " + store.spec() +
                   ": run ca rotate-intermediate --root-key-in FILE where the root key is");
  }
  return {open_key(*key, kCaPassphraseEnv, store.where(ca_names::kRootKey)), cert};
}

int run_rotate(const RotateOptions& o) {
  auto store = open_store(ca_store_spec(o.store), o.so);
  const auto current = load_intermediate(*store);
  // A previous intermediate equal to the current one is what a run stopped half way left: go on.
  if (auto previous = store->get(ca_names::kPreviousCert);
      previous && *previous != current.cert_pem) {
    throw CliError("an intermediate rotation is under way (" +
                   mtls::ClientCertificate::from_pem(*previous).subject_dn +
                   " is still in the store): finish it with ca retire-intermediate");
  }
  const auto root = load_root(*store, o);
  const auto type = pki::parse_key_type(o.key_type);
  const std::string cn =
      next_common_name(mtls::ClientCertificate::from_pem(current.cert_pem).subject_dn);
  const std::string old_subject = mtls::ClientCertificate::from_pem(current.cert_pem).subject_dn;
  if (o.dry_run) {
    std::cout << "create intermediate CN=" << cn << "\nkeep " << old_subject
              << " until ca retire-intermediate\n";
    return 0;
  }
  auto validity = pki::days_from(core::SystemClock().now(), o.days);
  validity.not_after =
      std::min(validity.not_after, mtls::ClientCertificate::from_pem(root.cert_pem).not_after);
  const auto next =
      pki::create_intermediate_ca(root, cn, type.value_or(pki::KeyType::kEcP256), validity);
  // The old pair first: a run stopped after it leaves the CA signing as before.
  store->put(ca_names::kPreviousKey, seal_key(*store, current.key_pem), true);
  store->put(ca_names::kPreviousCert, current.cert_pem, true);
  store->put(ca_names::kIntermediateKey, seal_key(*store, next.key_pem), true);
  store->put(ca_names::kIntermediateCert, next.cert_pem, true);
  if (o.json) {
    print_json({{"intermediate", cert_summary(next.cert_pem)},
                {"previous_intermediate", cert_summary(current.cert_pem)}});
  } else {
    std::cout << "created intermediate CN=" << cn << "\nkept " << old_subject
              << " until ca retire-intermediate\n";
  }
  return 0;
}

int run_retire(const RotateOptions& o) {
  if (o.revoke_all && o.revoke_superseded) {
    throw UsageError("--revoke-all or --revoke-superseded, not both");
  }
  const auto reason = pki::canonical_reason(o.reason);
  if (!reason || *reason == "certificate-hold") {
    throw UsageError(
        "--reason: an RFC 5280 revocation reason (key-compromise, ca-compromise, "
        "superseded, ...), not certificate-hold");
  }
  auto store = open_store(ca_store_spec(o.store), o.so);
  const auto previous = store->get(ca_names::kPreviousCert);
  if (!previous) {
    std::cout << "no intermediate to retire\n";
    return 0;
  }
  const auto old = mtls::ClientCertificate::from_pem(*previous);
  const std::string current =
      mtls::ClientCertificate::from_pem(require_cert(*store, ca_names::kIntermediateCert))
          .subject_dn;
  aws::DynamoDb db(client_config(o.so.aws, "DYNAMODB", "dynamodb"));
  mtls::DynamoRegistry registry(db, flag_or_env(o.table, "--table", "CERT_TABLE_NAME"),
                                std::chrono::milliseconds(30000));
  const auto records = registry.list(std::nullopt).records;
  const auto now = core::SystemClock().now();
  std::vector<std::string> left;
  for (const auto& r : records) {
    if (r.issuer_dn != old.subject_dn || r.status == mtls::CertStatus::kRevoked) {
      continue;
    }
    // A compromised intermediate (docs/operations.md section 8.2): every certificate it issued
    // ends now, suspended ones too, whether or not its client has a new one yet.
    if (o.revoke_all) {
      std::cout << "revoke " << r.client_id << " " << r.thumbprint << " (" << *reason << ")\n";
      if (!o.dry_run) {
        registry.revoke(r.thumbprint, *reason, now);
      }
      continue;
    }
    if (r.status != mtls::CertStatus::kActive) {
      continue;
    }
    const bool replaced = std::any_of(records.begin(), records.end(), [&](const auto& x) {
      return x.client_id == r.client_id && x.status == mtls::CertStatus::kActive &&
             x.issuer_dn == current;
    });
    if (o.revoke_superseded && replaced) {
      std::cout << "revoke " << r.client_id << " " << r.thumbprint << " (superseded)\n";
      if (!o.dry_run) {
        registry.revoke(r.thumbprint, "superseded", now);
      }
    } else {
      left.push_back(r.client_id);
    }
  }
  if (!left.empty()) {
    throw CliError(std::to_string(left.size()) + " ACTIVE certificate(s) still chain to " +
                   old.subject_dn);
  }
  std::cout << "retire intermediate " << old.subject_dn << "\n";
  if (!o.dry_run) {
    // Its certificate stays for CRLs and audit; its key goes.
    store->put("retired/" + old.serial_number + ".pem", *previous, true);
    store->remove(ca_names::kPreviousKey);
    store->remove(ca_names::kPreviousCert);
  }
  return 0;
}

void add_common(CLI::App* cmd, RotateOptions& o) {
  cmd->add_option("--store", o.store, "the CA (default: MTLSCTL_STORE)");
  cmd->add_option("--kms-key-id", o.so.kms_key_id, "KMS key (default: MTLSCTL_KMS_KEY_ID)");
  add_aws_flags(cmd, o.so.aws);
  cmd->add_flag("--dry-run", o.dry_run, "say what would happen, change nothing");
  cmd->add_flag("--json", o.json, "print JSON");
}

}  // namespace

void add_ca_rotation_commands(CLI::App* ca, Context& ctx) {
  auto r = std::make_shared<RotateOptions>();
  CLI::App* rotate =
      ca->add_subcommand("rotate-intermediate",
                         "a new intermediate under the same root; the old one kept until retired");
  add_common(rotate, *r);
  rotate->add_option("--root-key-in", r->root_key_in,
                     "the offline root key (encrypted with MTLSCTL_ROOT_KEY_PASSPHRASE)");
  rotate->add_option("--days", r->days, "validity in days (at most the root's)")
      ->check(CLI::Range(1, 36500))
      ->capture_default_str();
  rotate->add_option("--key-type", r->key_type, "key type")
      ->check(CLI::IsMember({"ec-p256", "rsa-2048", "rsa-3072"}))
      ->capture_default_str();
  rotate->callback([&ctx, r] { ctx.action = [r] { return run_rotate(*r); }; });

  auto t = std::make_shared<RotateOptions>();
  CLI::App* retire = ca->add_subcommand(
      "retire-intermediate",
      "remove the previous intermediate once none of its ACTIVE certificates is left");
  add_common(retire, *t);
  retire->add_option("--table", t->table, "registry table (default: CERT_TABLE_NAME)");
  retire->add_flag(
      "--revoke-superseded", t->revoke_superseded,
      "first revoke (superseded) those whose client has one from the new intermediate");
  retire->add_flag("--revoke-all", t->revoke_all,
                   "first revoke every certificate of the old intermediate (its key leaked)");
  retire->add_option("--reason", t->reason, "--revoke-all's RFC 5280 reason")
      ->capture_default_str();
  retire->callback([&ctx, t] { ctx.action = [t] { return run_retire(*t); }; });
}

}  // namespace agm::mtlsctl
