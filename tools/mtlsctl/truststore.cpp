// mtlsctl truststore build | publish | store: the PEM bundle API Gateway checks client
// certificates against, refusing what API Gateway would warn about.
#include <iostream>
#include <set>

#include "aws/s3.hpp"
#include "aws/ssm.hpp"
#include "common.hpp"
#include "core/crypto.hpp"
#include "core/time.hpp"
#include "pki/pki.hpp"

namespace agm::mtlsctl {
namespace {

struct BuildOptions {
  std::string out;
  std::vector<std::string> certs;
  bool force = false;
  bool json = false;
};

struct PublishOptions {
  AwsFlags aws;
  std::string file;
  std::string bucket;
  std::string key = "truststore.pem";
  bool json = false;
};

struct StoreOptions {
  AwsFlags aws;
  std::string file;
  std::string parameter;
  std::string kms_key_id;
  bool json = false;
};

struct Bundle {
  std::string pem;
  std::size_t count = 0;
};

// Reads every file, splits it into certificates, checks each; on any problem prints one line per
// problem and throws. Duplicates (same PEM block) are kept once.
Bundle checked_bundle(const std::vector<std::string>& files) {
  Bundle bundle;
  std::vector<std::string> problems;
  std::set<std::string> seen;
  const core::TimePoint now = core::SystemClock().now();
  for (const auto& file : files) {
    std::vector<std::string> blocks;
    try {
      blocks = pki::split_pem_bundle(read_file(file));
    } catch (const core::Error& e) {
      problems.push_back(file + ": " + e.what());
      continue;
    }
    if (blocks.empty()) {
      problems.push_back(file + ": no CERTIFICATE block");
      continue;
    }
    for (const auto& block : blocks) {
      for (const auto& p : pki::check_truststore_certificate(block, now)) {
        problems.push_back(file + ": " + p.subject + ": " + p.problem);
      }
      if (seen.insert(core::sha256(block)).second) {
        bundle.pem += block;
        ++bundle.count;
      }
    }
  }
  if (!problems.empty()) {
    // Every problem but the last on its own line here; the last becomes the error main prints, so
    // each refused certificate is one `mtlsctl: ...` line.
    for (std::size_t i = 0; i + 1 < problems.size(); ++i) {
      std::cerr << "mtlsctl: " << problems[i] << '\n';
    }
    throw CliError(problems.back());
  }
  return bundle;
}

int run_build(const BuildOptions& o) {
  const Bundle bundle = checked_bundle(o.certs);
  refuse_existing({o.out}, o.force);
  write_file(o.out, bundle.pem, 0644, o.force);
  if (o.json) {
    print_json({{"file", o.out}, {"certificates", bundle.count}});
  } else {
    std::cout << "wrote " << o.out << " (" << bundle.count << " certificates)\n";
  }
  return 0;
}

int run_publish(const PublishOptions& o) {
  // The same checks as `build`: never publish a bundle API Gateway would warn about.
  const Bundle bundle = checked_bundle({o.file});
  aws::S3 s3(client_config(o.aws, "S3", "s3"));
  const std::string version =
      s3.put_object(o.bucket, o.key, bundle.pem, "application/x-pem-file", deadline_from_now());
  if (o.json) {
    print_json({{"bucket", o.bucket}, {"key", o.key}, {"version_id", version}});
  } else if (version.empty()) {
    std::cout << "uploaded s3://" << o.bucket << "/" << o.key
              << " (no version id: enable versioning on the bucket)\n";
  } else {
    std::cout << version << "\n";
  }
  return 0;
}

int run_store(const StoreOptions& o) {
  const Bundle bundle = checked_bundle({o.file});
  aws::Ssm ssm(client_config(o.aws, "SSM", "ssm"));
  std::optional<std::string> kms;
  if (!o.kms_key_id.empty()) {
    kms = o.kms_key_id;
  }
  // A bundle during a CA rotation (old and new root and intermediate, RSA) outgrows the Standard
  // tier's 4,096 characters: aws::tier_for picks the Advanced tier then, and says so here.
  const auto stored =
      ssm.put_secure_string(o.parameter, bundle.pem, kms, /*overwrite=*/true, deadline_from_now());
  if (o.json) {
    print_json({{"parameter", o.parameter},
                {"version", stored.version},
                {"tier", stored.tier},
                {"characters", bundle.pem.size()}});
  } else {
    std::cout << "stored " << o.parameter << " (version " << stored.version << ", " << stored.tier
              << " tier";
    if (bundle.pem.size() > aws::kStandardTierMaxChars) {
      std::cout << ": the bundle is " << bundle.pem.size() << " characters, more than the "
                << aws::kStandardTierMaxChars << " of the Standard tier";
    }
    std::cout << ")\n";
  }
  return 0;
}

}  // namespace

void add_truststore_commands(CLI::App& app, Context& ctx) {
  CLI::App* ts = app.add_subcommand("truststore", "the CA bundle API Gateway trusts");
  ts->require_subcommand(1);

  auto bo = std::make_shared<BuildOptions>();
  CLI::App* build = ts->add_subcommand(
      "build", "a PEM bundle of CA certificates, refusing non-CA, expired, SHA-1/MD5, RSA < 2048");
  build->add_option("--out", bo->out, "bundle to write")->required();
  build->add_option("certs", bo->certs, "CA certificate files (PEM, may hold several)")->required();
  build->add_flag("--force", bo->force, "overwrite --out");
  build->add_flag("--json", bo->json, "print JSON");
  build->callback([&ctx, bo] { ctx.action = [bo] { return run_build(*bo); }; });

  auto po = std::make_shared<PublishOptions>();
  CLI::App* publish =
      ts->add_subcommand("publish", "upload the bundle to S3 and print the object version");
  publish->add_option("--file", po->file, "the bundle")->required();
  publish->add_option("--bucket", po->bucket, "S3 bucket (versioned)")->required();
  publish->add_option("--key", po->key, "object key")->capture_default_str();
  add_aws_flags(publish, po->aws);
  publish->add_flag("--json", po->json, "print JSON");
  publish->callback([&ctx, po] { ctx.action = [po] { return run_publish(*po); }; });

  auto so = std::make_shared<StoreOptions>();
  CLI::App* store = ts->add_subcommand(
      "store",
      "write the bundle to SSM Parameter Store as a SecureString (overwrites; Advanced tier when "
      "the bundle is longer than 4096 characters)");
  store->add_option("--file", so->file, "the bundle")->required();
  store->add_option("--parameter", so->parameter, "parameter name")->required();
  store->add_option("--kms-key-id", so->kms_key_id, "KMS key (default: aws/ssm)");
  add_aws_flags(store, so->aws);
  store->add_flag("--json", so->json, "print JSON");
  store->callback([&ctx, so] { ctx.action = [so] { return run_store(*so); }; });
}

}  // namespace agm::mtlsctl
