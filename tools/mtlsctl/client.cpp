// mtlsctl client create | register | revoke | list: the Cognito app client and the cert registry.
#include <iostream>

#include "app_clients.hpp"
#include "aws/cognito_idp.hpp"
#include "aws/dynamodb.hpp"
#include "common.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "mtls/certificate.hpp"
#include "mtls/dynamo_registry.hpp"
#include "pki/pki.hpp"

namespace agm::mtlsctl {
namespace {

struct CreateOptions {
  AwsFlags aws;
  std::string user_pool_id;
  std::string name;
  std::vector<std::string> scopes;
  std::string secret_file;
  bool force = false;
  bool json = false;
};

struct RegistryOptions {
  AwsFlags aws;
  std::string table;
};

struct RegisterOptions {
  RegistryOptions reg;
  std::string cert;
  std::string client_id;
  std::vector<std::string> scopes;
  bool allow_expired = false;
  bool json = false;
};

struct RevokeOptions {
  RegistryOptions reg;
  std::string cert;
  std::string thumbprint;
  std::string reason = "unspecified";
  bool json = false;
};

struct ListOptions {
  RegistryOptions reg;
  std::string client_id;
  std::string status;
  std::string expiring_within;
  bool json = false;
};

void add_registry_flags(CLI::App* cmd, RegistryOptions& o) {
  cmd->add_option("--table", o.table, "registry table (default: CERT_TABLE_NAME)");
  add_aws_flags(cmd, o.aws);
}

boost::json::object record_json(const mtls::RegistryRecord& r) {
  boost::json::object o{{"thumbprint", r.thumbprint},
                        {"client_id", r.client_id},
                        {"status", mtls::to_string(r.status)},
                        {"serial_number", r.serial_number},
                        {"subject_dn", r.subject_dn},
                        {"issuer_dn", r.issuer_dn},
                        {"not_before", core::format_rfc3339(r.not_before)},
                        {"not_after", core::format_rfc3339(r.not_after)},
                        {"created_at", core::format_rfc3339(r.created_at)},
                        {"updated_at", core::format_rfc3339(r.updated_at)}};
  if (r.scopes) {
    boost::json::array scopes;
    for (const auto& s : *r.scopes) {
      scopes.emplace_back(s);
    }
    o["scopes"] = std::move(scopes);
  }
  if (r.revoked_at) {
    o["revoked_at"] = core::format_rfc3339(*r.revoked_at);
  }
  if (r.revocation_reason) {
    o["revocation_reason"] = *r.revocation_reason;
  }
  return o;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : sep) + item;
  }
  return out;
}

}  // namespace

// In a chain the first certificate must be the only one that is not a CA, so a bundle in another
// order (or a file of several leaves) is refused rather than guessed from, naming the certificate
// that is wrong and the file to use.
mtls::ClientCertificate load_client_certificate(const std::string& path) {
  const std::string text = read_file(path);
  if (text.find("-----BEGIN") == std::string::npos) {
    return mtls::ClientCertificate::from_der(text);
  }
  const auto blocks = pki::split_pem_bundle(text);
  if (blocks.empty()) {
    throw CliError(path + ": no CERTIFICATE block");
  }
  if (blocks.size() == 1) {
    return mtls::ClientCertificate::from_pem(text);
  }
  auto leaf = mtls::ClientCertificate::from_pem(blocks.front());
  const auto where = [&](std::size_t i, const mtls::ClientCertificate& c) {
    return path + ": certificate " + std::to_string(i + 1) + " of " +
           std::to_string(blocks.size()) + " (" + c.subject_dn + ")";
  };
  if (pki::is_ca_certificate(blocks.front())) {
    throw CliError(where(0, leaf) +
                   " is a CA certificate: a chain file starts with the client certificate "
                   "(use the leaf <ID>.pem that `cert issue` wrote)");
  }
  for (std::size_t i = 1; i < blocks.size(); ++i) {
    if (!pki::is_ca_certificate(blocks[i])) {
      throw CliError(where(i, mtls::ClientCertificate::from_pem(blocks[i])) +
                     " is not a CA certificate: a chain file holds one client certificate, then "
                     "its CAs (register each client certificate from its own file)");
    }
  }
  return leaf;
}

