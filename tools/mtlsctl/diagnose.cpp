// mtlsctl diagnose: why would this certificate (and token) be refused? It asks the authorizer's own
// rules (mtls::Authorizer, the code the function runs) against the live registry and the pool's
// JWKS, and prints the first rule that fails with its cause and fix (mtls/reason_advice.hpp, the
// troubleshooting table), or that the request would be allowed.
//
// With --client-id and a secret instead of a token it first asks what POST /token asks (the
// admission rule, mtls::admit), then gets a token from Cognito exactly as the token function does
// (oauth::client_credentials_form, with the certificate's thumbprint for the pre-token trigger),
// and goes on with that token. The token is never printed. Exit 0: would be allowed; 3: refused
// (the rule is named); 1: the diagnosis itself could not run; 2: usage.
#include <boost/json.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/dynamodb.hpp"
#include "common.hpp"
#include "core/encoding.hpp"
#include "core/field.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "mtls/admission.hpp"
#include "mtls/authorization.hpp"
#include "mtls/dynamo_registry.hpp"
#include "mtls/reason_advice.hpp"
#include "mtls/route_scopes.hpp"
#include "oauth/jwks.hpp"
#include "oauth/jwks_fetcher.hpp"
#include "oauth/protocol.hpp"
#include "oauth/token_client.hpp"
#include "oauth/verifier.hpp"

