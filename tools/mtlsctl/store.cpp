#include "store.hpp"

#include <cstdlib>
#include <filesystem>

#include "aws/ssm.hpp"
#include "core/file.hpp"

namespace agm::mtlsctl {
namespace {

bool is_secret_name(const std::string& name) {
  return name.ends_with(".key") || name.ends_with("client.json");
}

class SsmStore final : public Store {
 public:
  SsmStore(std::string spec, std::string prefix, const StoreOptions& options)
      : spec_(std::move(spec)),
        prefix_(std::move(prefix)),
        kms_key_id_(options.kms_key_id),
        ssm_(client_config(options.aws, "SSM", "ssm")) {}

  [[nodiscard]] std::string spec() const override { return spec_; }
  [[nodiscard]] std::string where(const std::string& name) const override {
    return prefix_ + "/" + name;
  }
  [[nodiscard]] bool is_ssm() const override { return true; }

  std::optional<std::string> get(const std::string& name) override {
    return ssm_.get_parameter(where(name), true, deadline_from_now());
  }

  StoreWrite put(const std::string& name, const std::string& value, bool overwrite) override {
    if (kms_key_id_.empty()) {
      throw UsageError("--kms-key-id (or MTLSCTL_KMS_KEY_ID) is required to write " + spec_);
    }
    try {
      const auto r =
          ssm_.put_secure_string(where(name), value, kms_key_id_, overwrite, deadline_from_now());
      return {where(name), r.tier};
    } catch (const aws::AwsError& e) {
      if (e.code() == "ParameterAlreadyExists") {
        throw CliError(where(name) + " exists (use --force to overwrite)");
      }
      throw;
    }
  }

  bool remove(const std::string& name) override {
    return ssm_.delete_parameter(where(name), deadline_from_now());
  }

  std::vector<std::string> list(const std::string& prefix) override {
    std::string path = prefix_ + "/" + prefix;
    while (path.size() > 1 && path.back() == '/') {
      path.pop_back();
    }
    std::vector<std::string> out;
    for (const auto& full : ssm_.names_by_path(path, deadline_from_now())) {
      if (full.starts_with(prefix_ + "/")) {
        out.push_back(full.substr(prefix_.size() + 1));
      }
    }
    return out;
  }

 private:
  std::string spec_;
  std::string prefix_;
  std::string kms_key_id_;
  aws::Ssm ssm_;
};

class DirStore final : public Store {
 public:
  DirStore(std::string spec, std::string dir) : spec_(std::move(spec)), dir_(std::move(dir)) {}

  [[nodiscard]] std::string spec() const override { return spec_; }
  [[nodiscard]] std::string where(const std::string& name) const override {
    return dir_ + "/" + name;
  }
  [[nodiscard]] bool is_ssm() const override { return false; }

  std::optional<std::string> get(const std::string& name) override {
    if (!file_exists(where(name))) {
      return std::nullopt;
    }
    return read_file(where(name));
  }

  StoreWrite put(const std::string& name, const std::string& value, bool overwrite) override {
    const std::string path = where(name);
    ensure_directory(std::filesystem::path(path).parent_path().string());
    write_file(path, value, is_secret_name(name) ? 0600 : 0644, overwrite);
    return {path, ""};
  }

  bool remove(const std::string& name) override {
    std::error_code ec;
    return std::filesystem::remove(where(name), ec);
  }

  std::vector<std::string> list(const std::string& prefix) override {
    namespace fs = std::filesystem;
    std::vector<std::string> out;
    std::error_code ec;
    const fs::path root(dir_);
    if (!fs::is_directory(root / prefix, ec)) {
      return out;
    }
    for (const auto& e : fs::recursive_directory_iterator(root / prefix, ec)) {
      if (e.is_regular_file() && e.path().filename().string().front() != '.') {
        out.push_back(fs::relative(e.path(), root).string());
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::string spec_;
  std::string dir_;
};

// An SSM hierarchy: "/" then segments of [A-Za-z0-9_.-], no empty segment, no trailing '/'.
bool is_ssm_path(std::string_view path) {
  if (path.size() < 2 || path.size() > 900 || path.front() != '/' || path.back() == '/') {
    return false;
  }
  char previous = '\0';
  for (const char c : path) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-';
    if (!word && (c != '/' || previous == '/')) {
      return false;
    }
    previous = c;
  }
  return true;
}

}  // namespace

bool is_store_spec(const std::string& spec) {
  if (spec.starts_with("ssm:")) {
    return is_ssm_path(std::string_view(spec).substr(4));
  }
  return spec.starts_with("dir:") && spec.size() > 4;
}

std::unique_ptr<Store> open_store(const std::string& spec, const StoreOptions& options) {
  if (!is_store_spec(spec)) {
    throw CliError("store " + spec + " is neither ssm:/<path> nor dir:PATH");
  }
  if (spec.starts_with("ssm:")) {
    StoreOptions o = options;
    o.kms_key_id = kms_key_id(options.kms_key_id);
    return std::make_unique<SsmStore>(spec, spec.substr(4), o);
  }
  return std::make_unique<DirStore>(spec, spec.substr(4));
}

std::string ca_store_spec(const std::string& store_flag, const std::string& dir_flag) {
  if (!store_flag.empty()) {
    return store_flag;
  }
  if (!dir_flag.empty()) {
    return "dir:" + dir_flag;
  }
  if (auto env = env_value("MTLSCTL_STORE"); !env.empty()) {
    return env;
  }
  throw UsageError("no store: give --store ssm:/<prefix>/pki or dir:PATH (or set MTLSCTL_STORE)");
}

std::string clients_store_spec(const std::string& flag, const std::string& ca_spec) {
  if (!flag.empty()) {
    return flag;
  }
  if (auto env = env_value("MTLSCTL_CLIENTS_STORE"); !env.empty()) {
    return env;
  }
  if (ca_spec.starts_with("ssm:") && ca_spec.ends_with("/pki")) {
    return ca_spec.substr(0, ca_spec.size() - 4) + "/clients";
  }
  if (ca_spec.starts_with("dir:")) {
    return ca_spec + "/clients";
  }
  throw core::ConfigError("MTLSCTL_CLIENTS_STORE",
                          "no clients store (use --clients-store or MTLSCTL_CLIENTS_STORE)");
}

std::string kms_key_id(const std::string& flag) {
  return flag.empty() ? env_value("MTLSCTL_KMS_KEY_ID") : flag;
}

}  // namespace agm::mtlsctl
