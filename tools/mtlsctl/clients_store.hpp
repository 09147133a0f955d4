#pragma once
// The clients' material in the clients store (docs/operations.md section 1):
//   <name>/<name>.pem  <name>/<name>-chain.pem  <name>/<name>.key (generate only)
//   <name>/client.json
// client.json holds client_id, client_secret, token_url and scopes (full names): a secret, so it is
// a SecureString (SSM) or a 0600 file (dir:), and never printed.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store.hpp"

namespace agm::mtlsctl {

// 1-64 lowercase letters, digits and inner hyphens (docs/operations.md section 3).
bool is_client_name(std::string_view name);

// --clients-store, else MTLSCTL_CLIENTS_STORE, else beside the CA store (--store / MTLSCTL_STORE).
std::unique_ptr<Store> open_clients_store(const std::string& clients_flag,
                                          const std::string& ca_store_flag,
                                          const StoreOptions& options);

struct ClientMaterial {
  std::optional<std::string> cert_pem;
  std::optional<std::string> chain_pem;
  std::optional<std::string> key_pem;
  std::optional<std::string> client_json;
};
ClientMaterial read_client_material(Store& store, const std::string& name);

inline std::string cert_name(const std::string& client) {
  return client + "/" + client + ".pem";
}
inline std::string chain_name(const std::string& client) {
  return client + "/" + client + "-chain.pem";
}
inline std::string key_name(const std::string& client) {
  return client + "/" + client + ".key";
}
inline std::string client_json_name(const std::string& client) {
  return client + "/client.json";
}

// The names of the clients with a client.json in the store, sorted.
std::vector<std::string> stored_client_names(Store& store);
// The client whose client.json has `client_id`; CliError when none.
std::string find_client_by_id(Store& store, const std::string& client_id);

}  // namespace agm::mtlsctl
