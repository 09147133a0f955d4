#include "aws/credential_chain.hpp"

#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <utility>

#include "aws/client.hpp"
#include "aws/rest_client.hpp"
#include "core/encoding.hpp"
#include "core/file.hpp"
#include "core/json.hpp"

namespace agm::aws {

namespace {

using Section = std::map<std::string, std::string>;

// A file's content without surrounding white space, line ends included (core::trim keeps them).
std::string stripped(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && space(text.back())) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

std::string env_or(const EnvGetter& env, const std::string& name, std::string fallback = {}) {
  return env(name).value_or(std::move(fallback));
}

// The INI form of the shared files: [section], key = value, '#' and ';' comments. Nested
// (indented) sub-keys, which only s3 settings use, are skipped. Written here: no Debian library
// reads the AWS files' dialect, and it is these few lines.
std::map<std::string, Section> parse_ini(const std::string& text) {
  std::map<std::string, Section> out;
  Section* current = nullptr;
  std::istringstream in(text);
  for (std::string raw; std::getline(in, raw);) {
    const bool indented = !raw.empty() && (raw[0] == ' ' || raw[0] == '\t');
    const std::string line(core::trim(raw));
    if (line.empty() || line[0] == '#' || line[0] == ';') {
      continue;
    }
    if (line.front() == '[' && line.back() == ']') {
      current = &out[std::string(core::trim(line.substr(1, line.size() - 2)))];
      continue;
    }
    const auto eq = line.find('=');
    if (current == nullptr || indented || eq == std::string::npos) {
      continue;
    }
    (*current)[std::string(core::trim(line.substr(0, eq)))] =
        std::string(core::trim(line.substr(eq + 1)));
  }
  return out;
}

std::string expand_home(const EnvGetter& env, const std::string& path) {
  if (path.rfind("~/", 0) == 0) {
    const auto home = env("HOME");
    return home ? *home + path.substr(1) : std::string();
  }
  return path;
}

std::optional<std::string> read_if_exists(const std::string& path) {
  if (path.empty()) {
    return std::nullopt;
  }
  try {
    return core::read_file(path);
  } catch (const core::Error&) {
    return std::nullopt;
  }
}

// Every profile of the two files: the config file's "[profile x]" (and "[default]"), then the
// credentials file's "[x]" on top.
std::map<std::string, Section> load_profiles(const EnvGetter& env) {
  std::map<std::string, Section> profiles;
  const auto config =
      read_if_exists(expand_home(env, env_or(env, "AWS_CONFIG_FILE", "~/.aws/config")));
  for (auto& [name, keys] : parse_ini(config.value_or(""))) {
    if (name == "default") {
      profiles["default"] = keys;
    } else if (name.rfind("profile ", 0) == 0) {
      profiles[std::string(core::trim(name.substr(8)))] = keys;
    }
  }
  const auto credentials = read_if_exists(
      expand_home(env, env_or(env, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")));
  for (auto& [name, keys] : parse_ini(credentials.value_or(""))) {
    for (auto& [k, v] : keys) {
      profiles[name][k] = v;
    }
  }
  return profiles;
}

// {"AccessKeyId", "SecretAccessKey", "Token" or "SessionToken"} of a JSON answer.
Credentials from_json(const std::string& body, const std::string& source) {
  const auto doc = core::parse_json(body);
  const auto member = [&doc](const char* name) {
    return doc ? std::string(core::get_string(*doc, name).value_or("")) : std::string();
  };
  Credentials c{member("AccessKeyId"), member("SecretAccessKey"), member("Token")};
  if (c.session_token.empty()) {
    c.session_token = member("SessionToken");
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    throw CredentialsError(source + ": the answer holds no AccessKeyId and SecretAccessKey");
  }
  return c;
}

std::string sts_endpoint(const ChainOptions& o) {
  std::string url = env_or(o.env, "AWS_ENDPOINT_URL_STS", env_or(o.env, "AWS_ENDPOINT_URL"));
  if (url.empty()) {
    url = "https://sts." + (o.region.empty() ? std::string("us-east-1") : o.region) +
          ".amazonaws.com";
  }
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url + "/";
}

std::string session_name(const EnvGetter& env) {
  const auto named = env("AWS_ROLE_SESSION_NAME");
  if (named) {
    return *named;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return "mtlsctl-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

Credentials from_sts_xml(const std::string& xml, const std::string& source) {
  Credentials c{xml_text(xml, "AccessKeyId"), xml_text(xml, "SecretAccessKey"),
                xml_text(xml, "SessionToken")};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    throw CredentialsError(source + ": STS answered without credentials");
  }
  return c;
}

// STS AssumeRoleWithWebIdentity: an unsigned Query call (the token is the proof).
Credentials assume_role_with_web_identity(const ChainOptions& o, const std::string& role_arn,
                                          const std::string& token_file) {
  const std::string source = "web identity " + role_arn;
  const auto token = read_if_exists(token_file);
  if (!token || stripped(*token).empty()) {
    throw CredentialsError(source + ": cannot read the token file " + token_file);
  }
  net::HttpRequest request;
  request.method = "POST";
  request.url = sts_endpoint(o);
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" +
                 core::percent_encode(role_arn) +
                 "&RoleSessionName=" + core::percent_encode(session_name(o.env)) +
                 "&WebIdentityToken=" + core::percent_encode(stripped(*token));
  net::HttpClient http(o.http);
  const auto answer = http.send(request);
  if (answer.status != 200) {
    const AwsError e = parse_xml_error(answer);
    throw CredentialsError(source + ": " + e.code() + ": " + e.what());
  }
  return from_sts_xml(answer.body, source);
}

// STS AssumeRole, signed with the source profile's credentials.
Credentials assume_role(const ChainOptions& o, const Credentials& source_credentials,
                        const std::string& role_arn, const Section& profile) {
  ClientConfig config;
  config.region = o.region.empty() ? std::string("us-east-1") : o.region;
  config.endpoint = sts_endpoint(o);
  config.endpoint.pop_back();
  config.credentials = source_credentials;
  config.http = o.http;
  RestClient sts(config, "sts", SigningParams{}, parse_xml_error);
  net::HttpRequest request;
  request.method = "POST";
  request.url = config.endpoint + "/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body =
      "Action=AssumeRole&Version=2011-06-15&RoleArn=" + core::percent_encode(role_arn) +
      "&RoleSessionName=" +
      core::percent_encode(profile.count("role_session_name") != 0 ? profile.at("role_session_name")
                                                                   : session_name(o.env));
  if (const auto id = profile.find("external_id"); id != profile.end()) {
    request.body += "&ExternalId=" + core::percent_encode(id->second);
  }
  try {
    const auto answer =
        sts.send(request, std::chrono::steady_clock::now() + std::chrono::seconds(30));
    return from_sts_xml(answer.body, "assume role " + role_arn);
  } catch (const core::Error& e) {
    throw CredentialsError("assume role " + role_arn + ": " + e.code() + ": " + e.what());
  }
}

// credential_process: the command's stdout is {"Version": 1, "AccessKeyId", ...}.
Credentials run_credential_process(const std::string& command) {
  const std::string source = "credential_process";
  // popen runs it through /bin/sh, as the CLI does on Linux.
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) {
    throw CredentialsError(source + ": cannot run " + command);
  }
  std::string out;
  std::array<char, 4096> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) {
    out.append(buffer.data(), n);
    if (out.size() > std::size_t{64} * 1024) {
      throw CredentialsError(source + ": more than 64 KiB of output");
    }
  }
  const int status = ::pclose(pipe.release());
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw CredentialsError(source + ": the command failed (" + command + ")");
  }
  const auto doc = core::parse_json(out);
  if (!doc || core::get_int(*doc, "Version") != 1) {
    throw CredentialsError(source + ": the output is not {\"Version\": 1, ...}");
  }
  return from_json(out, source);
}

ResolvedCredentials from_profile(const ChainOptions& o, const std::string& name,
                                 const std::map<std::string, Section>& profiles,
                                 std::set<std::string>& seen);

// A role profile: role_arn with web_identity_token_file, or with source_profile.
ResolvedCredentials from_role_profile(const ChainOptions& o, const std::string& name,
                                      const Section& p,
                                      const std::map<std::string, Section>& profiles,
                                      std::set<std::string>& seen) {
  const std::string& role = p.at("role_arn");
  if (const auto file = p.find("web_identity_token_file"); file != p.end()) {
    return {assume_role_with_web_identity(o, role, expand_home(o.env, file->second)),
            "profile " + name + " (web identity " + role + ")"};
  }
  const auto source = p.find("source_profile");
  if (source == p.end()) {
    throw CredentialsError("profile " + name +
                           ": role_arn needs source_profile or web_identity_token_file");
  }
  const auto base = from_profile(o, source->second, profiles, seen);
  return {assume_role(o, base.credentials, role, p),
          "profile " + name + " (assume role " + role + ")"};
}

ResolvedCredentials from_profile(const ChainOptions& o, const std::string& name,
                                 const std::map<std::string, Section>& profiles,
                                 std::set<std::string>& seen) {
  const auto it = profiles.find(name);
  if (it == profiles.end()) {
    throw CredentialsError("profile " + name + " is in neither shared file");
  }
  const Section& p = it->second;
  if (!seen.insert(name).second) {
    throw CredentialsError("profile " + name + ": source_profile loops back to it");
  }
  // A role is assumed even when the profile also holds keys (the keys are then its source).
  if (p.count("role_arn") != 0) {
    if (p.count("source_profile") != 0 && p.at("source_profile") == name) {
      seen.erase(name);
      Section keys = p;
      keys.erase("role_arn");
      const auto base = from_profile(o, name, {{name, keys}}, seen);
      return {assume_role(o, base.credentials, p.at("role_arn"), p),
              "profile " + name + " (assume role " + p.at("role_arn") + ")"};
    }
    return from_role_profile(o, name, p, profiles, seen);
  }
  const auto id = p.find("aws_access_key_id");
  const auto secret = p.find("aws_secret_access_key");
  if (id != p.end() && secret != p.end() && !id->second.empty() && !secret->second.empty()) {
    const auto token = p.find("aws_session_token");
    return {{id->second, secret->second, token == p.end() ? std::string() : token->second},
            "profile " + name};
  }
  if (const auto process = p.find("credential_process"); process != p.end()) {
    return {run_credential_process(process->second), "profile " + name + " (credential_process)"};
  }
  throw CredentialsError("profile " + name + " holds no credentials");
}

// The container endpoint's URL and Authorization header, or nullopt when not configured.
std::optional<net::HttpRequest> container_request(const EnvGetter& env) {
  net::HttpRequest request;
  if (const auto relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    request.url = "http://169.254.170.2" + *relative;
  } else if (const auto full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    request.url = *full;
  } else {
    return std::nullopt;
  }
  std::optional<std::string> token;
  if (const auto file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    token = read_if_exists(*file);
    if (!token) {
      throw CredentialsError("container credentials: cannot read " + *file);
    }
  } else {
    token = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  if (token) {
    request.headers.push_back({"Authorization", stripped(*token)});
  }
  return request;
}

std::optional<ResolvedCredentials> from_container(const ChainOptions& o) {
  const auto request = container_request(o.env);
  if (!request) {
    return std::nullopt;
  }
  net::HttpClient http(o.http);
  const auto answer = http.send(*request);
  if (answer.status != 200) {
    throw CredentialsError("container credentials: " + request->url + " answered " +
                           std::to_string(answer.status));
  }
  return ResolvedCredentials{from_json(answer.body, "container credentials"), "container"};
}

// IMDSv2: a session token (PUT), the role's name, then its credentials. Unreachable, no token
// or no instance profile: nullopt (not configured); a role whose credentials fail: an error.
std::optional<ResolvedCredentials> from_imds(const ChainOptions& o) {
  if (env_or(o.env, "AWS_EC2_METADATA_DISABLED") == "true") {
    return std::nullopt;
  }
  std::string base = env_or(o.env, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://169.254.169.254");
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  net::HttpOptions quick = o.http;
  quick.connect_timeout = std::chrono::milliseconds(1000);
  quick.timeout = std::chrono::milliseconds(1000);
  net::HttpClient http(quick);
  net::HttpResponse token;
  try {
    token = http.send({"PUT",
                       base + "/latest/api/token",
                       {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}},
                       ""});
  } catch (const net::TransportError&) {
    return std::nullopt;  // not on EC2 (or the service is off)
  }
  if (token.status != 200 || token.body.empty()) {
    return std::nullopt;  // something answers there, but not IMDSv2 (or it is turned off)
  }
  const net::HttpHeader auth{"X-aws-ec2-metadata-token", token.body};
  const std::string path = base + "/latest/meta-data/iam/security-credentials/";
  const auto roles = http.send({"GET", path, {auth}, ""});
  const std::string role(core::trim(roles.body.substr(0, roles.body.find('\n'))));
  if (roles.status == 404 || (roles.status == 200 && role.empty())) {
    return std::nullopt;  // an instance without an instance profile
  }
  if (roles.status != 200) {
    throw CredentialsError("instance metadata: listing the role answered " +
                           std::to_string(roles.status));
  }
  const auto creds = http.send({"GET", path + role, {auth}, ""});
  if (creds.status != 200) {
    throw CredentialsError("instance metadata: role " + role + " answered " +
                           std::to_string(creds.status));
  }
  return ResolvedCredentials{from_json(creds.body, "instance metadata"), "imds role " + role};
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

ResolvedCredentials resolve_credentials(const ChainOptions& o) {
  const auto id = o.env("AWS_ACCESS_KEY_ID");
  const auto secret = o.env("AWS_SECRET_ACCESS_KEY");
  if (id && secret) {
    return {{*id, *secret, env_or(o.env, "AWS_SESSION_TOKEN")}, "environment"};
  }
  const auto token_file = o.env("AWS_WEB_IDENTITY_TOKEN_FILE");
  const auto role = o.env("AWS_ROLE_ARN");
  if (token_file && role) {
    return {assume_role_with_web_identity(o, *role, *token_file), "web identity " + *role};
  }
  const auto profile = o.env("AWS_PROFILE");
  const auto profiles = load_profiles(o.env);
  if (profile || profiles.count("default") != 0) {
    std::set<std::string> seen;
    return from_profile(o, profile.value_or("default"), profiles, seen);
  }
  if (auto container = from_container(o)) {
    return *container;
  }
  if (auto imds = from_imds(o)) {
    return *imds;
  }
  throw core::ConfigError("AWS_ACCESS_KEY_ID",
                          "no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                          "AWS_PROFILE, a web identity, or run where container or instance "
                          "credentials exist)");
}

}  // namespace agm::aws
