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

// Constant-time comparison for secrets and MACs.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace agm::core
