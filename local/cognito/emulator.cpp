#include "local/cognito/emulator.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <utility>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "core/file.hpp"
#include "oauth/protocol.hpp"

namespace agm::local::cognito {

namespace json = boost::json;

namespace {

// An IdP API error: `{"__type": type, "message": message}` with HTTP 400, as the AWS JSON 1.1
// protocol returns service errors.
struct ApiError {
  std::string type;
  std::string message;
  int status = 400;
};

Response json_response(int status, const json::value& body) {
  return Response{status, kJsonContentType, json::serialize(body)};
}

Response api_error(const ApiError& e) {
  return Response{e.status, "application/x-amz-json-1.1",
                  json::serialize(json::object{{"__type", e.type}, {"message", e.message}})};
}

// The token endpoint's error shape (RFC 6749 section 5.2): Cognito answers 400 with only `error`.
Response oauth_error(std::string_view error) {
  return json_response(400, json::object{{"error", error}});
}

ApiError invalid_parameter(std::string message) {
  return ApiError{"InvalidParameterException", std::move(message)};
}

// Lower-case letters and digits, uniformly (rejection sampling avoids modulo bias).
std::string random_alnum(std::size_t length) {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < length) {
    for (const char c : core::random_bytes(length)) {
      const auto b = static_cast<unsigned char>(c);
      if (b >= 252)  // 252 = 7 * 36
        continue;
      out.push_back(kAlphabet[b % kAlphabet.size()]);
      if (out.size() == length)
        break;
    }
  }
  return out;
}

std::string uuid_v4() {
  std::string b = core::random_bytes(16);
  b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0FU) | 0x40U);
  b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3FU) | 0x80U);
  const std::string h = core::hex_encode(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

// Required string member; InvalidParameterException when absent or not a string.
std::string require_string(const json::object& in, std::string_view key) {
  const auto it = in.find(key);
  if (it == in.end() || !it->value().is_string())
    throw invalid_parameter("1 validation error detected: Value null at '" +
                            std::string(1, static_cast<char>(std::tolower(key[0]))) +
                            std::string(key.substr(1)) +
                            "' failed to satisfy constraint: " + "Member must not be null");
  return std::string(it->value().as_string());
}

// Lookups on a json::object (core's helpers take json::value; passing an object there would build
// a temporary value and hand back pointers into it).
std::optional<std::string> obj_string(const json::object& in, std::string_view key) {
  const auto* v = in.if_contains(key);
  if (v == nullptr || !v->is_string())
    return std::nullopt;
  return std::string(v->as_string());
}

std::optional<std::vector<std::string>> string_list(const json::object& in, std::string_view key) {
  const auto it = in.find(key);
  if (it == in.end() || it->value().is_null())
    return std::nullopt;
  if (!it->value().is_array())
    throw ApiError{"SerializationException", std::string(key) + " must be a list of strings"};
  std::vector<std::string> out;
  for (const auto& v : it->value().as_array()) {
    if (!v.is_string())
      throw ApiError{"SerializationException", std::string(key) + " must be a list of strings"};
    out.emplace_back(v.as_string());
  }
  return out;
}

std::optional<std::int64_t> int_member(const json::object& in, std::string_view key) {
  const auto it = in.find(key);
  if (it == in.end() || it->value().is_null())
    return std::nullopt;
  const json::value wrapper = json::object{{"v", it->value()}};
  auto v = core::get_int(wrapper, "v");
  if (!v)
    throw ApiError{"SerializationException", std::string(key) + " must be an integer"};
  return v;
}

std::optional<bool> bool_member(const json::object& in, std::string_view key) {
  const auto it = in.find(key);
  if (it == in.end() || it->value().is_null())
    return std::nullopt;
  if (!it->value().is_bool())
    throw ApiError{"SerializationException", std::string(key) + " must be a boolean"};
  return it->value().as_bool();
}

json::array to_array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items)
    out.emplace_back(s);
  return out;
}

std::int64_t unit_seconds(std::string_view unit) {
  if (unit == "seconds")
    return 1;
  if (unit == "minutes")
    return 60;
  if (unit == "hours")
    return 3600;
  if (unit == "days")
    return 86400;
  return 0;
}

bool is_standard_scope(std::string_view scope) {
  static constexpr std::array<std::string_view, 5> kStandard = {
      "openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"};
  return std::find(kStandard.begin(), kStandard.end(), scope) != kStandard.end();
}