namespace {

// The string (S) and string set (SS) attributes of an item as JSON: what can be shown of a
// record that does not read as one.
boost::json::object raw_item_json(const aws::Item& item) {
  boost::json::object out;
  for (const auto& [name, attr] : item) {
    const auto* obj = attr.if_object();
    if (obj == nullptr)
      continue;
    if (const auto* s = obj->if_contains("S"); s != nullptr && s->is_string())
      out[name] = *s;
    else if (const auto* ss = obj->if_contains("SS"); ss != nullptr && ss->is_array())
      out[name] = *ss;
  }
  return out;
}

// Registry errors keep the AWS error code that caused them (when any) in the message.
[[noreturn]] void rethrow_registry(const mtls::RegistryError& e) {
  throw CliError(e.code() + ": " + e.what());
}

int run_create(const CreateOptions& o) {
  const std::string pool = flag_or_env(o.user_pool_id, "--user-pool-id", "COGNITO_USER_POOL_ID");
  if (!o.secret_file.empty()) {
    // Before creating anything: a client whose secret cannot be saved would be lost.
    refuse_existing({o.secret_file}, o.force);
  }
  aws::CognitoIdp cognito(client_config(o.aws, "COGNITO_IDENTITY_PROVIDER", "cognito-idp"));
  const AppClient created = create_app_client(cognito, pool, o.name, o.scopes, std::nullopt);
  if (!o.secret_file.empty()) {
    try {
      write_file(o.secret_file, created.secret + "\n", 0600, o.force);
    } catch (const CliError& e) {
      throw CliError(std::string(e.what()) + " (client " + created.id +
                     " was created; delete it or reset its secret)");
    }
  }
  if (o.json) {
    boost::json::object out{{"client_id", created.id}, {"client_name", o.name}};
    if (o.secret_file.empty()) {
      out["client_secret"] = created.secret;
    } else {
      out["client_secret_file"] = o.secret_file;
    }
    print_json(out);
  } else {
    std::cout << "client_id:      " << created.id << "\n";
    if (o.secret_file.empty()) {
      std::cout << "client_secret:  " << created.secret << "\n";
    } else {
      std::cout << "client_secret:  written to " << o.secret_file << "\n";
    }
  }
  return 0;
}

int run_register(const RegisterOptions& o) {
  const auto cert = load_client_certificate(o.cert);
  const core::TimePoint now = core::SystemClock().now();
  if (!o.allow_expired && !cert.valid_at(now)) {
    throw CliError(o.cert + ": certificate is not valid now (" +
                   core::format_rfc3339(cert.not_before) + " to " +
                   core::format_rfc3339(cert.not_after) + "); --allow-expired to register anyway");
  }
  const std::string table = flag_or_env(o.reg.table, "--table", "CERT_TABLE_NAME");
  aws::DynamoDb db(client_config(o.reg.aws, "DYNAMODB", "dynamodb"));
  mtls::DynamoRegistry registry(db, table, std::chrono::milliseconds(20000));
  std::optional<std::vector<std::string>> scopes;
  if (!o.scopes.empty()) {
    scopes = o.scopes;
  }
  const auto record = mtls::RegistryRecord::from_certificate(cert, o.client_id, scopes, now);
  try {
    registry.register_new(record);
  } catch (const mtls::RegistryError& e) {
    if (e.errc() == mtls::RegistryErrc::kAlreadyRegistered) {
      throw CliError("already registered: certificate " + cert.thumbprint +
                     " is already in the registry (revoke it or issue a new certificate)");
    }
    rethrow_registry(e);
  }
  if (o.json) {
    print_json(record_json(record));
  } else {
    std::cout << "registered " << cert.thumbprint << " for client " << o.client_id << " (ACTIVE"
              << (scopes ? ", scopes " + join(*scopes, " ") : std::string()) << ")\n";
  }
  return 0;
}

int run_revoke(const RevokeOptions& o) {
  const auto reason = pki::canonical_reason(o.reason);
  if (!reason || *reason == "certificate-hold") {
    throw UsageError(
        "--reason: one of RFC 5280's: unspecified, key-compromise, ca-compromise, "
        "affiliation-changed, superseded, cessation-of-operation, "
        "privilege-withdrawn, aa-compromise (a hold is `client suspend`)");
  }
  std::string thumbprint;
  if (!o.cert.empty()) {
    thumbprint = load_client_certificate(o.cert).thumbprint;
  } else {
    const auto normalized = normalize_thumbprint(o.thumbprint);
    if (!normalized) {
      throw CliError("--thumbprint must be 64 hex characters (SHA-256 of the DER)");
    }
    thumbprint = *normalized;
  }
  const std::string table = flag_or_env(o.reg.table, "--table", "CERT_TABLE_NAME");
  aws::DynamoDb db(client_config(o.reg.aws, "DYNAMODB", "dynamodb"));
  mtls::DynamoRegistry registry(db, table, std::chrono::milliseconds(20000));
  mtls::UpdatedRecord updated;
  try {
    updated = registry.revoke(thumbprint, *reason, core::SystemClock().now());
  } catch (const mtls::RegistryError& e) {
    if (e.errc() == mtls::RegistryErrc::kNotFound) {
      throw CliError("not registered: no certificate " + thumbprint + " in " + table);
    }
    rethrow_registry(e);
  }
  if (!updated.record) {
    // The revocation happened (the item is REVOKED now): say so, and what is wrong with the rest.
    std::cerr << "mtlsctl: warning: " << thumbprint << " is REVOKED, but its record is malformed ("
              << updated.malformed << "); fix or delete the item\n";
    if (o.json) {
      boost::json::object out = raw_item_json(updated.item);
      out["malformed"] = updated.malformed;
      print_json(out);
    } else {
      std::cout << "revoked " << thumbprint << " (reason " << *reason
                << "; the record is malformed)\n";
    }
    return 0;
  }
  if (o.json) {
    print_json(record_json(*updated.record));
  } else {
    std::cout << "revoked " << thumbprint << " (client " << updated.record->client_id << ", reason "
              << *reason << ")\n";
  }
  return 0;
}

// --status and --expiring-within: what the rotation workflow asks for.
void filter_listing(std::vector<mtls::RegistryRecord>& records, const std::string& status,
                    const std::string& expiring_within) {
  std::optional<core::TimePoint> before;
  if (!expiring_within.empty()) {
    const auto d = parse_duration(expiring_within);
    if (!d) {
      throw UsageError("--expiring-within: a duration like 30d or 12h");
    }
    before = core::SystemClock().now() + *d;
  }
  std::erase_if(records, [&](const mtls::RegistryRecord& r) {
    return (!status.empty() && mtls::to_string(r.status) != status) ||
           (before && r.not_after > *before);
  });
}

int run_list(const ListOptions& o) {
  const std::string table = flag_or_env(o.reg.table, "--table", "CERT_TABLE_NAME");
  aws::DynamoDb db(client_config(o.reg.aws, "DYNAMODB", "dynamodb"));
  mtls::DynamoRegistry registry(db, table, std::chrono::milliseconds(30000));
  mtls::Listing listing;
  try {
    listing =
        registry.list(o.client_id.empty() ? std::nullopt : std::optional<std::string>(o.client_id));
  } catch (const mtls::RegistryError& e) {
    rethrow_registry(e);
  }
  filter_listing(listing.records, o.status, o.expiring_within);
  if (o.json) {
    boost::json::array out;
    for (const auto& r : listing.records) {
      out.emplace_back(record_json(r));
    }
    print_json(out);
  } else {
    std::vector<std::vector<std::string>> rows;
    rows.reserve(listing.records.size());
    for (const auto& r : listing.records) {
      rows.push_back({r.thumbprint, r.client_id, std::string(mtls::to_string(r.status)),
                      core::format_rfc3339(r.not_after), r.scopes ? join(*r.scopes, ",") : "*",
                      r.subject_dn});
    }
    print_table({"THUMBPRINT", "CLIENT_ID", "STATUS", "NOT_AFTER", "SCOPES", "SUBJECT"}, rows);
  }
  if (listing.malformed.empty()) {
    return 0;
  }
  // Every readable record is listed above; each malformed one gets its own line, the last one as
  // the error main prints, and the exit code says the table is not the whole registry.
  for (std::size_t i = 0; i < listing.malformed.size(); ++i) {
    const auto& m = listing.malformed[i];
    const std::string line = "malformed record " +
                             (m.thumbprint.empty() ? "(without a thumbprint)" : m.thumbprint) +
                             " not listed: " + m.reason;
    if (i + 1 == listing.malformed.size()) {
      throw CliError(line);
    }
    std::cerr << "mtlsctl: " << line << '\n';
  }
  return 1;
}

}  // namespace

