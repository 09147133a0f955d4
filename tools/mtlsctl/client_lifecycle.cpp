// mtlsctl client suspend | resume: SUSPENDED is a hold (certificateHold in a CRL), undone by
// resume; REVOKED is final and left alone (docs/operations.md section 5).
#include <iostream>

#include "app_clients.hpp"
#include "aws/dynamodb.hpp"
#include "common.hpp"
#include "mtls/certificate.hpp"
#include "mtls/dynamo_registry.hpp"
#include "pki/pki.hpp"

namespace agm::mtlsctl {
namespace {

struct HoldOptions {
  AwsFlags aws;
  std::string table;
  std::string user_pool_id;
  std::string client;     // its name (the app client's ClientName)
  std::string client_id;  // or its id
  std::string thumbprint;
  std::string cert;
  bool json = false;
};

// The client id a --client name stands for (ListUserPoolClients).
std::string client_id_of(const HoldOptions& o) {
  if (!o.client_id.empty() || o.client.empty()) {
    return o.client_id;
  }
  const std::string pool = flag_or_env(o.user_pool_id, "--user-pool-id", "COGNITO_USER_POOL_ID");
  aws::CognitoIdp cognito(client_config(o.aws, "COGNITO_IDENTITY_PROVIDER", "cognito-idp"));
  const auto clients = list_app_clients(cognito, pool);
  const auto it = clients.find(o.client);
  if (it == clients.end()) {
    throw CliError("no app client named " + o.client + " in " + pool);
  }
  return it->second;
}

std::string thumbprint_of(const HoldOptions& o) {
  if (!o.cert.empty()) {
    const std::string text = read_file(o.cert);
    const auto blocks = pki::split_pem_bundle(text);
    return (blocks.empty() ? mtls::ClientCertificate::from_der(text)
                           : mtls::ClientCertificate::from_pem(blocks.front()))
        .thumbprint;
  }
  const auto t = normalize_thumbprint(o.thumbprint);
  if (!t) {
    throw UsageError("--thumbprint must be 64 hex characters (SHA-256 of the DER)");
  }
  return *t;
}

// Moves every certificate of the selection in status `from` to `to` (resume: not an expired one).
int run_hold(const HoldOptions& o, mtls::CertStatus from, mtls::CertStatus to) {
  const std::string table = flag_or_env(o.table, "--table", "CERT_TABLE_NAME");
  aws::DynamoDb db(client_config(o.aws, "DYNAMODB", "dynamodb"));
  mtls::DynamoRegistry registry(db, table, std::chrono::milliseconds(20000));
  const auto now = core::SystemClock().now();
  std::vector<mtls::RegistryRecord> selected;
  const std::string id = client_id_of(o);
  if (!id.empty()) {
    selected = registry.list(id).records;
  } else if (auto r = registry.find(thumbprint_of(o))) {
    selected.push_back(*r);
  } else {
    throw CliError("not registered: no certificate " + thumbprint_of(o) + " in " + table);
  }
  boost::json::array changed;
  for (const auto& r : selected) {
    if (r.status != from || (to == mtls::CertStatus::kActive && r.not_after <= now)) {
      continue;
    }
    registry.set_status(r.thumbprint, to, now);
    changed.emplace_back(r.thumbprint);
    if (!o.json) {
      std::cout << (to == mtls::CertStatus::kSuspended ? "suspended " : "resumed ") << r.thumbprint
                << " (client " << r.client_id << ")\n";
    }
  }
  if (o.json) {
    print_json({{"status", mtls::to_string(to)}, {"thumbprints", changed}});
  } else if (changed.empty()) {
    std::cout << "no " << mtls::to_string(from) << " certificate to change\n";
  }
  return 0;
}

void add_hold_command(CLI::App* client, Context& ctx, const char* name, const char* help,
                      mtls::CertStatus from, mtls::CertStatus to) {
  auto o = std::make_shared<HoldOptions>();
  CLI::App* cmd = client->add_subcommand(name, help);
  CLI::Option_group* which = cmd->add_option_group("certificates", "whose certificates");
  which->add_option("--client", o->client, "every certificate of the app client of this name");
  which->add_option("--client-id", o->client_id, "every certificate of this app client id");
  which->add_option("--thumbprint", o->thumbprint, "one certificate, by its SHA-256 (hex)");
  which->add_option("--cert", o->cert, "one certificate, by its file");
  which->require_option(1);
  cmd->add_option("--table", o->table, "registry table (default: CERT_TABLE_NAME)");
  cmd->add_option("--user-pool-id", o->user_pool_id, "user pool (default: COGNITO_USER_POOL_ID)");
  add_aws_flags(cmd, o->aws);
  cmd->add_flag("--json", o->json, "print JSON");
  cmd->callback(
      [&ctx, o, from, to] { ctx.action = [o, from, to] { return run_hold(*o, from, to); }; });
}

}  // namespace

void add_suspend_resume_commands(CLI::App* client, Context& ctx) {
  add_hold_command(client, ctx, "suspend", "ACTIVE certificates -> SUSPENDED (a hold)",
                   mtls::CertStatus::kActive, mtls::CertStatus::kSuspended);
  add_hold_command(client, ctx, "resume", "SUSPENDED certificates -> ACTIVE (not expired ones)",
                   mtls::CertStatus::kSuspended, mtls::CertStatus::kActive);
}

}  // namespace agm::mtlsctl
