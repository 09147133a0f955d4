#pragma once
// Digests and randomness from OpenSSL 3 (EVP), returning raw bytes in std::string.
#include <string>
#include <string_view>

namespace agm::core {

std::string sha256(std::string_view data);      // 32 raw bytes
std::string sha256_hex(std::string_view data);  // 64 lowercase hex characters
std::string hmac_sha256(std::string_view key, std::string_view data);  // 32 raw bytes
std::string random_bytes(
    std::size_t count);  // from the OpenSSL CSPRNG; throws core::Error on failure

// Builds OpenSSL 3's one-time tables (the name map, the digest, signature, key-management and
// decoder method stores) that the first certificate parse and signature check would otherwise
// build on the request path: about 2 ms of a cold start (bench/results/profile_cold_start.txt).
// Functions call it on a second thread at start-up. Thread-safe; errors are ignored (whatever
// failed here fails again, and is reported, where it is really used).
void warm_up_crypto() noexcept;

// Constant-time comparison for secrets and MACs.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace agm::core
