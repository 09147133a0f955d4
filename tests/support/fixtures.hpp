#pragma once
// Test fixtures for the functions: RSA signing keys and Cognito-shaped access tokens made in the
// test with OpenSSL, a JWKS for them, client certificates from mtls::pki, payload 2.0 events and
// a fake registry. Nothing here is committed key material: every key is generated at run time.
#include <openssl/evp.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/time.hpp"
#include "mtls/certificate.hpp"
#include "mtls/registry.hpp"
#include "pki/pki.hpp"

namespace agm::test {

namespace json = boost::json;

class RsaKey {
 public:
  explicit RsaKey(int bits = 2048);
  [[nodiscard]] EVP_PKEY* get() const { return key_.get(); }
  // {"kty":"RSA","kid":kid,"use":"sig","alg":"RS256","n":...,"e":...}
  [[nodiscard]] json::object jwk(const std::string& kid) const;
  // RS256 JWS compact serialization of header (alg/typ added when absent) and payload.
  [[nodiscard]] std::string sign_jwt(json::object header, const json::object& payload) const;
  // Raw RS256 signature of `data` (SHA-256, PKCS#1 v1.5).
  [[nodiscard]] std::string sign(std::string_view data) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

// {"keys":[jwk...]} as text.
std::string jwks_json(const std::vector<json::object>& keys);

inline constexpr const char* kRegion = "eu-west-1";
inline constexpr const char* kPool = "eu-west-1_TestPool";

// Claims as Cognito puts them in a client_credentials access token.
json::object access_claims(const std::string& client_id, const std::string& scope,
                           core::TimePoint now,
                           std::chrono::seconds lifetime = std::chrono::hours(1));

// A CA and client certificates issued from it (RSA-2048 keys would be slow: EC P-256).
struct TestPki {
  TestPki();
  pki::KeyAndCert root;
  // Valid from `now - 5 min` for `days` days (negative days: already expired).
  [[nodiscard]] pki::KeyAndCert client(const std::string& client_id, int days = 30) const;
  [[nodiscard]] pki::KeyAndCert client_valid(const std::string& client_id,
                                             core::TimePoint not_before,
                                             core::TimePoint not_after) const;
};

// The registry record for a certificate: ACTIVE, the certificate's validity, `scopes`.
mtls::RegistryRecord record_for(const std::string& cert_pem, const std::string& client_id,
                                std::optional<std::vector<std::string>> scopes = std::nullopt);

// A payload 2.0 REQUEST event as API Gateway sends it to an authorizer or a function.
struct EventSpec {
  std::string route_key = "GET /health";
  std::optional<std::string> cert_pem;
  std::map<std::string, std::string> headers;
  std::optional<std::string> body;
  bool body_base64 = false;
  std::optional<json::object> authorizer_lambda;  // requestContext.authorizer.lambda
};
json::object make_event(const EventSpec& spec);

// A registry held in memory; can be told to fail like an unreachable DynamoDB.
class FakeRegistry final : public mtls::RegistryReader {
 public:
  std::optional<mtls::RegistryRecord> find(const std::string& thumbprint) override;
  void put(const mtls::RegistryRecord& record) { records[record.thumbprint] = record; }
  std::map<std::string, mtls::RegistryRecord> records;
  bool unavailable = false;
  std::atomic<int> calls{0};
};

}  // namespace agm::test
