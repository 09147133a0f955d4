#include "support/fixtures.hpp"

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include <stdexcept>

#include "core/encoding.hpp"

namespace agm::test {

namespace {

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1)
    throw std::runtime_error("EVP_PKEY_get_bn_param failed");
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

}  // namespace

RsaKey::RsaKey(int bits) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  if (k == nullptr)
    throw std::runtime_error("RSA keygen failed");
  key_.reset(k, EVP_PKEY_free);
}

json::object RsaKey::jwk(const std::string& kid) const {
  return json::object{{"kty", "RSA"},
                      {"kid", kid},
                      {"use", "sig"},
                      {"alg", "RS256"},
                      {"n", core::base64url_encode(bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_N))},
                      {"e", core::base64url_encode(bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_E))}};
}

std::string RsaKey::sign(std::string_view data) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  std::string sig;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) == 1) {
    sig.resize(len);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
      sig.clear();
    sig.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (sig.empty())
    throw std::runtime_error("RS256 signing failed");
  return sig;
}

std::string RsaKey::sign_jwt(json::object header, const json::object& payload) const {
  if (!header.contains("alg"))
    header["alg"] = "RS256";
  const std::string input = core::base64url_encode(json::serialize(header)) + "." +
                            core::base64url_encode(json::serialize(payload));
  return input + "." + core::base64url_encode(sign(input));
}

std::string jwks_json(const std::vector<json::object>& keys) {
  json::array arr;
  for (const auto& k : keys)
    arr.push_back(k);
  return json::serialize(json::object{{"keys", arr}});
}

json::object access_claims(const std::string& client_id, const std::string& scope,
                           core::TimePoint now, std::chrono::seconds lifetime) {
  const auto t = core::to_epoch_seconds(now);
  return json::object{
      {"sub", client_id},
      {"token_use", "access"},
      {"scope", scope},
      {"auth_time", t},
      {"iss", std::string("https://cognito-idp.") + kRegion + ".amazonaws.com/" + kPool},
      {"exp", t + lifetime.count()},
      {"iat", t},
      {"version", 2},
      {"jti", core::hex_encode(core::base64url_encode(std::to_string(t)))},
      {"client_id", client_id}};
}

TestPki::TestPki()
    : root(pki::create_root_ca("functions test CA", pki::KeyType::kEcP256,
                               pki::days_from(agm::core::SystemClock().now(), 365))) {}

pki::KeyAndCert TestPki::client(const std::string& client_id, int days) const {
  const auto now = agm::core::SystemClock().now();
  if (days >= 0) {
    return pki::issue_client_certificate(root, client_id, pki::KeyType::kEcP256,
                                         pki::days_from(now, days));
  }
  return client_valid(client_id, now - std::chrono::hours(24 * (1 - days)),
                      now + std::chrono::hours(24 * days));
}

pki::KeyAndCert TestPki::client_valid(const std::string& client_id, core::TimePoint not_before,
                                      core::TimePoint not_after) const {
  return pki::issue_certificate(&root, client_id, pki::KeyType::kEcP256,
                                pki::Validity{not_before, not_after}, pki::IssueOptions{},
                                {"clientAuth"});
}

mtls::RegistryRecord record_for(const std::string& cert_pem, const std::string& client_id,
                                std::optional<std::vector<std::string>> scopes) {
  const auto cert = mtls::ClientCertificate::from_pem(cert_pem);
  return mtls::RegistryRecord::from_certificate(cert, client_id, std::move(scopes),
                                                cert.not_before);
}

json::object make_event(const EventSpec& spec) {
  json::object headers;
  for (const auto& [k, v] : spec.headers)
    headers[k] = v;
  json::object request_context{
      {"accountId", "123456789012"},
      {"apiId", "api"},
      {"domainName", "api.example.com"},
      {"requestId", "req-1"},
      {"routeKey", spec.route_key},
      {"stage", "$default"},
      {"http", json::object{{"method", spec.route_key.substr(0, spec.route_key.find(' '))},
                            {"path", spec.route_key.substr(spec.route_key.find(' ') + 1)},
                            {"protocol", "HTTP/1.1"},
                            {"sourceIp", "127.0.0.1"},
                            {"userAgent", "test"}}}};
  if (spec.cert_pem) {
    request_context["authentication"] =
        json::object{{"clientCert", json::object{{"clientCertPem", *spec.cert_pem},
                                                 {"subjectDN", "CN=ignored"},
                                                 {"issuerDN", "CN=ignored"},
                                                 {"serialNumber", "00"}}}};
  }
  if (spec.authorizer_lambda)
    request_context["authorizer"] = json::object{{"lambda", *spec.authorizer_lambda}};
  json::object event{{"version", "2.0"},
                     {"type", "REQUEST"},
                     {"routeKey", spec.route_key},
                     {"rawPath", spec.route_key.substr(spec.route_key.find(' ') + 1)},
                     {"rawQueryString", ""},
                     {"headers", headers},
                     {"requestContext", request_context}};
  if (spec.body) {
    event["body"] = spec.body_base64 ? core::base64_encode(*spec.body) : *spec.body;
    event["isBase64Encoded"] = spec.body_base64;
  }
  return event;
}

std::optional<mtls::RegistryRecord> FakeRegistry::find(const std::string& thumbprint) {
  ++calls;
  if (unavailable)
    throw mtls::RegistryError(mtls::RegistryErrc::kUnavailable, "DynamoDB unreachable (fake)");
  const auto it = records.find(thumbprint);
  if (it == records.end())
    return std::nullopt;
  return it->second;
}

}  // namespace agm::test
