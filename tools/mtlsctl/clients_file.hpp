#pragma once
// clients/<env>.json (docs/contract.md section 10): parsed and checked whole before anything is
// read from AWS, so a malformed file changes nothing. Every refusal names the file, the line and
// the field: `clients/sandbox.json:7: clients.billing.certificate.csr: no such file`.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"
#include "pki/pki.hpp"

namespace agm::mtlsctl {

// A malformed clients file: exit 2, nothing changed.
class ClientsFileError : public core::Error {
 public:
  explicit ClientsFileError(const std::string& message) : core::Error("clients_file", message) {}
};

struct DeclaredClient {
  std::string name;
  std::vector<std::string> scopes;  // short names, as in the file
  int access_token_validity_minutes = 60;
  // Exactly one of the two:
  std::optional<pki::KeyType> generate_key_type;  // certificate.generate
  int days = 365;                                 // certificate.generate.days (csr: 365)
  std::string csr_pem;                            // certificate.csr, read and checked
  std::string csr_path;                           // as resolved (relative to the file)
  // "revoked_canary": true: apply also keeps a certificate of this client registered REVOKED, at
  // revoked_canary_name(name), for the smoke test's revocation check.
  bool revoked_canary = false;
};

// Where a client's revoked canary lives in the clients store: "<name>-revoked" (its leaf and key,
// no client.json: the smoke test presents it with the client's own credentials).
inline std::string revoked_canary_name(const std::string& client) {
  return client + "-revoked";
}

// Sorted by name. Throws ClientsFileError.
std::vector<DeclaredClient> read_clients_file(const std::string& path);

}  // namespace agm::mtlsctl