void add_suspend_resume_commands(CLI::App* client, Context& ctx);  // client_lifecycle.cpp

void add_client_commands(CLI::App& app, Context& ctx) {
  CLI::App* client = app.add_subcommand("client", "Cognito app clients and the cert registry");
  client->require_subcommand(1);

  auto co = std::make_shared<CreateOptions>();
  CLI::App* create = client->add_subcommand(
      "create", "create a Cognito app client for client_credentials with a secret");
  create->add_option("--name", co->name, "app client name")->required();
  create->add_option("--scopes", co->scopes, "OAuth scopes (resource-server/scope)")->required();
  create->add_option("--secret-file", co->secret_file,
                     "write the secret to this file (mode 0600) instead of stdout");
  create->add_option("--user-pool-id", co->user_pool_id,
                     "user pool (default: COGNITO_USER_POOL_ID)");
  add_aws_flags(create, co->aws);
  create->add_flag("--force", co->force, "overwrite an existing --secret-file");
  create->add_flag("--json", co->json, "print JSON");
  create->callback([&ctx, co] { ctx.action = [co] { return run_create(*co); }; });

  auto ro = std::make_shared<RegisterOptions>();
  CLI::App* reg =
      client->add_subcommand("register", "put a client certificate in the registry as ACTIVE");
  reg->add_option("--cert", ro->cert,
                  "the client certificate (PEM or DER), or a chain file (leaf first, then CAs)")
      ->required();
  reg->add_option("--client-id", ro->client_id, "Cognito app client id")->required();
  reg->add_option("--scopes", ro->scopes, "scopes this certificate may use (default: any)");
  reg->add_flag("--allow-expired", ro->allow_expired,
                "register a certificate outside its validity (tests)");
  add_registry_flags(reg, ro->reg);
  reg->add_flag("--json", ro->json, "print JSON");
  reg->callback([&ctx, ro] { ctx.action = [ro] { return run_register(*ro); }; });

  auto vo = std::make_shared<RevokeOptions>();
  CLI::App* revoke = client->add_subcommand("revoke", "mark a registered certificate REVOKED");
  CLI::Option_group* which = revoke->add_option_group("certificate", "which certificate");
  which->add_option("--cert", vo->cert, "the certificate file");
  which->add_option("--thumbprint", vo->thumbprint, "its SHA-256 thumbprint (hex)");
  which->require_option(1);
  revoke->add_option("--reason", vo->reason, "revocation reason")->capture_default_str();
  add_registry_flags(revoke, vo->reg);
  revoke->add_flag("--json", vo->json, "print JSON");
  revoke->callback([&ctx, vo] { ctx.action = [vo] { return run_revoke(*vo); }; });

  auto lo = std::make_shared<ListOptions>();
  CLI::App* list = client->add_subcommand("list", "the registry's records");
  list->add_option("--client-id", lo->client_id, "only this client's certificates");
  list->add_option("--status", lo->status, "only certificates in this status")
      ->check(CLI::IsMember({"ACTIVE", "SUSPENDED", "REVOKED"}));
  list->add_option("--expiring-within", lo->expiring_within,
                   "only certificates that expire within this duration (30d, 12h)");
  add_registry_flags(list, lo->reg);
  list->add_flag("--json", lo->json, "print JSON");
  list->callback([&ctx, lo] { ctx.action = [lo] { return run_list(*lo); }; });

  add_suspend_resume_commands(client, ctx);
}

}  // namespace agm::mtlsctl
