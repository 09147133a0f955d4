#pragma once
// The pieces of OAuth 2.0 (RFC 6749) the functions and the emulators share: scope lists
// (section 3.3: space-delimited), error bodies (section 5.2) and the Authorization header's
// scheme (RFC 7235 section 2.1: the scheme is case-insensitive).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agm::oauth {

// Splits on ASCII spaces, dropping empty items.
std::vector<std::string> split_scopes(std::string_view text);
std::string join_scopes(const std::vector<std::string>& scopes);

// {"error":..., "error_description":...} (the description only when not empty).
std::string error_body(std::string_view error, std::string_view description = {});

// Case-insensitive "Scheme " prefix test; returns the rest (trimmed) when it matches and is not
// empty.
std::optional<std::string_view> strip_auth_scheme(std::string_view header_value,
                                                  std::string_view scheme);

// The form body a client_credentials request sends to Cognito: grant_type, then scope (when
// any), then aws_client_metadata {"cert_thumbprint": ...} (when `cert_thumbprint` is not empty:
// the pre-token trigger binds the token to it, docs/contract.md section 8), each value
// percent-encoded. The token function and `mtlsctl diagnose` send exactly this.
std::string client_credentials_form(const std::vector<std::string>& scopes,
                                    std::string_view cert_thumbprint);

// "Basic " + base64(client_id ":" client_secret), each form-urlencoded first (RFC 6749 section
// 2.3.1).
std::string basic_authorization(std::string_view client_id, std::string_view client_secret);

}  // namespace agm::oauth