// Page of a sorted map after `next_token` (the last key of the previous page).
template <typename Map, typename Fn>
json::object page(const Map& map, const json::object& in, std::int64_t max_default,
                  std::int64_t max_limit, const char* list_name, Fn&& item) {
  const auto max = int_member(in, "MaxResults").value_or(max_default);
  if (max < 1 || max > max_limit)
    throw invalid_parameter("1 validation error detected: Value '" + std::to_string(max) +
                            "' at 'maxResults' failed to satisfy constraint: Member must have " +
                            "value less than or equal to " + std::to_string(max_limit));
  auto it = map.begin();
  if (const auto tok = in.find("NextToken"); tok != in.end() && tok->value().is_string()) {
    const std::string key = core::base64_decode(tok->value().as_string()).value_or("");
    it = map.upper_bound(key);
  }
  json::array items;
  for (; it != map.end() && static_cast<std::int64_t>(items.size()) < max; ++it)
    items.push_back(item(it->second));
  json::object out{{list_name, std::move(items)}};
  if (it != map.end()) {
    auto last = std::prev(it);
    out["NextToken"] = core::base64_encode(last->first);
  }
  return out;
}

// The patterns of the API reference, by hand (std::regex trips GCC 12's -Wmaybe-uninitialized
// under the sanitizer build). ClientName: [\w\s+=,.@-]{1,128}.
bool valid_client_name(std::string_view name) {
  if (name.empty() || name.size() > 128)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || std::isspace(u) != 0 ||
           std::string_view("_+=,.@-").find(c) != std::string_view::npos;
  });
}

// Identifier: [\x21\x23-\x5B\x5D-\x7E]{1,256}; ScopeName additionally excludes '/' (\x2F).
bool valid_identifier(std::string_view text, bool is_scope_name) {
  if (text.empty() || text.size() > 256)
    return false;
  return std::all_of(text.begin(), text.end(), [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x21 && u <= 0x7E && c != '"' && c != '\\' && !(is_scope_name && c == '/');
  });
}

bool all_of_chars(std::string_view s, std::string_view allowed_extra, bool lower_alnum) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    const bool alnum =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (!lower_alnum && c >= 'A' && c <= 'Z');
    return alnum || allowed_extra.find(c) != std::string_view::npos;
  });
}

