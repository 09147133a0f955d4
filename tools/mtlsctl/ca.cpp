// mtlsctl ca init | import | status | truststore | rotate-intermediate: a root CA and an
// intermediate CA (path length 0) that signs client and server certificates, kept in a store
// (store.hpp). The root's key can stay offline, encrypted with a passphrase (docs/operations.md
// section 2).
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/ssm.hpp"
#include "ca_material.hpp"
#include "common.hpp"
#include "core/time.hpp"
#include "mtls/certificate.hpp"
#include "pki/pki.hpp"

namespace agm::mtlsctl {
namespace {

struct CaInitOptions {
  StoreOptions so;
  std::string store;
  std::string dir;
  std::string name = "mtls";
  std::string key_type = "ec-p256";
  int days = 3650;
  int intermediate_days = 0;  // 0: as --days
  std::string root_key_out;
  bool root_key_in_ssm = false;
  bool insecure_no_passphrase = false;
  bool force = false;
  bool json = false;
};

pki::KeyType key_type_of(const std::string& text) {
  const auto type = pki::parse_key_type(text);
  if (!type) {
    throw UsageError("unknown key type " + text);
  }
  return *type;
}

// Where the root key goes, and what protects the keys: refused before anything is made.
void check_key_choices(const CaInitOptions& o, const Store& store, bool legacy_dir) {
  if (store.is_ssm() && o.root_key_out.empty() == !o.root_key_in_ssm) {
    throw UsageError("ca init: give one of --root-key-out FILE and --root-key-in-ssm");
  }
  if (store.is_ssm() && kms_key_id(o.so.kms_key_id).empty()) {
    throw UsageError("ca init: --kms-key-id (or MTLSCTL_KMS_KEY_ID) is required to write " +
                     store.spec());
  }
  if (!store.is_ssm() && o.root_key_in_ssm) {
    throw UsageError("ca init: --root-key-in-ssm is for an ssm: store");
  }
  if (!o.root_key_out.empty() && env_value(kRootPassphraseEnv).empty()) {
    throw UsageError("ca init: --root-key-out needs " + std::string(kRootPassphraseEnv));
  }
  if (!store.is_ssm() && !legacy_dir && !o.insecure_no_passphrase &&
      env_value(kCaPassphraseEnv).empty()) {
    throw UsageError("ca init: a dir: store's keys are encrypted: set " +
                     std::string(kCaPassphraseEnv) + " (or --insecure-no-passphrase)");
  }
  if (o.insecure_no_passphrase && !env_value(kCaPassphraseEnv).empty()) {
    throw UsageError("ca init: --insecure-no-passphrase and " + std::string(kCaPassphraseEnv) +
                     " contradict each other");
  }
}

void refuse_existing_ca(Store& store, bool force) {
  if (force) {
    return;
  }
  using namespace ca_names;
  for (const char* name : {kRootCert, kRootKey, kIntermediateCert, kIntermediateKey, kTruststore}) {
    if (store.is_ssm() && std::string(name) == kTruststore) {
      continue;
    }
    if (store.get(name)) {
      throw CliError("a CA exists at " + store.spec() + " (" + store.where(name) +
                     "; --force replaces it)");
    }
  }
}

int run_ca_init(const CaInitOptions& o) {
  const auto type = key_type_of(o.key_type);
  const bool legacy_dir = o.store.empty() && !o.dir.empty();
  auto store = open_store(ca_store_spec(o.store, o.dir), o.so);
  check_key_choices(o, *store, legacy_dir);
  if (!o.root_key_out.empty()) {
    refuse_existing({o.root_key_out}, o.force);
  }
  refuse_existing_ca(*store, o.force);

  const core::TimePoint now = core::SystemClock().now();
  const auto root = pki::create_root_ca(o.name + " Root CA", type, pki::days_from(now, o.days));
  const int inter_days = o.intermediate_days > 0 ? std::min(o.intermediate_days, o.days) : o.days;
  const auto inter = pki::create_intermediate_ca(root, o.name + " Intermediate CA", type,
                                                 pki::days_from(now, inter_days));
  // Keys first: if writing a certificate fails after that, rerunning with --force repairs it.
  std::string root_key_at;
  int parameters = 0;
  if (!o.root_key_out.empty()) {
    write_file(o.root_key_out,
               pki::encrypt_private_key(root.key_pem, env_value(kRootPassphraseEnv)), 0600,
               o.force);
    root_key_at = "file:" + o.root_key_out;
  } else {
    root_key_at = store->put(ca_names::kRootKey, seal_key(*store, root.key_pem), o.force).where;
    ++parameters;
  }
  store->put(ca_names::kIntermediateKey, seal_key(*store, inter.key_pem), o.force);
  store->put(ca_names::kRootCert, root.cert_pem, o.force);
  store->put(ca_names::kIntermediateCert, inter.cert_pem, o.force);
  parameters += 3;
  if (o.force) {
    store->remove(ca_names::kPreviousCert);
    store->remove(ca_names::kPreviousKey);
  }
  boost::json::object out{{"store", store->spec()},
                          {"root", cert_summary(root.cert_pem)},
                          {"intermediate", cert_summary(inter.cert_pem)},
                          {"root_key", root_key_at},
                          {"parameters", parameters}};
  if (!store->is_ssm()) {
    // API Gateway needs the whole chain in the truststore: root and intermediate.
    out["truststore"] =
        store->put(ca_names::kTruststore, root.cert_pem + inter.cert_pem, o.force).where;
    out["root_ca"] = store->where(ca_names::kRootCert);
    out["intermediate_ca"] = store->where(ca_names::kIntermediateCert);
  }
  if (o.json) {
    print_json(out);
  } else {
    std::cout << "root CA:          " << store->where(ca_names::kRootCert) << " (key "
              << root_key_at << ")\n"
              << "intermediate CA:  " << store->where(ca_names::kIntermediateCert) << "\n";
    if (const auto* t = out.if_contains("truststore")) {
      std::cout << "truststore:       " << t->as_string().c_str() << "\n";
    }
  }
  return 0;
}

struct StoreCommandOptions {
  StoreOptions so;
  std::string store;
  std::string parameter;
  std::string root_key_in;
  std::string key_type = "ec-p256";
  int days = 0;
  bool dry_run = false;
  bool json = false;
};

int run_ca_status(const StoreCommandOptions& o) {
  auto store = open_store(ca_store_spec(o.store), o.so);
  const auto root = store->get(ca_names::kRootCert);
  const auto inter = store->get(ca_names::kIntermediateCert);
  const auto previous = store->get(ca_names::kPreviousCert);
  const bool exists = root && inter;
  const auto summary = [](const std::optional<std::string>& pem) -> boost::json::value {
    return pem ? boost::json::value(cert_summary(*pem)) : boost::json::value(nullptr);
  };
  boost::json::value root_key = nullptr;
  if (exists) {
    root_key = store->get(ca_names::kRootKey) ? (store->is_ssm() ? "ssm" : "dir") : "offline";
  }
  boost::json::object out{{"store", store->spec()},
                          {"exists", exists},
                          {"root", summary(root)},
                          {"intermediate", summary(inter)},
                          {"previous_intermediate", summary(previous)},
                          {"root_key", root_key}};
  if (o.json) {
    print_json(out);
    return 0;
  }
  if (!exists) {
    std::cout << "no CA at " << store->spec() << "\n";
    return 0;
  }
  const auto line = [](const char* label, const std::string& pem) {
    const auto s = cert_summary(pem);
    std::cout << label << s.at("subject").as_string().c_str() << " (serial "
              << s.at("serial_number").as_string().c_str() << ", until "
              << s.at("not_after").as_string().c_str() << ")\n";
  };
  line("root:                   ", *root);
  line("intermediate:           ", *inter);
  if (previous) {
    line("previous intermediate:  ", *previous);
  }
  std::cout << "root key:               " << root_key.as_string().c_str() << "\n";
  return 0;
}

int run_ca_truststore(const StoreCommandOptions& o) {
  auto store = open_store(ca_store_spec(o.store), o.so);
  const std::string bundle = truststore_bundle(*store);
  const auto certs = pki::split_pem_bundle(bundle);
  aws::Ssm ssm(client_config(o.so.aws, "SSM", "ssm"));
  const auto current = ssm.get_parameter(o.parameter, true, deadline_from_now());
  const bool changed = !current || *current != bundle;
  std::string tier = aws::tier_for(bundle).value_or("Standard");
  if (!o.dry_run && changed) {
    const std::string key = kms_key_id(o.so.kms_key_id);
    if (key.empty()) {
      throw UsageError("ca truststore: --kms-key-id (or MTLSCTL_KMS_KEY_ID) is required");
    }
    tier = ssm.put_secure_string(o.parameter, bundle, key, true, deadline_from_now()).tier;
  }
  std::string subjects;
  for (const auto& c : certs) {
    subjects += (subjects.empty() ? "" : ", ") + mtls::ClientCertificate::from_pem(c).subject_dn;
  }
  if (o.json) {
    print_json({{"parameter", o.parameter},
                {"tier", tier},
                {"certificates", certs.size()},
                {"changed", changed}});
  } else {
    std::cout << (o.dry_run ? (changed ? "would write " : "unchanged ")
                            : (changed ? "wrote " : "unchanged "))
              << o.parameter << ": " << subjects << " (" << tier << " tier)\n";
  }
  return 0;
}

// ca import --from: an existing CA (a `ca init --dir` directory, or another store) moved into
// the store as it is, so no client certificate changes (docs/operations.md section 2,
// "Migrating"). Checked before anything is written: the intermediate is signed by the root and
// each key is its certificate's.
struct CaImportOptions {
  CaInitOptions init;
  std::string from;
};

// The CA material of `from`, keys opened.
struct ImportedCa {
  std::string root_cert, inter_cert, inter_key;
  std::optional<std::string> root_key;                          // absent: the root key is offline
  std::optional<std::pair<std::string, std::string>> previous;  // cert, key
  std::vector<std::pair<std::string, std::string>> retired;     // name, cert
};

ImportedCa read_ca(Store& from) {
  using namespace ca_names;
  ImportedCa ca{
      require_cert(from, kRootCert), require_cert(from, kIntermediateCert), {}, {}, {}, {}};
  const auto inter_key = from.get(kIntermediateKey);
  if (!inter_key) {
    throw CliError("no intermediate key at " + from.where(kIntermediateKey));
  }
  ca.inter_key = open_key(*inter_key, kCaPassphraseEnv, "the intermediate key");
  if (const auto root_key = from.get(kRootKey)) {
    ca.root_key = open_key(*root_key, kCaPassphraseEnv, "the root key");
  }
  const auto previous_cert = from.get(kPreviousCert);
  const auto previous_key = from.get(kPreviousKey);
  if (previous_cert && previous_key) {
    ca.previous.emplace(*previous_cert,
                        open_key(*previous_key, kCaPassphraseEnv, "the previous intermediate key"));
  }
  for (const auto& name : from.list("retired/")) {
    if (const auto pem = from.get(name)) {
      ca.retired.emplace_back(name, *pem);
    }
  }
  if (!pki::is_signed_by(ca.inter_cert, ca.root_cert) ||
      !pki::key_matches_certificate(ca.inter_key, ca.inter_cert) ||
      (ca.root_key && !pki::key_matches_certificate(*ca.root_key, ca.root_cert)) ||
      (ca.previous && !pki::key_matches_certificate(ca.previous->second, ca.previous->first))) {
    throw CliError("the CA at " + from.spec() +
                   " does not hold together (an intermediate not signed by its root, or a key "
                   "that is not its certificate's): nothing imported");
  }
  return ca;
}

int run_ca_import(const CaImportOptions& o) {
  if (!is_store_spec(o.from)) {
    throw UsageError("--from: ssm:/<prefix>/pki or dir:PATH");
  }
  auto from = open_store(o.from, o.init.so);
  auto store = open_store(ca_store_spec(o.init.store), o.init.so);
  if (from->spec() == store->spec()) {
    throw UsageError("--from and --store are the same store");
  }
  const ImportedCa ca = read_ca(*from);
  if (!ca.root_key && (o.init.root_key_in_ssm || !o.init.root_key_out.empty())) {
    throw UsageError("ca import: " + from->spec() +
                     " holds no root key (it is offline), so there is none to place");
  }
  CaInitOptions choices = o.init;
  // Without a root key to place, only the store's own requirements (KMS key, passphrase) apply.
  choices.root_key_in_ssm = choices.root_key_in_ssm || (!ca.root_key && store->is_ssm());
  check_key_choices(choices, *store, false);
  if (!o.init.root_key_out.empty()) {
    refuse_existing({o.init.root_key_out}, o.init.force);
  }
  refuse_existing_ca(*store, o.init.force);

  using namespace ca_names;
  std::string root_key_at = "offline (not in " + from->spec() + ")";
  if (ca.root_key && !o.init.root_key_out.empty()) {
    write_file(o.init.root_key_out,
               pki::encrypt_private_key(*ca.root_key, env_value(kRootPassphraseEnv)), 0600,
               o.init.force);
    root_key_at = "file:" + o.init.root_key_out;
  } else if (ca.root_key) {
    root_key_at = store->put(kRootKey, seal_key(*store, *ca.root_key), o.init.force).where;
  }
  store->put(kIntermediateKey, seal_key(*store, ca.inter_key), o.init.force);
  if (ca.previous) {
    store->put(kPreviousKey, seal_key(*store, ca.previous->second), o.init.force);
    store->put(kPreviousCert, ca.previous->first, o.init.force);
  }
  for (const auto& [name, pem] : ca.retired) {
    store->put(name, pem, true);
  }
  store->put(kRootCert, ca.root_cert, o.init.force);
  store->put(kIntermediateCert, ca.inter_cert, o.init.force);
  if (!store->is_ssm()) {
    store->put(kTruststore, truststore_bundle(*store), true);
  }
  const boost::json::object out{{"store", store->spec()},
                                {"from", from->spec()},
                                {"root", cert_summary(ca.root_cert)},
                                {"intermediate", cert_summary(ca.inter_cert)},
                                {"previous_intermediate", ca.previous.has_value()},
                                {"root_key", root_key_at}};
  if (o.init.json) {
    print_json(out);
  } else {
    std::cout << "imported the CA of " << from->spec() << " into " << store->spec() << " (root key "
              << root_key_at << ")\n";
  }
  return 0;
}

void add_store_flags(CLI::App* cmd, StoreOptions& so, std::string& store, bool writes) {
  cmd->add_option("--store", store,
                  "the CA: ssm:/<prefix>/pki or dir:PATH (default: MTLSCTL_STORE)");
  if (writes) {
    cmd->add_option("--kms-key-id", so.kms_key_id,
                    "KMS key of what is written to SSM (default: MTLSCTL_KMS_KEY_ID)");
  }
  add_aws_flags(cmd, so.aws);
}

void add_ca_init(CLI::App* ca, Context& ctx) {
  auto o = std::make_shared<CaInitOptions>();
  CLI::App* init = ca->add_subcommand("init", "create a root CA and an intermediate CA in a store");
  add_store_flags(init, o->so, o->store, true);
  init->add_option("--dir", o->dir, "a directory store (the first version's form of dir:PATH)");
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
  init->add_option("--intermediate-days", o->intermediate_days,
                   "validity of the intermediate (default: --days)")
      ->check(CLI::Range(1, 36500));
  init->add_option("--root-key-out", o->root_key_out,
                   "write the root key here, encrypted with MTLSCTL_ROOT_KEY_PASSPHRASE");
  init->add_flag("--root-key-in-ssm", o->root_key_in_ssm, "keep the root key in the ssm: store");
  init->add_flag("--insecure-no-passphrase", o->insecure_no_passphrase,
                 "dir: store keys without a passphrase (throw-away CAs)");
  init->add_flag("--force", o->force, "replace an existing CA");
  init->add_flag("--json", o->json, "print JSON");
  init->callback([&ctx, o] { ctx.action = [o] { return run_ca_init(*o); }; });
}

void add_ca_import(CLI::App* ca, Context& ctx) {
  auto o = std::make_shared<CaImportOptions>();
  CLI::App* imp = ca->add_subcommand(
      "import", "move an existing CA (a ca init --dir directory) into a store, unchanged");
  imp->add_option("--from", o->from, "where the CA is: dir:PATH or ssm:/<prefix>/pki")->required();
  add_store_flags(imp, o->init.so, o->init.store, true);
  imp->add_option("--root-key-out", o->init.root_key_out,
                  "write the root key here, encrypted with MTLSCTL_ROOT_KEY_PASSPHRASE");
  imp->add_flag("--root-key-in-ssm", o->init.root_key_in_ssm,
                "keep the root key in the ssm: store");
  imp->add_flag("--insecure-no-passphrase", o->init.insecure_no_passphrase,
                "dir: store keys without a passphrase (throw-away CAs)");
  imp->add_flag("--force", o->init.force, "replace an existing CA in the store");
  imp->add_flag("--json", o->init.json, "print JSON");
  imp->callback([&ctx, o] { ctx.action = [o] { return run_ca_import(*o); }; });
}

}  // namespace

void add_ca_rotation_commands(CLI::App* ca, Context& ctx);  // ca_rotate.cpp

void add_ca_commands(CLI::App& app, Context& ctx) {
  CLI::App* ca = app.add_subcommand("ca", "certificate authority");
  ca->require_subcommand(1);
  add_ca_init(ca, ctx);
  add_ca_import(ca, ctx);
  add_ca_rotation_commands(ca, ctx);

  auto st = std::make_shared<StoreCommandOptions>();
  CLI::App* status =
      ca->add_subcommand("status", "the CA of a store: root, intermediates, root key");
  add_store_flags(status, st->so, st->store, false);
  status->add_flag("--json", st->json, "print JSON");
  status->callback([&ctx, st] { ctx.action = [st] { return run_ca_status(*st); }; });

  auto ts = std::make_shared<StoreCommandOptions>();
  CLI::App* trust = ca->add_subcommand(
      "truststore", "write root and intermediate(s) to the truststore SSM parameter");
  add_store_flags(trust, ts->so, ts->store, true);
  trust->add_option("--parameter", ts->parameter,
                    "SSM parameter of the truststore (default: MTLSCTL_TRUSTSTORE_PARAMETER)");
  trust->add_flag("--dry-run", ts->dry_run, "say what would be written, write nothing");
  trust->add_flag("--json", ts->json, "print JSON");
  trust->callback([&ctx, ts] {
    ctx.action = [ts] {
      ts->parameter = flag_or_env(ts->parameter, "--parameter", "MTLSCTL_TRUSTSTORE_PARAMETER");
      return run_ca_truststore(*ts);
    };
  });
}

}  // namespace agm::mtlsctl
