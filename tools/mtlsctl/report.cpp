// mtlsctl report: what is about to expire, from a terminal or a pipeline. The same
// mtls::gather_expiry_report the watcher function runs daily: ACTIVE registry certificates within
// --within, the truststore's certificates (--truststore FILE or s3://bucket/key), the custom
// domain's truststore warnings (--domain). Exit 0 when every source was read (due or not: the
// report says which), 1 when one could not be, 3 with --fail-if-due when something is due.
#include <iostream>
#include <memory>
#include <optional>

#include "aws/apigateway.hpp"
#include "aws/dynamodb.hpp"
#include "aws/s3.hpp"
#include "common.hpp"
#include "mtls/dynamo_registry.hpp"
#include "mtls/expiry_report.hpp"

namespace agm::mtlsctl {

namespace {

struct ReportOptions {
  std::string table;
  AwsFlags aws;
  std::string within = "30d";
  std::string truststore;
  std::string domain;
  bool json = false;
  bool fail_if_due = false;
};

// The truststore source: a local bundle, or the object API Gateway reads.
std::function<std::string()> truststore_source(const ReportOptions& o) {
  if (o.truststore.empty()) {
    return {};
  }
  if (o.truststore.rfind("s3://", 0) != 0) {
    return [path = o.truststore] { return read_file(path); };
  }
  const auto at = aws::parse_s3_uri(o.truststore);
  if (!at) {
    throw UsageError("--truststore: a file or s3://bucket/key");
  }
  auto s3 = std::make_shared<aws::S3>(client_config(o.aws, "S3", "s3"));
  return [s3, at = *at] { return s3->get_object(at.bucket, at.key, deadline_from_now()); };
}

int run_report(const ReportOptions& o) {
  const auto within = parse_duration(o.within);
  if (!within || *within < std::chrono::days(1)) {
    throw UsageError("--within: a number of days like 30d");
  }
  const std::string table = flag_or_env(o.table, "--table", "CERT_TABLE_NAME");
  aws::DynamoDb db(client_config(o.aws, "DYNAMODB", "dynamodb"));
  mtls::DynamoRegistry registry(db, table, std::chrono::milliseconds(30000));
  mtls::ExpirySources sources;
  sources.registry = [&registry] { return registry.list(std::nullopt); };
  sources.truststore = truststore_source(o);
  std::optional<aws::ApiGatewayV2> apigateway;
  if (!o.domain.empty()) {
    apigateway.emplace(client_config(o.aws, "APIGATEWAY", "apigateway"));
    sources.truststore_warnings = [&] {
      return apigateway->truststore_warnings(o.domain, deadline_from_now());
    };
  }
  const auto report = mtls::gather_expiry_report(
      sources, core::SystemClock().now(),
      std::chrono::floor<std::chrono::days>(std::chrono::seconds(*within)));
  if (o.json) {
    print_json(mtls::to_json(report));
  } else {
    std::cout << mtls::to_text(report);
  }
  if (!report.failures.empty()) {
    return 1;
  }
  return o.fail_if_due && report.due() ? 3 : 0;
}

}  // namespace

void add_report_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* report = app.add_subcommand(
      "report", "certificates and CAs expiring soon, and the truststore's warnings");
  report->add_option("--table", o->table, "registry table (default: CERT_TABLE_NAME)");
  add_aws_flags(report, o->aws);
  report->add_option("--within", o->within, "the warning window, in days (default 30d)");
  report->add_option("--truststore", o->truststore,
                     "the truststore bundle: a file or s3://bucket/key");
  report->add_option("--domain", o->domain,
                     "the API's custom domain (its truststore warnings, GetDomainName)");
  report->add_flag("--json", o->json, "print JSON");
  report->add_flag("--fail-if-due", o->fail_if_due, "exit 3 when something needs action");
  report->callback([&ctx, o] { ctx.action = [o] { return run_report(*o); }; });
}

}  // namespace agm::mtlsctl
