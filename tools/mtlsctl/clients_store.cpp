#include "clients_store.hpp"

#include <algorithm>

#include "core/json.hpp"

namespace agm::mtlsctl {

bool is_client_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '-' || name.back() == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::unique_ptr<Store> open_clients_store(const std::string& clients_flag,
                                          const std::string& ca_store_flag,
                                          const StoreOptions& options) {
  const std::string ca = ca_store_flag.empty() ? env_value("MTLSCTL_STORE") : ca_store_flag;
  return open_store(clients_store_spec(clients_flag, ca), options);
}

ClientMaterial read_client_material(Store& store, const std::string& name) {
  return {store.get(cert_name(name)), store.get(chain_name(name)), store.get(key_name(name)),
          store.get(client_json_name(name))};
}

std::vector<std::string> stored_client_names(Store& store) {
  std::vector<std::string> names;
  for (const auto& n : store.list("")) {
    const auto slash = n.find('/');
    if (slash != std::string::npos && n.substr(slash + 1) == "client.json") {
      names.push_back(n.substr(0, slash));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string find_client_by_id(Store& store, const std::string& client_id) {
  for (const auto& name : stored_client_names(store)) {
    const auto text = store.get(client_json_name(name));
    const auto doc = text ? core::parse_json(*text) : std::nullopt;
    const auto id = doc ? core::get_string(*doc, "client_id") : std::nullopt;
    if (id && *id == client_id) {
      return name;
    }
  }
  throw CliError("no client with client id " + client_id + " in " + store.spec());
}

}  // namespace agm::mtlsctl
