#pragma once
// Configuration from the environment. Only main.cpp (through these helpers) reads the environment;
// handlers get typed settings. Every failure throws core::ConfigError naming the variable, which
// main reports to the Runtime API as an init error.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/log.hpp"

namespace agm::functions {

// Looks a variable up; nullopt when unset. process_env() reads the real environment; tests pass a
// map-backed lookup.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
EnvLookup process_env();
EnvLookup map_env(std::map<std::string, std::string> values);

// Set and non-empty, else ConfigError(name, "is required").
std::string require_env(const EnvLookup& env, std::string_view name);
// Unset or empty: nullopt.
std::optional<std::string> optional_env(const EnvLookup& env, std::string_view name);
// "true"/"false" (any case), "1"/"0"; unset: `fallback`; anything else: ConfigError.
bool env_bool(const EnvLookup& env, std::string_view name, bool fallback);
// A whole number (of `unit`, named in the error) in [min, max]; unset: `fallback`; anything
// else: ConfigError.
long long env_whole_number(const EnvLookup& env, std::string_view name, long long fallback,
                           long long min, long long max, std::string_view unit);
// A whole number of seconds in [min, max]; unset: `fallback`; anything else: ConfigError.
std::chrono::seconds env_seconds(const EnvLookup& env, std::string_view name,
                                 std::chrono::seconds fallback, std::chrono::seconds min,
                                 std::chrono::seconds max);
// LOG_LEVEL (default info); invalid: ConfigError("LOG_LEVEL").
core::LogLevel log_level(const EnvLookup& env);

// The CA bundle the HTTP clients should trust: SSL_CERT_FILE when set (must exist), else the first
// existing of /etc/ssl/certs/ca-certificates.crt (Debian) and /etc/pki/tls/certs/ca-bundle.crt
// (Lambda's al2023 base image). Empty when none exists (OpenSSL's default paths are then used).
// `exists` is injectable for tests.
std::string discover_ca_file(const EnvLookup& env,
                             const std::function<bool(const std::string&)>& exists = {});

// An http(s) URL with a host ("https://x/..."); else ConfigError(name).
std::string require_url(const EnvLookup& env, std::string_view name);

}  // namespace agm::functions
