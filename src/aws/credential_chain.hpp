#pragma once
// The AWS credential chain of the SDKs and the AWS CLI, for mtlsctl where operators and pipelines
// run it (the functions read the environment only: Lambda puts their credentials there). Sources,
// in the SDKs' order; the first one configured answers:
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (GitHub OIDC, EKS), through
//      STS AssumeRoleWithWebIdentity;
//   3. the profile (AWS_PROFILE, else "default") of the shared files (AWS_CONFIG_FILE, else
//      ~/.aws/config; AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials): static keys,
//      credential_process, role_arn with source_profile (STS AssumeRole signed with the source's
//      credentials, chains followed) or with web_identity_token_file;
//   4. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on 169.254.170.2) or
//      AWS_CONTAINER_CREDENTIALS_FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or
//      AWS_CONTAINER_AUTHORIZATION_TOKEN;
//   5. EC2 instance metadata, IMDSv2 only (a session token first), at
//      AWS_EC2_METADATA_SERVICE_ENDPOINT (default http://169.254.169.254), unless
//      AWS_EC2_METADATA_DISABLED=true.
// A source that is configured and fails (an unreadable token file, STS refusing, a profile that
// does not exist) is an error naming it: the chain does not fall through to a weaker one. Only
// an unreachable instance metadata service counts as "not configured".
#include <functional>
#include <optional>
#include <string>

#include "aws/credentials.hpp"
#include "core/error.hpp"
#include "net/http.hpp"

namespace agm::aws {

using EnvGetter = std::function<std::optional<std::string>(const std::string&)>;

// The process environment (an empty value counts as unset).
std::optional<std::string> process_env(const std::string& name);

struct ChainOptions {
  std::string region;  // for STS's regional endpoint
  EnvGetter env = process_env;
  net::HttpOptions http;  // STS and the container endpoint; IMDS uses one second
};

struct ResolvedCredentials {
  Credentials credentials;
  std::string source;  // "environment", "profile ops (assume role arn:...)", "imds role r", ...
};

// A configured source that failed. code() is "CredentialsError".
class CredentialsError : public core::Error {
 public:
  explicit CredentialsError(const std::string& message)
      : core::Error("CredentialsError", message) {}
};

// Throws CredentialsError; core::ConfigError("AWS_ACCESS_KEY_ID") when no source is configured.
ResolvedCredentials resolve_credentials(const ChainOptions& options);

}  // namespace agm::aws
