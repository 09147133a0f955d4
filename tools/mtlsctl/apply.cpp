// mtlsctl apply --file clients/<env>.json [--dry-run] [--renew-within DAYS]: makes the account
// match the clients file (docs/contract.md section 10, docs/operations.md section 3). Each
// client is converged in steps that are each safe to interrupt: the app client's secret is stored
// right after the app client is made (a next run adopts an app client it finds without one), and
// a certificate is registered only once it is stored (a next run registers a stored certificate
// the registry lacks), so a rerun finishes the work with no duplicate app client and no ACTIVE
// certificate that nobody can fetch. The plan is printed as it is done, one line per action.
#include <algorithm>
#include <iostream>

#include "app_clients.hpp"
#include "aws/dynamodb.hpp"
#include "ca_material.hpp"
#include "clients_file.hpp"
#include "clients_store.hpp"
#include "core/json.hpp"
#include "mtls/certificate.hpp"
#include "mtls/dynamo_registry.hpp"

namespace agm::mtlsctl {
namespace {

namespace json = boost::json;

struct ApplyOptions {
  StoreOptions so;
  std::string store;
  std::string clients_store;
  std::string file;
  std::string table;
  std::string user_pool_id;
  std::string token_url;
  std::string resource_server;
  int renew_within_days = 30;
  bool dry_run = false;
  bool json = false;
};

// Everything apply works on, opened once.
struct Account {
  std::unique_ptr<Store> ca;
  std::unique_ptr<Store> clients;
  std::unique_ptr<aws::CognitoIdp> cognito;
  std::unique_ptr<aws::DynamoDb> db;
  std::unique_ptr<mtls::DynamoRegistry> registry;
  std::string pool;
  std::map<std::string, std::string> app_clients;  // name -> client id
  std::vector<std::string> stored;                 // names with a client.json
  std::string issuer;                              // subject of the current intermediate
};

class Plan {
 public:
  explicit Plan(bool json) : json_(json) {}
  void step(const std::string& action, const std::string& client, const std::string& detail = {}) {
    if (json_) {
      json::object o{{"action", action}, {"client", client}};
      if (!detail.empty()) {
        o["detail"] = detail;
      }
      actions_.emplace_back(std::move(o));
    } else {
      std::cout << action << " " << client << (detail.empty() ? "" : " (" + detail + ")") << "\n"
                << std::flush;
    }
    ++count_;
  }
  void finish() const {
    if (json_) {
      print_json(actions_);
    } else if (count_ == 0) {
      std::cout << "no changes\n";
    }
  }

