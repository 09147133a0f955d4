#pragma once
// Byte encodings: base64 (RFC 4648 section 4), base64url without padding (section 5, as JOSE uses
// it), lowercase hex, and application/x-www-form-urlencoded / RFC 3986 percent-encoding.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agm::core {

std::string base64_encode(std::string_view bytes);
// Accepts padded or unpadded input; rejects any character outside the alphabet (no whitespace).
std::optional<std::string> base64_decode(std::string_view text);

std::string base64url_encode(std::string_view bytes);  // no padding
// Strict: rejects '=', '+', '/', whitespace and impossible lengths (len % 4 == 1).
std::optional<std::string> base64url_decode(std::string_view text);

std::string hex_encode(std::string_view bytes);  // lowercase
std::optional<std::string> hex_decode(std::string_view hex);

// RFC 3986 unreserved characters kept, everything else %XX (uppercase), as SigV4 and OAuth need.
std::string percent_encode(std::string_view text);
// Decodes %XX; with `plus_is_space` (form bodies) '+' becomes ' '. nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Parses an application/x-www-form-urlencoded body into ordered pairs. nullopt on a bad escape.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body);

std::string to_lower(std::string_view text);
// ASCII case-insensitive equality (header names, HTTP schemes).
bool iequals(std::string_view a, std::string_view b);
std::string_view trim(std::string_view text);  // ASCII spaces and tabs on both ends

}  // namespace agm::core
