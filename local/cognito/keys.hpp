#pragma once
// The emulator's RS256 signing keys, as a Cognito user pool has them: RSA 2048, published in the
// pool's JWKS (kid, alg RS256, kty RSA, use sig, n, e). Generated on first start and kept in
// `<state-dir>/signing-keys.json` (mode 0600) so tokens stay verifiable across restarts. Rotation
// makes a new active key and keeps the previous one in the JWKS (at most two live keys), so tokens
// signed before the rotation still verify until they expire.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"

namespace agm::local::cognito {

class SigningKeys {
 public:
  // Loads `<state_dir>/signing-keys.json`, or generates a key and writes it when absent. Throws
  // core::Error on an unreadable/corrupt key file (never silently replaces keys).
  explicit SigningKeys(std::string state_dir);
  ~SigningKeys();
  SigningKeys(const SigningKeys&) = delete;
  SigningKeys& operator=(const SigningKeys&) = delete;

  // `{"keys":[{kid, alg, kty, use, n, e}, ...]}`, the active key first.
  [[nodiscard]] boost::json::object jwks() const;
  [[nodiscard]] std::string active_kid() const;
  // A compact JWS: base64url(header {"kid","alg":"RS256"}) . base64url(claims) . signature.
  [[nodiscard]] std::string sign_jwt(const boost::json::object& claims) const;
  // New active key; the previous active key stays published; older ones are dropped. Returns the
  // new kid.
  std::string rotate();

 private:
  struct Key;
  void save() const;
  std::string path_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Key>> keys_;  // [0] is active
};

}  // namespace agm::local::cognito