 private:
  bool json_;
  json::array actions_;
  int count_ = 0;
};

struct Settings {
  const ApplyOptions& o;
  core::TimePoint now;
  std::string resource_server;
  std::string token_url;
};

std::vector<std::string> full_scopes(const Settings& s, const DeclaredClient& c) {
  std::vector<std::string> out;
  for (const auto& scope : c.scopes) {
    out.push_back(s.resource_server + "/" + scope);
  }
  return out;
}

void store_client_json(Account& a, const Settings& s, const DeclaredClient& c,
                       const AppClient& app) {
  json::array scopes;
  for (const auto& scope : full_scopes(s, c)) {
    scopes.emplace_back(scope);
  }
  const json::object doc{{"client_id", app.id},
                         {"client_secret", app.secret},
                         {"token_url", s.token_url},
                         {"scopes", scopes}};
  a.clients->put(client_json_name(c.name), json::serialize(doc) + "\n", true);
}

// An existing app client whose scopes or token lifetime differ from the file: updated in place
// (its id and secret stay). A planner may not describe an app client (the answer holds the
// secret): then nothing is compared.
void converge_app_client_settings(Account& a, const Settings& s, const DeclaredClient& c,
                                  const std::string& id, Plan& plan) {
  AppClientSettings declared{full_scopes(s, c), c.access_token_validity_minutes};
  std::sort(declared.scopes.begin(), declared.scopes.end());
  AppClientSettings current;
  try {
    current = describe_app_client_settings(*a.cognito, a.pool, id);
  } catch (const aws::AwsError& e) {
    if (e.code().find("AccessDenied") == std::string::npos) {
      throw;
    }
    return;
  }
  if (current == declared) {
    return;
  }
  std::string detail;
  if (current.scopes != declared.scopes) {
    for (const auto& scope : declared.scopes) {
      detail += (detail.empty() ? "scopes " : " ") + scope;
    }
  }
  if (current.access_token_minutes != declared.access_token_minutes) {
    detail += (detail.empty() ? "" : ", ") + std::string("access token ") +
              std::to_string(declared.access_token_minutes) + " min";
  }
  plan.step("update", c.name, detail);
  if (!s.o.dry_run) {
    update_app_client(*a.cognito, a.pool, id, c.name, declared);
  }
}

// The app client: made (create), or its secret fetched when an earlier run stopped before storing
// it (adopt). Returns its id ("" in a dry run that would create it).
std::string converge_app_client(Account& a, const Settings& s, const DeclaredClient& c,
                                Plan& plan) {
  const auto known = a.app_clients.find(c.name);
  const bool has_json = std::find(a.stored.begin(), a.stored.end(), c.name) != a.stored.end();
  if (known == a.app_clients.end()) {
    plan.step("create", c.name);
    if (s.o.dry_run) {
      return {};
    }
    const AppClient app = create_app_client(*a.cognito, a.pool, c.name, full_scopes(s, c),
                                            c.access_token_validity_minutes);
    a.app_clients[c.name] = app.id;
    store_client_json(a, s, c, app);
    return app.id;
  }
  if (!has_json) {
    plan.step("adopt", c.name);
    if (!s.o.dry_run) {
      store_client_json(a, s, c, describe_app_client(*a.cognito, a.pool, known->second));
    }
  }
  converge_app_client_settings(a, s, c, known->second, plan);
  return known->second;
}

// The stored leaf, when it can be read (a planner role cannot decrypt it: then nothing).
std::optional<mtls::ClientCertificate> stored_certificate(Account& a, const std::string& name) {
  try {
    const auto pem = a.clients->get(cert_name(name));
    if (pem) {
      return mtls::ClientCertificate::from_pem(*pem);
    }
  } catch (const aws::AwsError& e) {
    if (e.code().find("AccessDenied") == std::string::npos) {
      throw;
    }
  }
  return std::nullopt;
}

void register_certificate(Account& a, const mtls::ClientCertificate& cert, const std::string& id,
                          core::TimePoint now) {
  try {
    a.registry->register_new(mtls::RegistryRecord::from_certificate(cert, id, std::nullopt, now));
  } catch (const mtls::RegistryError& e) {
    if (e.errc() != mtls::RegistryErrc::kAlreadyRegistered) {
      throw CliError(e.code() + ": " + e.what());
    }
  }
}

// A new certificate for the client, stored (key, leaf, chain) and then registered.
void issue_and_register(Account& a, const Settings& s, const DeclaredClient& c,
                        const std::string& id) {
  const auto issuer = load_intermediate(*a.ca);
  const auto validity = pki::days_from(s.now, c.days);
  const auto issued = c.generate_key_type ? pki::issue_client_certificate(
                                                issuer, id, *c.generate_key_type, validity)
                                          : pki::sign_client_csr(issuer, c.csr_pem, id, validity);
  if (!issued.key_pem.empty()) {
    a.clients->put(key_name(c.name), issued.key_pem, true);
  }
  a.clients->put(chain_name(c.name), issued.cert_pem + issuer.cert_pem, true);
  a.clients->put(cert_name(c.name), issued.cert_pem, true);
  register_certificate(a, mtls::ClientCertificate::from_pem(issued.cert_pem), id, s.now);
}

// Why the client needs a new certificate ("" when it does not): none ACTIVE, the newest from
// another intermediate, or the newest expiring within --renew-within.
std::string renewal_reason(const Account& a, const Settings& s,
                           const std::vector<mtls::RegistryRecord>& active) {
  if (active.empty()) {
    return "none";
  }
  const auto newest =
      std::max_element(active.begin(), active.end(),
                       [](const auto& x, const auto& y) { return x.not_after < y.not_after; });
  if (newest->issuer_dn != a.issuer) {
    return "issued by " + newest->issuer_dn;
  }
  if (newest->not_after <= s.now + std::chrono::hours(24) * s.o.renew_within_days) {
    return "expires " + core::format_rfc3339(newest->not_after);
  }
  return {};
}

void converge_certificate(Account& a, const Settings& s, const DeclaredClient& c,
                          const std::string& id, Plan& plan) {
  std::vector<mtls::RegistryRecord> records;
  if (!id.empty()) {
    records = a.registry->list(id).records;
  }
  std::vector<mtls::RegistryRecord> active;
  bool suspended = false;
  for (const auto& r : records) {
    suspended = suspended || r.status == mtls::CertStatus::kSuspended;
    if (r.status == mtls::CertStatus::kActive && r.not_after > s.now) {
      active.push_back(r);
    }
  }
  if (active.empty() && suspended) {
    return;  // suspended on purpose: `client resume` decides, not apply
  }
  if (const auto stored = id.empty() ? std::nullopt : stored_certificate(a, c.name);
      stored && std::none_of(records.begin(), records.end(),
                             [&](const auto& r) { return r.thumbprint == stored->thumbprint; })) {
    // An earlier run stored it and stopped before registering it.
    plan.step("register", c.name, "stored " + stored->thumbprint.substr(0, 16));
    if (!s.o.dry_run) {
      register_certificate(a, *stored, id, s.now);
    }
    active.push_back(mtls::RegistryRecord::from_certificate(*stored, id, std::nullopt, s.now));
  }
  const std::string reason = renewal_reason(a, s, active);
  if (reason.empty()) {
    return;
  }
  if (reason == "none") {
    plan.step(c.generate_key_type ? "issue" : "sign", c.name);
    plan.step("register", c.name);
  } else {
    plan.step("rotate", c.name, reason);
  }
  if (!s.o.dry_run) {
    issue_and_register(a, s, c, id);
  }
}

// The smoke test's revoked canary (docs/contract.md section 10, revoked_canary): a second
// certificate of the client, its leaf and key stored at revoked_canary_name(), registered and then
// revoked. It is issued again when it is from another intermediate or within --renew-within of
// expiry: API Gateway refuses such a certificate in the handshake, so the smoke test would check
// the truststore instead of revocation.
void converge_revoked_canary(Account& a, const Settings& s, const DeclaredClient& c,
                             const std::string& id, Plan& plan) {
  const std::string name = revoked_canary_name(c.name);
  const std::string detail = "revoked canary";
  auto stored = id.empty() ? std::nullopt : stored_certificate(a, name);
  const auto renew_by = s.now + std::chrono::hours(24) * s.o.renew_within_days;
  if (!stored || stored->issuer_dn != a.issuer || stored->not_after <= renew_by) {
    plan.step("issue", c.name, detail);
    if (s.o.dry_run) {
      plan.step("register", c.name, detail);
      plan.step("revoke", c.name, detail);
      return;
    }
    const auto issuer = load_intermediate(*a.ca);
    const auto issued = pki::issue_client_certificate(issuer, id, pki::KeyType::kEcP256,
                                                      pki::days_from(s.now, c.days));
    a.clients->put(key_name(name), issued.key_pem, true);
    a.clients->put(cert_name(name), issued.cert_pem, true);
    stored = mtls::ClientCertificate::from_pem(issued.cert_pem);
  }
  const auto record = a.registry->find(stored->thumbprint);
  if (!record) {
    plan.step("register", c.name, detail);
    if (!s.o.dry_run) {
      register_certificate(a, *stored, id, s.now);
    }
  }
  if (!record || record->status != mtls::CertStatus::kRevoked) {
    plan.step("revoke", c.name, detail);
    if (!s.o.dry_run) {
      a.registry->revoke(stored->thumbprint, "unspecified", s.now);
    }
  }
}

// Clients with material in the store but no entry in the file: their certificates are revoked
// (cessation-of-operation); the app client stays (docs/operations.md section 5).
void revoke_removed(Account& a, const Settings& s, const std::vector<DeclaredClient>& declared,
                    Plan& plan) {
  for (const auto& name : a.stored) {
    if (std::any_of(declared.begin(), declared.end(),
                    [&](const auto& c) { return c.name == name; })) {
      continue;
    }
    const auto known = a.app_clients.find(name);
    if (known == a.app_clients.end()) {
      continue;
    }
    std::vector<std::string> live;
    for (const auto& r : a.registry->list(known->second).records) {
      if (r.status != mtls::CertStatus::kRevoked) {
        live.push_back(r.thumbprint);
      }
    }
    if (live.empty()) {
      continue;
    }
    plan.step("revoke", name, std::to_string(live.size()) + " certificate(s)");
    for (const auto& t : s.o.dry_run ? std::vector<std::string>{} : live) {
      a.registry->revoke(t, "cessation-of-operation", s.now);
    }
  }
}

Account open_account(const ApplyOptions& o) {
  Account a;
  const std::string table = o.table.empty() ? env_value("CERT_TABLE_NAME") : o.table;
  a.pool = o.user_pool_id.empty() ? env_value("COGNITO_USER_POOL_ID") : o.user_pool_id;
  if (table.empty() || a.pool.empty()) {
    throw UsageError(
        "apply: CERT_TABLE_NAME and COGNITO_USER_POOL_ID (or --table, --user-pool-id) "
        "must be set");
  }
  const std::string ca_spec = ca_store_spec(o.store);
  a.ca = open_store(ca_spec, o.so);
  a.clients = open_store(clients_store_spec(o.clients_store, ca_spec), o.so);
  a.cognito = std::make_unique<aws::CognitoIdp>(
      client_config(o.so.aws, "COGNITO_IDENTITY_PROVIDER", "cognito-idp"));
  a.db = std::make_unique<aws::DynamoDb>(client_config(o.so.aws, "DYNAMODB", "dynamodb"));
  a.registry =
      std::make_unique<mtls::DynamoRegistry>(*a.db, table, std::chrono::milliseconds(20000));
  a.issuer = mtls::ClientCertificate::from_pem(require_cert(*a.ca, ca_names::kIntermediateCert))
                 .subject_dn;
  a.app_clients = list_app_clients(*a.cognito, a.pool);
  a.stored = stored_client_names(*a.clients);
  return a;
}

int run_apply(const ApplyOptions& o) {
  std::vector<DeclaredClient> declared = read_clients_file(o.file);  // before any AWS call
  Settings s{o, core::SystemClock().now(),
             o.resource_server.empty() ? env_value("MTLSCTL_RESOURCE_SERVER") : o.resource_server,
             o.token_url.empty() ? env_value("MTLSCTL_TOKEN_URL") : o.token_url};
  if (s.resource_server.empty()) {
    s.resource_server = "mtls-api";
  }
  if (!o.dry_run && s.token_url.empty()) {
    throw UsageError("apply: --token-url (or MTLSCTL_TOKEN_URL) is required");
  }
  if (!o.dry_run && kms_key_id(o.so.kms_key_id).empty() &&
      ca_store_spec(o.store).starts_with("ssm:")) {
    throw UsageError("apply: --kms-key-id (or MTLSCTL_KMS_KEY_ID) is required");
  }
  Account a = open_account(o);
  Plan plan(o.json);
  for (const auto& c : declared) {
    const std::string id = converge_app_client(a, s, c, plan);
    converge_certificate(a, s, c, id, plan);
    if (c.revoked_canary) {
      converge_revoked_canary(a, s, c, id, plan);
    }
  }
  revoke_removed(a, s, declared, plan);
  plan.finish();
  return 0;
}

}  // namespace

void add_apply_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ApplyOptions>();
  CLI::App* apply = app.add_subcommand(
      "apply", "make the account match clients/<env>.json (app clients, certificates, registry)");
  apply->add_option("--file", o->file, "the clients file")->required();
  apply->add_flag("--dry-run", o->dry_run, "print the plan, change nothing");
  apply
      ->add_option("--renew-within", o->renew_within_days,
                   "rotate certificates that expire within this many days")
      ->check(CLI::Range(0, 3650))
      ->capture_default_str();
  apply->add_option("--store", o->store, "the CA (default: MTLSCTL_STORE)");
  apply->add_option("--clients-store", o->clients_store,
                    "the clients' material (default: MTLSCTL_CLIENTS_STORE, or beside the CA)");
  apply->add_option("--kms-key-id", o->so.kms_key_id, "KMS key (default: MTLSCTL_KMS_KEY_ID)");
  apply->add_option("--token-url", o->token_url,
                    "the API's /token URL (default: MTLSCTL_TOKEN_URL)");
  apply->add_option("--resource-server", o->resource_server,
                    "scope prefix (default: MTLSCTL_RESOURCE_SERVER, else mtls-api)");
  apply->add_option("--table", o->table, "registry table (default: CERT_TABLE_NAME)");
  apply->add_option("--user-pool-id", o->user_pool_id, "user pool (default: COGNITO_USER_POOL_ID)");
  add_aws_flags(apply, o->so.aws);
  apply->add_flag("--json", o->json, "print the plan as JSON");
  apply->callback([&ctx, o] { ctx.action = [o] { return run_apply(*o); }; });
}

}  // namespace agm::mtlsctl