namespace agm::mtlsctl {

namespace {

namespace json = boost::json;

struct DiagnoseOptions {
  std::string cert;
  std::string token, token_file;
  std::string client_id, secret, secret_file;
  std::string route = "GET /health";
  std::string route_scopes;
  std::string table, user_pool_id, jwks_url, token_url;
  bool require_bound_token = false;
  bool json = false;
  AwsFlags aws;
};

// What the diagnosis found: where it stopped and why.
struct Finding {
  std::string stage;  // "authorizer" (GET route) or "token" (POST /token, Cognito)
  std::string reason;
  std::string rule, cause, fix, detail;
  bool allowed = false;
  std::string client_id;  // the registry record's, when one was read
};

Finding from_reason(std::string stage, mtls::Reason reason, std::string detail,
                    std::string client_id) {
  const mtls::Advice a = mtls::advice(reason);
  Finding f{std::move(stage),
            std::string(mtls::to_string(reason)),
            std::string(a.rule),
            std::string(a.cause),
            std::string(a.fix),
            std::move(detail),
            reason == mtls::Reason::kAllowed,
            std::move(client_id)};
  return f;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// The client secret: --secret-file (first line), else --secret, else MTLSCTL_CLIENT_SECRET.
std::string client_secret(const DiagnoseOptions& o) {
  if (!o.secret_file.empty())
    return first_line(read_file(o.secret_file));
  if (!o.secret.empty())
    return o.secret;
  return env_value("MTLSCTL_CLIENT_SECRET");
}

// POST /token's own question, then Cognito's client_credentials grant as the token function sends
// it. Returns the access token, or the finding that stopped it.
std::optional<std::string> token_from_cognito(const DiagnoseOptions& o,
                                              mtls::RegistryReader& registry,
                                              const mtls::ClientCertificate& cert,
                                              const std::vector<std::string>& scopes,
                                              std::optional<Finding>& refused) {
  const auto admission = mtls::admit(registry, mtls::Presented::certificate(cert), o.client_id,
                                     scopes, core::SystemClock().now());
  if (!admission.admitted()) {
    refused = from_reason("token", admission.reason, admission.detail,
                          admission.record ? admission.record->client_id : "");
    return std::nullopt;
  }
  const std::string secret = client_secret(o);
  if (secret.empty())
    throw UsageError(
        "--client-id needs the client's secret: --secret-file, --secret or "
        "MTLSCTL_CLIENT_SECRET");
  const std::string token_url = flag_or_env(o.token_url, "--token-url", "COGNITO_TOKEN_URL");
  oauth::TokenEndpointClient endpoint(token_url, cli_http_options());
  const auto answer = endpoint.request(oauth::basic_authorization(o.client_id, secret),
                                       oauth::client_credentials_form(scopes, cert.thumbprint));
  const auto body = core::parse_json(answer.body);
  if (answer.status == 200 && body) {
    if (const auto token = core::get_string(*body, "access_token"))
      return std::string(*token);
  }
  // Cognito's refusal, as the token function passes it on (its outcome token_endpoint_error).
  Finding f;
  f.stage = "token";
  f.reason = "token_endpoint_error";
  f.rule = "Cognito's client_credentials grant";
  const std::string error =
      body ? std::string(core::get_string(*body, "error").value_or("")) : std::string();
  f.cause = "Cognito refused the grant: status " + std::to_string(answer.status) +
            (error.empty() ? "" : ", " + error);
  f.fix = error == "invalid_client"
              ? "the client id and secret must be those of an app client of this pool: the "
                "secret is in /<prefix>/clients/<name>/client.json; `mtlsctl apply` re-creates a "
                "missing client"
              : "the scopes asked for must be the app client's (`clients/<env>.json`)";
  f.client_id = admission.record ? admission.record->client_id : "";
  refused = f;
  return std::nullopt;
}

std::optional<std::string> given_token(const DiagnoseOptions& o) {
  if (!o.token_file.empty())
    return first_line(read_file(o.token_file));
  if (!o.token.empty())
    return o.token;
  return std::nullopt;
}

void print_finding(const Finding& f, const mtls::ClientCertificate& cert, const DiagnoseOptions& o,
                   const std::vector<std::string>& scopes, bool token_checked) {
  if (o.json) {
    json::object out{{"allowed", f.allowed},
                     {"stage", f.stage},
                     {"reason", f.reason},
                     {"rule", f.rule},
                     {"thumbprint", cert.thumbprint},
                     {"subject", cert.subject_dn},
                     {"route", o.route},
                     {"scopes", json::value_from(scopes)},
                     {"token_checked", token_checked}};
    if (!f.allowed) {
      out["cause"] = f.cause;
      out["fix"] = f.fix;
    }
    if (!f.detail.empty())
      out["detail"] = f.detail;
    if (!f.client_id.empty())
      out["client_id"] = f.client_id;
    print_json(out);
    return;
  }
  std::cout << "certificate  " << cert.subject_dn << "  thumbprint " << cert.thumbprint
            << "  not after " << core::format_rfc3339(cert.not_after) << "\n";
  if (!f.client_id.empty())
    std::cout << "registered   to client " << f.client_id << "\n";
  std::cout << "route        " << o.route << " needs " << oauth::join_scopes(scopes) << "\n";
  if (f.allowed) {
    std::cout << (token_checked ? "result       would be allowed\n"
                                : "result       rules 1 and 2 pass (no token given: rules 3 to 7 "
                                  "were not checked)\n");
    return;
  }
  std::cout << "result       REFUSED at " << (f.stage == "token" ? "POST /token" : o.route) << ": "
            << f.reason << "\n"
            << "rule         " << f.rule << "\n"
            << "cause        " << f.cause << "\n"
            << "fix          " << f.fix << "\n";
  if (!f.detail.empty())
    std::cout << "detail       " << f.detail << "\n";
}

int run_diagnose(const DiagnoseOptions& o) {
  if (!o.client_id.empty() && (!o.token.empty() || !o.token_file.empty()))
    throw UsageError(
        "give a token (--token, --token-file) or --client-id with its secret, not both");
  const mtls::ClientCertificate cert = load_client_certificate(o.cert);
  const mtls::RouteScopes routes =
      mtls::parse_route_scopes(flag_or_env(o.route_scopes, "--route-scopes", "ROUTE_SCOPES"));
  const auto route = routes.find(o.route);
  const std::vector<std::string> scopes =
      route == routes.end() ? std::vector<std::string>{} : route->second;

  aws::DynamoDb db(client_config(o.aws, "DYNAMODB", "dynamodb"));
  mtls::DynamoRegistry registry(db, flag_or_env(o.table, "--table", "CERT_TABLE_NAME"),
                                std::chrono::milliseconds(10000));
  std::optional<Finding> refused;
  std::optional<std::string> token = given_token(o);
  if (route == routes.end()) {
    refused = from_reason("authorizer", mtls::Reason::kRouteUnknown, o.route, "");
  } else if (!token && !o.client_id.empty()) {
    token = token_from_cognito(o, registry, cert, scopes, refused);
  }
  if (refused) {
    print_finding(*refused, cert, o, scopes, token.has_value());
    return refused->allowed ? 0 : 3;
  }

  const std::string region = client_config(o.aws, "DYNAMODB", "dynamodb").region;
  const std::string pool = flag_or_env(o.user_pool_id, "--user-pool-id", "COGNITO_USER_POOL_ID");
  std::string jwks_url = o.jwks_url.empty() ? env_value("COGNITO_JWKS_URL") : o.jwks_url;
  if (jwks_url.empty())
    jwks_url = oauth::cognito_issuer(region, pool) + "/.well-known/jwks.json";
  const core::SystemClock clock;
  oauth::HttpJwksFetcher fetcher(jwks_url, cli_http_options());
  oauth::JwksCache jwks(fetcher, clock);
  const oauth::AccessTokenVerifier verifier(oauth::VerifierConfig{region, pool}, jwks, clock);
  const bool require_bound =
      o.require_bound_token || env_value("REQUIRE_CERT_BOUND_TOKEN") == "true";
  const mtls::Authorizer authorizer(registry, verifier, require_bound);
  const auto header =
      token ? core::Field<std::string>::present_as("Bearer " + *token) : core::Field<std::string>{};
  const mtls::Authorization decision = authorizer.decide(cert.pem, header, scopes, clock.now());
  Finding f = from_reason("authorizer", decision.reason, decision.detail, decision.client_id);
  if (!token && decision.reason == mtls::Reason::kTokenMissing)
    f = from_reason("authorizer", mtls::Reason::kAllowed, "", decision.client_id);
  print_finding(f, cert, o, scopes, token.has_value());
  return f.allowed ? 0 : 3;
}

}  // namespace

void add_diagnose_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<DiagnoseOptions>();
  CLI::App* cmd = app.add_subcommand(
      "diagnose",
      "why a request with this certificate would be refused: the authorizer's rules "
      "against the live registry and JWKS");
  cmd->add_option("--cert", o->cert, "the client certificate (PEM or DER, or its chain file)")
      ->required();
  cmd->add_option("--token", o->token, "the access token the client sends (Bearer)");
  cmd->add_option("--token-file", o->token_file, "a file holding the access token");
  cmd->add_option("--client-id", o->client_id,
                  "instead of a token: the app client, whose token diagnose gets from Cognito");
  cmd->add_option("--secret", o->secret,
                  "its secret (visible to other users of this machine: prefer --secret-file or "
                  "MTLSCTL_CLIENT_SECRET)");
  cmd->add_option("--secret-file", o->secret_file, "a file holding the client's secret");
  cmd->add_option("--route", o->route, "the route key (default \"GET /health\")");
  cmd->add_option("--route-scopes", o->route_scopes,
                  "the authorizer's ROUTE_SCOPES (default: ROUTE_SCOPES)");
  cmd->add_option("--table", o->table, "registry table (default: CERT_TABLE_NAME)");
  cmd->add_option("--user-pool-id", o->user_pool_id, "the pool (default: COGNITO_USER_POOL_ID)");
  cmd->add_option("--jwks-url", o->jwks_url,
                  "the pool's JWKS (default: COGNITO_JWKS_URL, else Cognito's for the pool)");
  cmd->add_option("--token-url", o->token_url,
                  "Cognito's token endpoint, https://<domain>/oauth2/token (default: "
                  "COGNITO_TOKEN_URL; terraform output cognito_token_url)");
  cmd->add_flag("--require-bound-token", o->require_bound_token,
                "as REQUIRE_CERT_BOUND_TOKEN=true: a token must be bound to the certificate");
  add_aws_flags(cmd, o->aws);
  cmd->add_flag("--json", o->json, "print JSON");
  cmd->callback([&ctx, o] { ctx.action = [o] { return run_diagnose(*o); }; });
}

}  // namespace agm::mtlsctl
