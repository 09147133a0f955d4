#pragma once
// Where mtlsctl keeps the CA and the clients' material: `ssm:/<prefix>/pki` (SSM Parameter Store
// SecureStrings under a KMS key, Advanced tier above 4 KB) or `dir:PATH` (files: private keys and
// secrets mode 0600). Names are relative ("intermediate-ca.key", "orders/orders.pem"); the store
// maps them to a parameter name or a path. docs/operations.md section 1 lists what lives where.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"

namespace agm::mtlsctl {

struct StoreWrite {
  std::string where;  // the parameter name or file path written
  std::string tier;   // "Standard" / "Advanced" for SSM, "" for a directory
};

class Store {
 public:
  virtual ~Store() = default;
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  [[nodiscard]] virtual std::string spec() const = 0;  // as given: "ssm:/p/pki", "dir:ca"
  [[nodiscard]] virtual std::string where(const std::string& name) const = 0;
  [[nodiscard]] virtual bool is_ssm() const = 0;
  virtual std::optional<std::string> get(const std::string& name) = 0;
  // Refuses an existing name unless `overwrite` (CliError naming it).
  virtual StoreWrite put(const std::string& name, const std::string& value, bool overwrite) = 0;
  virtual bool remove(const std::string& name) = 0;  // false when it was not there
  // Every name under `prefix` ("" for all, "orders/" for one client), relative to the store.
  virtual std::vector<std::string> list(const std::string& prefix) = 0;
};

struct StoreOptions {
  AwsFlags aws;
  std::string kms_key_id;  // --kms-key-id, else MTLSCTL_KMS_KEY_ID; required to write to SSM
};

// `ssm:/a/b` or `dir:PATH`; CliError otherwise (exit 1) or ConfigError for missing settings.
std::unique_ptr<Store> open_store(const std::string& spec, const StoreOptions& options);
// True when `spec` has one of the two forms (a usage check before any work).
bool is_store_spec(const std::string& spec);
// --store, else MTLSCTL_STORE; --dir D is `dir:D` (the first version's flag).
std::string ca_store_spec(const std::string& store_flag, const std::string& dir_flag = {});
// --clients-store, else MTLSCTL_CLIENTS_STORE, else beside the CA: ssm:/<prefix>/clients for
// ssm:/<prefix>/pki, dir:PATH/clients for dir:PATH.
std::string clients_store_spec(const std::string& flag, const std::string& ca_spec);
// The KMS key id of --kms-key-id or MTLSCTL_KMS_KEY_ID ("" when neither).
std::string kms_key_id(const std::string& flag);

}  // namespace agm::mtlsctl
