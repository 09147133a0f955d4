#pragma once
// The Cognito user pool emulator, independent of the HTTP server around it: one request in, one
// response out. It serves
//   POST /oauth2/token                      client_credentials grant (Cognito's token endpoint)
//   GET  /{pool}/.well-known/jwks.json      the pool's signing keys
//   POST /  X-Amz-Target: AWSCognitoIdentityProviderService.<Action>  (the IdP JSON API subset
//           that mtlsctl and the local stack use)
//   POST /_local/rotate-signing-key         emulator-only: new active key, previous kept in JWKS
// State (app clients, resource servers) lives in `<state_dir>/state.json`, rewritten atomically on
// every change; signing keys in `<state_dir>/signing-keys.json` (keys.hpp). docs/local-stack.md
// lists the AWS pages each behaviour follows and where this differs.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/json.hpp"
#include "core/time.hpp"
#include "local/cognito/keys.hpp"

namespace agm::local::cognito {

struct Config {
  std::string region = "us-east-1";
  std::string user_pool_id = "us-east-1_LocalPool";
  std::string state_dir;
  // "identifier/scope" entries: resource servers (and scopes) created at start when missing.
  std::vector<std::string> resource_server_scopes;
  // A pre token generation trigger (event version V3_0) is configured: token requests go through
  // check_token_request / pre_token_event / finish_token, and the server invokes the function.
  bool pre_token_trigger = false;
};

struct Request {
  std::string method;
  std::string target;                          // path and query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// The Content-Type of Cognito's JSON answers (token endpoint, JWKS, errors), as Cognito sends it;
// the identity provider API answers application/x-amz-json-1.1 instead.
inline constexpr const char* kJsonContentType = "application/json;charset=UTF-8";

struct Response {
  int status = 200;
  std::string content_type = kJsonContentType;
  std::string body;
};

// A client_credentials request that passed every check, before signing.
struct TokenGrant {
  std::string client_id;
  std::vector<std::string> scopes;
  std::int64_t validity = 3600;
  boost::json::object client_metadata;  // aws_client_metadata (string values)
};

class Emulator {
 public:
  // Loads or creates the state; throws core::Error when the state dir is unusable or corrupt.
  Emulator(Config config, const core::Clock& clock);

  Response handle(const Request& request);

  [[nodiscard]] std::string issuer() const;  // https://cognito-idp.{region}.amazonaws.com/{pool}

  // The token endpoint in steps, for a server that runs the pre token generation trigger:
  // validates the request (an error response, or the grant), builds the V3_0 trigger event, and
  // signs the token with the trigger's answer applied (nullopt `trigger_response`: no trigger).
  // A trigger that failed, or answered something Cognito would refuse, refuses the token.
  [[nodiscard]] bool is_token_request(const Request& request) const;
  std::variant<Response, TokenGrant> check_token_request(const Request& request);
  [[nodiscard]] boost::json::object pre_token_event(const TokenGrant& grant) const;
  Response finish_token(const TokenGrant& grant,
                        const std::optional<std::string>& trigger_response);
  static Response trigger_failed();

 private:
  Response token(const Request& request);
  std::variant<Response, TokenGrant> check_token_impl(const Request& request);
  Response finish_token_impl(const TokenGrant& grant,
                             const std::optional<std::string>& trigger_response);
  Response idp(const Request& request);
  Response rotate_key();

  // IdP actions: each returns the response object or throws ApiError.
  boost::json::object create_client(const boost::json::object& in);
  boost::json::object update_client(const boost::json::object& in);
  boost::json::object describe_client(const boost::json::object& in);
  boost::json::object list_clients(const boost::json::object& in);
  boost::json::object delete_client(const boost::json::object& in);
  boost::json::object create_resource_server(const boost::json::object& in);
  boost::json::object describe_resource_server(const boost::json::object& in);
  boost::json::object list_resource_servers(const boost::json::object& in);
  boost::json::object describe_user_pool(const boost::json::object& in);

  void check_pool(const boost::json::object& in) const;
  // Validates and normalises the OAuth/validity settings of a client (create and update).
  void apply_client_settings(boost::json::object& client, const boost::json::object& in) const;
  [[nodiscard]] bool scope_exists(std::string_view scope) const;
  void load();
  void save() const;

  Config config_;
  const core::Clock& clock_;
  SigningKeys keys_;
  mutable std::recursive_mutex mutex_;  // handle() -> token() -> check_token_request()
  std::int64_t created_at_ = 0;
  std::map<std::string, boost::json::object> clients_;           // by ClientId
  std::map<std::string, boost::json::object> resource_servers_;  // by Identifier
};

}  // namespace agm::local::cognito
