#pragma once
// Endpoint and region resolution the way the AWS SDKs do it, so the same binaries talk to AWS or
// to the local emulators (dynalite, the Cognito emulator) by environment alone.
#include <chrono>
#include <string>
#include <string_view>

namespace agm::aws {

using Deadline = std::chrono::steady_clock::time_point;

// AWS_ENDPOINT_URL_<SERVICE> (e.g. DYNAMODB, COGNITO_IDENTITY_PROVIDER, SSM, S3), then
// AWS_ENDPOINT_URL, then https://<host_prefix>.<region>.amazonaws.com. Empty variables are ignored.
// A trailing '/' on an override is removed.
std::string resolve_endpoint(std::string_view service_env_suffix, std::string_view host_prefix,
                             std::string_view region);

// AWS_REGION, then AWS_DEFAULT_REGION; empty if neither is set (or both are empty).
std::string region_from_env();

}  // namespace agm::aws