// `AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/region/service/aws4_request, SignedHeaders=a;b,
// Signature=<64 hex>`: the shape an SDK sends. Returns {region, service}; nullopt otherwise.
std::optional<std::pair<std::string, std::string>> parse_sigv4_scope(std::string_view header) {
  static constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256 ";
  if (header.substr(0, kAlgorithm.size()) != kAlgorithm)
    return std::nullopt;
  std::vector<std::string_view> parts;
  std::string_view rest = header.substr(kAlgorithm.size());
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    parts.push_back(core::trim(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  if (parts.size() != 3 || parts[0].substr(0, 11) != "Credential=" ||
      parts[1].substr(0, 14) != "SignedHeaders=" || parts[2].substr(0, 10) != "Signature=")
    return std::nullopt;
  std::vector<std::string_view> cred;
  std::string_view c = parts[0].substr(11);
  for (std::size_t slash = c.find('/');; slash = c.find('/')) {
    cred.push_back(c.substr(0, slash));
    if (slash == std::string_view::npos)
      break;
    c = c.substr(slash + 1);
  }
  const std::string_view signature = parts[2].substr(10);
  if (cred.size() != 5 || cred[0].empty() || cred[0].find(' ') != std::string_view::npos ||
      cred[1].size() != 8 || !all_of_chars(cred[1], "", true) ||
      cred[1].find_first_not_of("0123456789") != std::string_view::npos ||
      !all_of_chars(cred[2], "-", true) || !all_of_chars(cred[3], "-", true) ||
      cred[4] != "aws4_request" || !all_of_chars(parts[1].substr(14), ";-", true) ||
      signature.size() != 64 ||
      signature.find_first_not_of("0123456789abcdef") != std::string_view::npos)
    return std::nullopt;
  return std::make_pair(std::string(cred[2]), std::string(cred[3]));
}

// Creates the state directory (0700: it holds keys and secrets) when missing.
std::string ensure_dir(const std::string& dir) {
  if (dir.empty())
    throw core::Error("config_error", "--state-dir is required");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw core::Error("state_error", "cannot create " + dir + ": " + std::strerror(errno));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw core::Error("state_error", dir + " is not a directory");
  return dir;
}

}  // namespace

Emulator::Emulator(Config config, const core::Clock& clock)
    : config_(std::move(config)), clock_(clock), keys_(ensure_dir(config_.state_dir)) {
  load();
  bool changed = false;
  for (const auto& full : config_.resource_server_scopes) {
    const auto slash = full.rfind('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == full.size())
      throw core::Error("config_error",
                        "--resource-server-scopes wants identifier/scope, got '" + full + "'");
    const std::string identifier = full.substr(0, slash);
    const std::string name = full.substr(slash + 1);
    auto& server = resource_servers_[identifier];
    if (server.empty())
      server = json::object{{"UserPoolId", config_.user_pool_id},
                            {"Identifier", identifier},
                            {"Name", identifier},
                            {"Scopes", json::array{}}};
    auto& scopes = server["Scopes"].as_array();
    const bool present = std::any_of(scopes.begin(), scopes.end(), [&](const json::value& s) {
      return core::get_string(s, "ScopeName") == name;
    });
    if (!present) {
      scopes.push_back(json::object{{"ScopeName", name}, {"ScopeDescription", name}});
      changed = true;
    }
  }
  if (changed || created_at_ == 0) {
    if (created_at_ == 0)
      created_at_ = core::to_epoch_seconds(clock_.now());
    save();
  }
}

std::string Emulator::issuer() const {
  return "https://cognito-idp." + config_.region + ".amazonaws.com/" + config_.user_pool_id;
}

void Emulator::load() {
  const std::string path = config_.state_dir + "/state.json";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return;
  const auto doc = core::parse_json(core::read_file(path));
  if (!doc || !doc->is_object())
    throw core::Error("state_error", path + ": not a JSON object");
  created_at_ = core::get_int(*doc, "created_at").value_or(0);
  if (const auto* c = core::find(*doc, "clients"); c != nullptr && c->is_object())
    for (const auto& kv : c->as_object())
      if (kv.value().is_object())
        clients_[std::string(kv.key())] = kv.value().as_object();
  if (const auto* r = core::find(*doc, "resource_servers"); r != nullptr && r->is_object())
    for (const auto& kv : r->as_object())
      if (kv.value().is_object())
        resource_servers_[std::string(kv.key())] = kv.value().as_object();
}

void Emulator::save() const {
  json::object clients;
  for (const auto& [id, c] : clients_)
    clients[id] = c;
  json::object servers;
  for (const auto& [id, s] : resource_servers_)
    servers[id] = s;
  // Mode 0600: the state holds client secrets.
  core::write_file_atomic(config_.state_dir + "/state.json",
                          json::serialize(json::object{{"user_pool_id", config_.user_pool_id},
                                                       {"created_at", created_at_},
                                                       {"clients", std::move(clients)},
                                                       {"resource_servers", std::move(servers)}}),
                          0600);
}

Response Emulator::handle(const Request& request) {
  const std::lock_guard lock(mutex_);
  std::string path = request.target.substr(0, request.target.find('?'));
  try {
    if (path == "/oauth2/token") {
      if (request.method != "POST")
        return json_response(405, json::object{{"error", "invalid_request"}});
      return token(request);
    }
    if (path == "/" + config_.user_pool_id + "/.well-known/jwks.json" && request.method == "GET")
      return json_response(200, keys_.jwks());
    if (path == "/" + config_.user_pool_id + "/.well-known/openid-configuration" &&
        request.method == "GET")
      return json_response(200, json::object{{"issuer", issuer()},
                                             {"jwks_uri", issuer() + "/.well-known/jwks.json"},
                                             {"token_endpoint", "/oauth2/token"}});
    if (path == "/_local/rotate-signing-key" && request.method == "POST")
      return rotate_key();
    if (path == "/" && request.method == "POST")
      return idp(request);
    return json_response(404, json::object{{"message", "Not Found"}});
  } catch (const ApiError& e) {
    return api_error(e);
  } catch (const std::exception& e) {
    // State write failures and the like: an AWS-shaped 500, never a crash.
    return api_error(ApiError{"InternalErrorException", e.what(), 500});
  }
}

Response Emulator::rotate_key() {
  const std::string kid = keys_.rotate();
  json::array kids;
  const json::object jwks = keys_.jwks();
  for (const auto& k : jwks.at("keys").as_array())
    kids.emplace_back(core::get_string(k, "kid").value_or(""));
  return json_response(200, json::object{{"active_kid", kid}, {"kids", std::move(kids)}});
}

// POST /oauth2/token, client_credentials only, per
// https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
Response Emulator::token(const Request& request) {
  auto checked = check_token_request(request);
  if (auto* error = std::get_if<Response>(&checked))
    return *error;
  if (config_.pre_token_trigger)  // the server must run the trigger first (see emulator.hpp)
    return trigger_failed();
  return finish_token(std::get<TokenGrant>(checked), std::nullopt);
}

bool Emulator::is_token_request(const Request& request) const {
  return request.method == "POST" &&
         request.target.substr(0, request.target.find('?')) == "/oauth2/token";
}

std::variant<Response, TokenGrant> Emulator::check_token_request(const Request& request) {
  const std::lock_guard lock(mutex_);
  try {
    return check_token_impl(request);
  } catch (const ApiError& e) {
    return api_error(ApiError{"InternalErrorException", e.message, 500});
  } catch (const std::exception& e) {
    return api_error(ApiError{"InternalErrorException", e.what(), 500});
  }
}

namespace {

using Params = std::map<std::string, std::string>;

// The form of a token request; an OAuth error for anything else.
std::variant<Response, Params> token_params(const Request& request) {
  const auto ct = request.headers.find("content-type");
  if (ct == request.headers.end() ||
      core::to_lower(ct->second).rfind("application/x-www-form-urlencoded", 0) != 0)
    return oauth_error("invalid_request");
  const auto form = core::parse_form(request.body);
  if (!form)
    return oauth_error("invalid_request");
  Params params;
  for (const auto& [k, v] : *form)
    if (!params.emplace(k, v).second)  // RFC 6749 3.2: parameters MUST NOT be repeated
      return oauth_error("invalid_request");
  const auto grant = params.find("grant_type");
  if (grant == params.end() || grant->second.empty())
    return oauth_error("invalid_request");
  return params;
}

struct ClientCredentials {
  std::string client_id;
  std::string secret;
  bool have_secret = false;
};

// Client authentication: HTTP Basic, or client_id + client_secret in the body; both at once is
// more than one method (RFC 6749 2.3), refused.
std::variant<Response, ClientCredentials> client_credentials(const Request& request,
                                                             Params& params) {
  ClientCredentials c;
  const auto auth = request.headers.find("authorization");
  const bool body_creds = params.count("client_secret") != 0U;
  if (auth == request.headers.end()) {
    if (const auto id = params.find("client_id"); id != params.end())
      c.client_id = id->second;
    if (body_creds) {
      c.secret = params["client_secret"];
      c.have_secret = true;
    }
    return c;
  }
  if (body_creds)
    return oauth_error("invalid_request");
  const std::string_view value = core::trim(auth->second);
  if (value.size() < 6 || core::to_lower(value.substr(0, 6)) != "basic ")
    return oauth_error("invalid_client");
  const auto decoded = core::base64_decode(core::trim(value.substr(6)));
  const auto colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos)
    return oauth_error("invalid_client");
  // RFC 6749 2.3.1: the id and secret are form-encoded before Basic encoding.
  const auto id = core::percent_decode(decoded->substr(0, colon), true);
  const auto sec = core::percent_decode(decoded->substr(colon + 1), true);
  if (!id || !sec)
    return oauth_error("invalid_client");
  c.client_id = *id;
  c.secret = *sec;
  c.have_secret = true;
  if (const auto body_id = params.find("client_id");
      body_id != params.end() && body_id->second != c.client_id)
    return oauth_error("invalid_client");
  return c;
}

// The scopes a client_credentials grant gets: the requested ones, each allowed to the client, or
// every allowed one when none is requested.
std::variant<Response, std::vector<std::string>> granted_scopes(const json::object& client,
                                                                const Params& params) {
  const auto allowed =
      string_list(client, "AllowedOAuthScopes").value_or(std::vector<std::string>{});
  std::vector<std::string> scopes;
  if (const auto s = params.find("scope");
      s != params.end() && !oauth::split_scopes(s->second).empty()) {
    for (auto& sc : oauth::split_scopes(s->second)) {
      if (std::find(allowed.begin(), allowed.end(), sc) == allowed.end())
        return oauth_error("invalid_scope");
      if (std::find(scopes.begin(), scopes.end(), sc) == scopes.end())
        scopes.push_back(std::move(sc));
    }
  } else {
    scopes = allowed;  // no scope requested: every scope the client may have
  }
  if (scopes.empty())
    return oauth_error("invalid_scope");
  return scopes;
}

// The grant's validity and client metadata; an error response when the metadata is malformed.
std::optional<Response> complete_grant(const json::object& client, const Params& params,
                                       TokenGrant& out) {
  if (const auto v = int_member(client, "AccessTokenValidity")) {
    const auto* units = client.if_contains("TokenValidityUnits");
    const auto unit = units != nullptr ? core::get_string(*units, "AccessToken") : std::nullopt;
    out.validity = *v * unit_seconds(unit.value_or("hours"));
    if (out.validity <= 0)
      out.validity = 3600;  // AccessTokenValidity unset: 60 minutes
  }
  // aws_client_metadata: URL-encoded JSON object of strings, handed to the trigger's
  // request.clientMetadata (Cognito's token endpoint documents it for client_credentials).
  if (const auto md = params.find("aws_client_metadata"); md != params.end()) {
    const auto parsed = core::parse_json(md->second);
    if (!parsed || !parsed->is_object())
      return oauth_error("invalid_request");
    for (const auto& kv : parsed->as_object())
      if (!kv.value().is_string())
        return oauth_error("invalid_request");
    out.client_metadata = parsed->as_object();
  }
  return std::nullopt;
}

}  // namespace

std::variant<Response, TokenGrant> Emulator::check_token_impl(const Request& request) {
  auto parsed = token_params(request);
  if (auto* error = std::get_if<Response>(&parsed))
    return *error;
  auto& params = std::get<Params>(parsed);
  auto creds_or = client_credentials(request, params);
  if (auto* error = std::get_if<Response>(&creds_or))
    return *error;
  const auto& creds = std::get<ClientCredentials>(creds_or);
  if (creds.client_id.empty())
    return oauth_error("invalid_client");
  const auto found = clients_.find(creds.client_id);
  if (found == clients_.end())
    return oauth_error("invalid_client");
  const json::object& client = found->second;
  const auto stored_secret = obj_string(client, "ClientSecret");
  // Every client that may use client_credentials has a secret; a missing or wrong one fails.
  if (!stored_secret || !creds.have_secret ||
      !core::constant_time_equal(*stored_secret, creds.secret))
    return oauth_error("invalid_client");

  const std::string& grant = params.at("grant_type");
  if (grant != "client_credentials") {
    static const std::set<std::string, std::less<>> kKnown = {"authorization_code",
                                                              "refresh_token"};
    return oauth_error(kKnown.count(grant) != 0U ? "unauthorized_client"
                                                 : "unsupported_grant_type");
  }
  const auto flows = string_list(client, "AllowedOAuthFlows").value_or(std::vector<std::string>{});
  if (!bool_member(client, "AllowedOAuthFlowsUserPoolClient").value_or(false) ||
      std::find(flows.begin(), flows.end(), "client_credentials") == flows.end())
    return oauth_error("unauthorized_client");

  auto scopes = granted_scopes(client, params);
  if (auto* error = std::get_if<Response>(&scopes))
    return *error;
  TokenGrant out;
  out.client_id = creds.client_id;
  out.scopes = std::move(std::get<std::vector<std::string>>(scopes));
  if (auto error = complete_grant(client, params, out))
    return *error;
  return out;
}

Response Emulator::trigger_failed() {
  // Guess: Cognito documents no token endpoint error for a failed trigger; the request is
  // refused as invalid_request (HTTP 400), and no token is issued.
  return oauth_error("invalid_request");
}

json::object Emulator::pre_token_event(const TokenGrant& grant) const {
  // The V3_0 event for a client_credentials grant
  // (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html).
  // Guess: there is no user, so userName is null and userAttributes empty.
  return json::object{
      {"version", "3"},
      {"triggerSource", "TokenGeneration_ClientCredentials"},
      {"region", config_.region},
      {"userPoolId", config_.user_pool_id},
      {"userName", nullptr},
      {"callerContext",
       json::object{{"awsSdkVersion", "aws-sdk-unknown-unknown"}, {"clientId", grant.client_id}}},
      {"request",
       json::object{{"userAttributes", json::object{}},
                    {"groupConfiguration", json::object{{"groupsToOverride", json::array{}},
                                                        {"iamRolesToOverride", json::array{}},
                                                        {"preferredRole", nullptr}}},
                    {"scopes", to_array(grant.scopes)},
                    {"clientMetadata", grant.client_metadata}}},
      {"response", json::object{{"claimsAndScopeOverrideDetails", nullptr}}}};
}

Response Emulator::finish_token(const TokenGrant& grant,
                                const std::optional<std::string>& trigger_response) {
  try {
    return finish_token_impl(grant, trigger_response);
  } catch (const ApiError&) {
    return trigger_failed();  // the trigger's answer had a member of the wrong type
  } catch (const std::exception& e) {
    return api_error(ApiError{"InternalErrorException", e.what(), 500});
  }
}

Response Emulator::finish_token_impl(const TokenGrant& grant,
                                     const std::optional<std::string>& trigger_response) {
  std::vector<std::string> scopes = grant.scopes;
  json::object added;
  std::vector<std::string> suppressed;
  if (trigger_response) {
    const auto answer = core::parse_json(*trigger_response);
    if (!answer || !answer->is_object())
      return trigger_failed();
    const auto* details = core::find_path(*answer, {"response", "claimsAndScopeOverrideDetails"});
    const auto* access = details != nullptr && details->is_object()
                             ? core::find(*details, "accessTokenGeneration")
                             : nullptr;
    if (access != nullptr && access->is_object()) {
      const auto& gen = access->as_object();
      // Claims Cognito reserves for itself (the page's list for access tokens); a trigger that
      // tries to set one is refused here (guess: Cognito's exact reaction is not documented).
      static constexpr std::array<std::string_view, 16> kReserved = {
          "acr", "amr", "aud", "auth_time", "azp",        "exp", "iat",       "identities",
          "iss", "jti", "nbf", "nonce",     "origin_jti", "sub", "token_use", "client_id"};
      auto reserved = [](std::string_view k) {
        return k == "scope" || k == "version" ||
               std::find(kReserved.begin(), kReserved.end(), k) != kReserved.end();
      };
      if (const auto* add = gen.if_contains("claimsToAddOrOverride");
          add != nullptr && !add->is_null()) {
        if (!add->is_object())
          return trigger_failed();
        for (const auto& kv : add->as_object()) {
          if (reserved(kv.key()))
            return trigger_failed();
          added[kv.key()] = kv.value();
        }
      }
      for (const char* key : {"claimsToSuppress", "scopesToSuppress", "scopesToAdd"}) {
        const auto list = string_list(gen, key);  // throws on a non-list: caught below
        if (!list)
          continue;
        if (std::string_view(key) == "claimsToSuppress") {
          for (const auto& c : *list)
            if (reserved(c))
              return trigger_failed();
          suppressed = *list;
        } else if (std::string_view(key) == "scopesToSuppress") {
          for (const auto& sc : *list)
            scopes.erase(std::remove(scopes.begin(), scopes.end(), sc), scopes.end());
        } else {
          for (const auto& sc : *list)
            if (std::find(scopes.begin(), scopes.end(), sc) == scopes.end())
              scopes.push_back(sc);
        }
      }
    }
  }
  std::string scope_claim;
  for (const auto& sc : scopes)
    scope_claim += (scope_claim.empty() ? "" : " ") + sc;
  const std::int64_t now = core::to_epoch_seconds(clock_.now());
  // Claims in the order Cognito writes them for a client_credentials access token.
  json::object claims{{"sub", grant.client_id},
                      {"token_use", "access"},
                      {"scope", scope_claim},
                      {"auth_time", now},
                      {"iss", issuer()},
                      {"exp", now + grant.validity},
                      {"iat", now},
                      {"version", 2},
                      {"jti", uuid_v4()},
                      {"client_id", grant.client_id}};
  for (const auto& kv : added)
    claims[kv.key()] = kv.value();
  for (const auto& c : suppressed)
    claims.erase(c);
  return json_response(200, json::object{{"access_token", keys_.sign_jwt(claims)},
                                         {"expires_in", grant.validity},
                                         {"token_type", "Bearer"}});
}

// POST / with X-Amz-Target, AWS JSON 1.1 protocol.
Response Emulator::idp(const Request& request) {
  const auto target = request.headers.find("x-amz-target");
  static constexpr std::string_view kPrefix = "AWSCognitoIdentityProviderService.";
  if (target == request.headers.end() || target->second.rfind(kPrefix, 0) != 0)
    return api_error(ApiError{"UnknownOperationException", "missing or unknown X-Amz-Target"});
  const std::string action = target->second.substr(kPrefix.size());

  // Any signature is accepted (no real credentials locally), but the request must look signed as
  // an SDK signs it: the emulator then catches a client that forgot to sign.
  const auto auth = request.headers.find("authorization");
  if (auth == request.headers.end())
    return api_error(
        ApiError{"MissingAuthenticationTokenException", "Missing Authentication Token"});
  const auto scope = parse_sigv4_scope(auth->second);
  if (!scope || request.headers.count("x-amz-date") == 0U)
    return api_error(ApiError{"IncompleteSignatureException",
                              "Authorization header requires AWS4-HMAC-SHA256 Credential, "
                              "SignedHeaders and Signature, and X-Amz-Date is required"});
  if (scope->first != config_.region || scope->second != "cognito-idp")
    return api_error(
        ApiError{"InvalidSignatureException", "Credential should be scoped to region '" +
                                                  config_.region + "' and service 'cognito-idp'"});
  const auto ct = request.headers.find("content-type");
  if (ct == request.headers.end() || ct->second.rfind("application/x-amz-json-1.", 0) != 0)
    return api_error(
        ApiError{"SerializationException", "Content-Type must be application/x-amz-json-1.1"});
  const auto body = core::parse_json(request.body);
  if (!body || !body->is_object())
    return api_error(ApiError{"SerializationException", "the body is not a JSON object"});
  const json::object& in = body->as_object();

  json::object out;
  if (action == "CreateUserPoolClient")
    out = create_client(in);
  else if (action == "UpdateUserPoolClient")
    out = update_client(in);
  else if (action == "DescribeUserPoolClient")
    out = describe_client(in);
  else if (action == "ListUserPoolClients")
    out = list_clients(in);
  else if (action == "DeleteUserPoolClient")
    out = delete_client(in);
  else if (action == "CreateResourceServer")
    out = create_resource_server(in);
  else if (action == "DescribeResourceServer")
    out = describe_resource_server(in);
  else if (action == "ListResourceServers")
    out = list_resource_servers(in);
  else if (action == "DescribeUserPool")
    out = describe_user_pool(in);
  else
    return api_error(ApiError{"UnknownOperationException", "unsupported action " + action});
  return Response{200, "application/x-amz-json-1.1", json::serialize(out)};
}

void Emulator::check_pool(const json::object& in) const {
  const std::string pool = require_string(in, "UserPoolId");
  if (pool != config_.user_pool_id)
    throw ApiError{"ResourceNotFoundException", "User pool " + pool + " does not exist."};
}

bool Emulator::scope_exists(std::string_view scope) const {
  const auto slash = scope.rfind('/');
  if (slash == std::string_view::npos)
    return false;
  const auto server = resource_servers_.find(std::string(scope.substr(0, slash)));
  if (server == resource_servers_.end())
    return false;
  const auto* scopes = server->second.if_contains("Scopes");
  if (scopes == nullptr || !scopes->is_array())
    return false;
  const auto name = scope.substr(slash + 1);
  return std::any_of(
      scopes->as_array().begin(), scopes->as_array().end(),
      [&](const json::value& s) { return core::get_string(s, "ScopeName") == name; });
}

// The settings CreateUserPoolClient and UpdateUserPoolClient share. UpdateUserPoolClient resets
// what the request leaves out to its default, as AWS documents ("If you don't provide a value for
// an attribute, Amazon Cognito sets it to its default value"), so both start from defaults.
void Emulator::apply_client_settings(json::object& client, const json::object& in) const {
  const std::string name = require_string(in, "ClientName");
  if (!valid_client_name(name))
    throw invalid_parameter("1 validation error detected: Value '" + name +
                            "' at 'clientName' failed to satisfy constraint: Member must satisfy "
                            "regular expression pattern: [\\w\\s+=,.@-]+");
  client["ClientName"] = name;

  const auto flows = string_list(in, "AllowedOAuthFlows").value_or(std::vector<std::string>{});
  for (const auto& f : flows)
    if (f != "code" && f != "implicit" && f != "client_credentials")
      throw invalid_parameter(
          "1 validation error detected: Value '[" + f +
          "]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy constraint: "
          "[Member must satisfy enum value set: [implicit, client_credentials, code]]");
  const bool cc = std::find(flows.begin(), flows.end(), "client_credentials") != flows.end();
  const auto scopes = string_list(in, "AllowedOAuthScopes").value_or(std::vector<std::string>{});
  if (cc && flows.size() > 1)
    throw ApiError{"InvalidOAuthFlowException",
                   "client_credentials flow can not be selected along with code flow or implicit "
                   "flow."};
  if (cc && !client.contains("ClientSecret"))
    throw ApiError{"InvalidOAuthFlowException",
                   "client_credentials flow can not be selected if client does not have a client "
                   "secret."};
  for (const auto& s : scopes) {
    if (is_standard_scope(s)) {
      if (cc)  // guess at the wording: Cognito refuses OIDC scopes for client_credentials
        throw ApiError{"InvalidOAuthFlowException",
                       "client_credentials flow can not be used with scope " + s};
      continue;
    }
    if (!scope_exists(s))
      throw ApiError{"ScopeDoesNotExistException", "Invalid scope requested: " + s};
  }
  if (cc && scopes.empty())
    throw ApiError{"InvalidOAuthFlowException",
                   "AllowedOAuthScopes are required for client_credentials flow."};
  client["AllowedOAuthFlows"] = to_array(flows);
  client["AllowedOAuthScopes"] = to_array(scopes);
  client["AllowedOAuthFlowsUserPoolClient"] =
      bool_member(in, "AllowedOAuthFlowsUserPoolClient").value_or(false);
  if (const auto idps = string_list(in, "SupportedIdentityProviders"))
    client["SupportedIdentityProviders"] = to_array(*idps);
  if (const auto ea = string_list(in, "ExplicitAuthFlows"))
    client["ExplicitAuthFlows"] = to_array(*ea);

  // Token validity: units default to days (refresh) and hours (access, id); access tokens may
  // live 5 minutes to 1 day (CreateUserPoolClient, AccessTokenValidity).
  json::object units{{"AccessToken", "hours"}, {"IdToken", "hours"}, {"RefreshToken", "days"}};
  if (const auto it = in.find("TokenValidityUnits"); it != in.end() && it->value().is_object()) {
    for (const auto& kv : it->value().as_object()) {
      if (kv.key() != "AccessToken" && kv.key() != "IdToken" && kv.key() != "RefreshToken")
        continue;
      if (!kv.value().is_string() || unit_seconds(kv.value().as_string()) == 0)
        throw invalid_parameter("TokenValidityUnits." + std::string(kv.key()) +
                                " must be one of seconds, minutes, hours, days");
      units[kv.key()] = kv.value();
    }
  }
  client["TokenValidityUnits"] = units;
  client["RefreshTokenValidity"] = int_member(in, "RefreshTokenValidity").value_or(30);
  if (const auto v = int_member(in, "AccessTokenValidity")) {
    const std::int64_t seconds = *v * unit_seconds(units["AccessToken"].as_string());
    if (seconds < 300 || seconds > 86400)
      throw invalid_parameter(
          "Invalid range for token validity: AccessTokenValidity must be "
          "between 5 minutes and 1 day.");
    client["AccessTokenValidity"] = *v;
  } else {
    client.erase("AccessTokenValidity");
  }
  if (const auto v = int_member(in, "IdTokenValidity"))
    client["IdTokenValidity"] = *v;
  else
    client.erase("IdTokenValidity");
  client["EnableTokenRevocation"] = bool_member(in, "EnableTokenRevocation").value_or(true);
  client["AuthSessionValidity"] = int_member(in, "AuthSessionValidity").value_or(3);
  client["LastModifiedDate"] = core::to_epoch_seconds(clock_.now());
}

json::object Emulator::create_client(const json::object& in) {
  check_pool(in);
  json::object client{{"UserPoolId", config_.user_pool_id}};
  std::string id = random_alnum(26);
  while (clients_.count(id) != 0U)
    id = random_alnum(26);
  client["ClientId"] = id;
  if (bool_member(in, "GenerateSecret").value_or(false))
    client["ClientSecret"] = random_alnum(51);
  client["CreationDate"] = core::to_epoch_seconds(clock_.now());
  apply_client_settings(client, in);
  clients_[id] = client;
  save();
  return json::object{{"UserPoolClient", client}};
}

json::object Emulator::update_client(const json::object& in) {
  check_pool(in);
  const std::string id = require_string(in, "ClientId");
  const auto it = clients_.find(id);
  if (it == clients_.end())
    throw ApiError{"ResourceNotFoundException", "User pool client " + id + " does not exist."};
  json::object client = it->second;  // ClientName, secret and dates survive; settings reset
  json::object request = in;
  if (!request.contains("ClientName"))
    request["ClientName"] = client["ClientName"];
  apply_client_settings(client, request);
  it->second = client;
  save();
  return json::object{{"UserPoolClient", client}};
}

json::object Emulator::describe_client(const json::object& in) {
  check_pool(in);
  const std::string id = require_string(in, "ClientId");
  const auto it = clients_.find(id);
  if (it == clients_.end())
    throw ApiError{"ResourceNotFoundException", "User pool client " + id + " does not exist."};
  return json::object{{"UserPoolClient", it->second}};
}

json::object Emulator::list_clients(const json::object& in) {
  check_pool(in);
  return page(clients_, in, 60, 60, "UserPoolClients", [](const json::object& c) {
    return json::object{{"ClientId", c.at("ClientId")},
                        {"UserPoolId", c.at("UserPoolId")},
                        {"ClientName", c.at("ClientName")}};
  });
}

json::object Emulator::delete_client(const json::object& in) {
  check_pool(in);
  const std::string id = require_string(in, "ClientId");
  if (clients_.erase(id) == 0U)
    throw ApiError{"ResourceNotFoundException", "User pool client " + id + " does not exist."};
  save();
  return json::object{};
}

json::object Emulator::create_resource_server(const json::object& in) {
  check_pool(in);
  const std::string identifier = require_string(in, "Identifier");
  const std::string name = require_string(in, "Name");
  if (!valid_identifier(identifier, false))
    throw invalid_parameter("1 validation error detected: Value '" + identifier +
                            "' at 'identifier' failed to satisfy constraint");
  if (name.empty() || name.size() > 256)
    throw invalid_parameter("Name must be 1 to 256 characters");
  if (resource_servers_.count(identifier) != 0U)
    throw invalid_parameter("Resource server with identifier " + identifier + " already exists");
  json::array scopes;
  if (const auto it = in.find("Scopes"); it != in.end() && !it->value().is_null()) {
    if (!it->value().is_array() || it->value().as_array().size() > 100)
      throw invalid_parameter("Scopes must be a list of at most 100 scopes");
    for (const auto& s : it->value().as_array()) {
      const auto sn = core::get_string(s, "ScopeName");
      const auto sd = core::get_string(s, "ScopeDescription");
      if (!sn || !valid_identifier(*sn, true) || !sd || sd->empty())
        throw invalid_parameter("each scope needs a ScopeName (no '/') and a ScopeDescription");
      scopes.push_back(json::object{{"ScopeName", *sn}, {"ScopeDescription", *sd}});
    }
  }
  json::object server{{"UserPoolId", config_.user_pool_id},
                      {"Identifier", identifier},
                      {"Name", name},
                      {"Scopes", std::move(scopes)}};
  resource_servers_[identifier] = server;
  save();
  return json::object{{"ResourceServer", server}};
}

json::object Emulator::describe_resource_server(const json::object& in) {
  check_pool(in);
  const std::string identifier = require_string(in, "Identifier");
  const auto it = resource_servers_.find(identifier);
  if (it == resource_servers_.end())
    throw ApiError{"ResourceNotFoundException",
                   "Resource server " + identifier + " does not exist."};
  return json::object{{"ResourceServer", it->second}};
}

json::object Emulator::list_resource_servers(const json::object& in) {
  check_pool(in);
  if (!in.contains("MaxResults"))  // required by the API
    throw invalid_parameter(
        "1 validation error detected: Value null at 'maxResults' failed to "
        "satisfy constraint: Member must not be null");
  return page(resource_servers_, in, 50, 50, "ResourceServers",
              [](const json::object& s) { return s; });
}

json::object Emulator::describe_user_pool(const json::object& in) {
  check_pool(in);
  const std::string name = config_.user_pool_id.substr(config_.user_pool_id.find('_') + 1);
  return json::object{
      {"UserPool", json::object{{"Id", config_.user_pool_id},
                                {"Name", name},
                                {"Arn", "arn:aws:cognito-idp:" + config_.region +
                                            ":000000000000:userpool/" + config_.user_pool_id},
                                {"CreationDate", created_at_},
                                {"LastModifiedDate", created_at_},
                                {"MfaConfiguration", "OFF"},
                                {"EstimatedNumberOfUsers", 0},
                                {"UserPoolTier", "ESSENTIALS"},
                                {"DeletionProtection", "INACTIVE"}}}};
}

}  // namespace agm::local::cognito
