// Differential test: our AccessTokenVerifier against aws-jwt-verify (AWS's own verifier, npm) on a
// corpus of tokens generated here. Both must accept or refuse each token alike, except where we
// are stricter by design; each such token is listed in kStricterByDesign with the reason, and the
// test checks that the difference is exactly that (we refuse, they accept), so the list cannot
// silently hide a token that they refuse and we accept.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "core/json.hpp"
#include "oauth/verifier.hpp"
#include "support/jwt_signer.hpp"
#include "support/process.hpp"

namespace agm::oauth {
namespace {

using agm::test::b64;
using agm::test::hs256_jwt;
using agm::test::rs256_header;
using agm::test::sign_jwt;
using agm::test::TestRsaKey;
namespace json = boost::json;

const char* const kRegion = "eu-central-1";
const char* const kPool = "eu-central-1_DiffTest1";

// Tokens where we refuse and aws-jwt-verify accepts, on purpose.
const std::map<std::string, std::string> kStricterByDesign = {
    {"exp_missing",
     "docs/contract.md 6.4: exp must be present; aws-jwt-verify only checks exp when it is there"},
    {"iat_missing",
     "docs/contract.md 6.4: iat must be present and not in the future; aws-jwt-verify "
     "does not look at iat"},
    {"iat_future",
     "docs/contract.md 6.4: iat must not be in the future; aws-jwt-verify ignores iat"},
    {"scope_absent",
     "docs/contract.md 6.6 needs the scope claim; we refuse early with scope_missing "
     "(aws-jwt-verify checks scope only when told which scope to require)"},
    {"client_id_missing",
     "docs/contract.md 6.5 compares client_id with the registry; a token without it "
     "is refused here (aws-jwt-verify runs with clientId: null)"},
    {"token_20kb",
     "size limit (max_token_bytes 16384): Cognito access tokens are ~1 kB and API "
     "Gateway headers are bounded; aws-jwt-verify has no limit"},
    {"padded_header_signed",
     "RFC 7515 section 2: base64url without padding; aws-jwt-verify's "
     "regex allows up to two '=' per segment"},
    {"padded_signature",
     "RFC 7515 section 2: base64url without padding; aws-jwt-verify decodes "
     "the signature with Node's lenient base64"},
    {"crit_header",
     "RFC 7515 section 4.1.11: a crit header we do not understand must be "
     "refused; aws-jwt-verify ignores crit"},
    {"exp_huge",
     "docs/contract.md 6.4: exp, iat and nbf outside the years 0000-9999 are refused "
     "(time_out_of_range), never clamped or wrapped; aws-jwt-verify compares 1e300 as a "
     "number, so such a token never expires there"},
    {"deeply_nested_claim",
     "JSON nesting limit (16) against parser abuse; Cognito claims are "
     "flat; aws-jwt-verify uses JSON.parse without a depth limit"},
};

class FixedFetcher final : public JwksFetcher {
 public:
  explicit FixedFetcher(std::string body) : body_(std::move(body)) {}
  std::string fetch() override { return body_; }

 private:
  std::string body_;
};

using test::read_file;

struct Corpus {
  std::vector<std::pair<std::string, std::string>> tokens;
  void add(std::string name, std::string jwt) {
    tokens.emplace_back(std::move(name), std::move(jwt));
  }
};

TEST(JwtDifferential, AgreesWithAwsJwtVerify) {
  const TestRsaKey key1("diff-key-1");
  const TestRsaKey key2("diff-key-2");
  const TestRsaKey impostor("diff-key-1");  // same kid as key1, different key
  const TestRsaKey unknown("diff-key-unknown");
  const std::string jwks = agm::test::jwks_of({&key1, &key2});
  const std::string issuer = cognito_issuer(kRegion, kPool);
  const std::int64_t now = core::to_epoch_seconds(agm::core::SystemClock().now());

  auto claims = [&] { return agm::test::cognito_access_claims(issuer, now); };
  auto with = [&](const char* name, const auto& v) {
    json::object c = claims();
    c[name] = json::value_from(v);
    return c;
  };
  auto without = [&](const char* name) {
    json::object c = claims();
    c.erase(name);
    return c;
  };
  const std::string h1 = rs256_header(key1.kid());
  const std::string payload = json::serialize(claims());
  const std::string good = sign_jwt(key1, claims());
  const std::size_t dot1 = good.find('.');
  const std::size_t dot2 = good.rfind('.');
  const std::string signing_input = good.substr(0, dot2);
  const std::string signature = *core::base64url_decode(good.substr(dot2 + 1));

  Corpus c;
  // Accepted by both.
  c.add("valid", good);
  c.add("valid_second_key", sign_jwt(key2, claims()));
  c.add("valid_nbf_past", sign_jwt(key1, with("nbf", now - 60)));
  c.add("valid_cnf", sign_jwt(key1, with("cnf", json::object{{"x5t#S256", "abcDEF_-"}})));
  c.add("valid_typ_jwt",
        sign_jwt(key1, R"({"typ":"JWT","alg":"RS256","kid":"diff-key-1"})", payload));
  c.add("valid_extra_claims", sign_jwt(key1, with("custom", json::object{{"a", json::array{1}}})));
  c.add("valid_aud_present", sign_jwt(key1, with("aud", "someone")));
  c.add("valid_scope_empty", sign_jwt(key1, with("scope", "")));
  c.add("valid_unicode_claim", sign_jwt(key1, with("note", "Grüße ☃")));
  c.add("valid_exp_fractional", sign_jwt(key1, with("exp", static_cast<double>(now) + 3600.5)));
  c.add("exp_huge", sign_jwt(key1, with("exp", 1e300)));
  // Time.
  c.add("expired", sign_jwt(key1, with("exp", now - 3600)));
  c.add("expired_recently", sign_jwt(key1, with("exp", now - 5)));
  c.add("exp_negative", sign_jwt(key1, with("exp", -1)));
  c.add("exp_string", sign_jwt(key1, with("exp", std::to_string(now + 3600))));
  c.add("exp_bool", sign_jwt(key1, with("exp", true)));
  c.add("exp_missing", sign_jwt(key1, without("exp")));
  c.add("not_yet_valid", sign_jwt(key1, with("nbf", now + 3600)));
  c.add("nbf_string", sign_jwt(key1, with("nbf", "soon")));
  c.add("iat_future", sign_jwt(key1, with("iat", now + 3600)));
  c.add("iat_missing", sign_jwt(key1, without("iat")));
  c.add("iat_string", sign_jwt(key1, with("iat", "then")));
  // Issuer and token use.
  c.add("wrong_issuer", sign_jwt(key1, with("iss", cognito_issuer(kRegion, "eu-central-1_Other"))));
  c.add("wrong_issuer_region", sign_jwt(key1, with("iss", cognito_issuer("eu-west-1", kPool))));
  c.add("wrong_issuer_trailing_slash", sign_jwt(key1, with("iss", issuer + "/")));
  c.add("wrong_issuer_http",
        sign_jwt(key1, with("iss", "http" + issuer.substr(std::string("https").size()))));
  c.add("iss_missing", sign_jwt(key1, without("iss")));
  c.add("iss_number", sign_jwt(key1, with("iss", 42)));
  c.add("id_token", sign_jwt(key1, with("token_use", "id")));
  c.add("token_use_refresh", sign_jwt(key1, with("token_use", "refresh")));
  c.add("token_use_uppercase", sign_jwt(key1, with("token_use", "Access")));
  c.add("token_use_missing", sign_jwt(key1, without("token_use")));
  c.add("scope_absent", sign_jwt(key1, without("scope")));
  c.add("scope_number", sign_jwt(key1, with("scope", 7)));
  c.add("client_id_missing", sign_jwt(key1, without("client_id")));
  c.add("jti_number", sign_jwt(key1, with("jti", 1)));
  c.add("sub_number", sign_jwt(key1, with("sub", 1)));
  // Algorithms.
  c.add("alg_none",
        b64(R"({"alg":"none","kid":"diff-key-1"})") + "." + b64(payload) + "." + b64("sig"));
  c.add("alg_none_empty_signature",
        b64(R"({"alg":"none","kid":"diff-key-1"})") + "." + b64(payload) + ".");
  c.add("alg_none_lowercase_unsigned", b64(R"({"alg":"None"})") + "." + b64(payload) + ".");
  c.add("hs256_public_pem_secret",
        hs256_jwt(key1.public_pem(), R"({"alg":"HS256","kid":"diff-key-1"})", payload));
  c.add("hs256_jwk_json_secret",
        hs256_jwt(json::serialize(key1.jwk()), R"({"alg":"HS256","kid":"diff-key-1"})", payload));
  c.add("alg_rs384_header", sign_jwt(key1, R"({"alg":"RS384","kid":"diff-key-1"})", payload));
  c.add("alg_ps256_header", sign_jwt(key1, R"({"alg":"PS256","kid":"diff-key-1"})", payload));
  c.add("alg_missing", sign_jwt(key1, R"({"kid":"diff-key-1"})", payload));
  c.add("alg_number", sign_jwt(key1, R"({"alg":256,"kid":"diff-key-1"})", payload));
  // Keys.
  c.add("unknown_kid", sign_jwt(unknown, claims()));
  c.add("missing_kid", sign_jwt(key1, R"({"alg":"RS256"})", payload));
  c.add("empty_kid", sign_jwt(key1, R"({"alg":"RS256","kid":""})", payload));
  c.add("kid_number", sign_jwt(key1, R"({"alg":"RS256","kid":1})", payload));
  c.add("kid_of_other_key", sign_jwt(key1, rs256_header(key2.kid()), payload));
  // Keys offered by the token itself (jwk, jku, x5u) are never used: only the pool's JWKS counts.
  c.add("embedded_jwk_unknown_kid", sign_jwt(unknown,
                                             R"({"alg":"RS256","kid":"diff-key-unknown","jwk":)" +
                                                 json::serialize(unknown.jwk()) + "}",
                                             payload));
  c.add("embedded_jwk_known_kid", sign_jwt(unknown,
                                           R"({"alg":"RS256","kid":"diff-key-1","jwk":)" +
                                               json::serialize(unknown.jwk()) + "}",
                                           payload));
  c.add("jku_header", sign_jwt(unknown,
                               R"({"alg":"RS256","kid":"diff-key-unknown",)"
                               R"("jku":"https://attacker.example/jwks.json"})",
                               payload));
  // Signatures.
  c.add("bad_signature_impostor_key", sign_jwt(impostor, claims()));
  c.add("truncated_signature", signing_input + "." + b64(signature.substr(0, 200)));
  c.add("signature_one_byte_short", signing_input + "." + b64(signature.substr(1)));
  c.add("empty_signature", signing_input + ".");
  std::string flipped = signature;
  flipped[100] = static_cast<char>(flipped[100] ^ 0x01);
  c.add("flipped_signature", signing_input + "." + b64(flipped));
  {
    const std::string other = sign_jwt(key1, with("x", 1));
    c.add("swapped_signature", signing_input + other.substr(other.rfind('.')));
  }
  c.add("payload_tampered", good.substr(0, dot1 + 1) +
                                b64(json::serialize(with("client_id", "evil"))) +
                                good.substr(dot2));
  c.add("standard_base64_signature", signing_input + "." + core::base64_encode(signature));
  // Structure.
  c.add("header_not_json", sign_jwt(key1, "{alg:RS256}", payload));
  c.add("header_not_object", sign_jwt(key1, R"(["RS256"])", payload));
  c.add("payload_not_json", sign_jwt(key1, h1, "not json"));
  c.add("payload_not_object", sign_jwt(key1, h1, R"("a string")"));
  c.add("payload_array", sign_jwt(key1, h1, "[1,2,3]"));
  c.add("payload_null", sign_jwt(key1, h1, "null"));
  c.add("extra_segment", good + "." + b64("more"));
  c.add("two_segments", good.substr(0, dot2));
  c.add("one_segment", good.substr(0, dot1));
  c.add("empty_token", "");
  c.add("dots_only", "..");
  c.add("leading_whitespace", " " + good);
  c.add("trailing_newline", good + "\n");
  c.add("inner_whitespace", good.substr(0, dot1) + " " + good.substr(dot1));
  c.add("bearer_prefix", "Bearer " + good);
  {
    json::object big = claims();
    big["padding"] = std::string(20 * 1024, 'x');
    c.add("token_20kb", sign_jwt(key1, big));
  }
  {
    // Header with '=' padding, signed over the padded text (so only the padding differs).
    std::string header_b64 = b64(h1);
    while (header_b64.size() % 4 != 0)
      header_b64 += '=';
    ASSERT_NE(header_b64.find('='), std::string::npos) << "the header needs padding here";
    const std::string input = header_b64 + "." + b64(payload);
    c.add("padded_header_signed", input + "." + b64(key1.sign_rs256(input)));
  }
  c.add("padded_signature", good + "==");
  c.add("crit_header",
        sign_jwt(key1, R"({"alg":"RS256","kid":"diff-key-1","crit":["exp"]})", payload));
  {
    json::value nested = json::array{};
    for (int i = 0; i < 40; ++i) {
      nested = json::array{nested};
    }
    c.add("deeply_nested_claim", sign_jwt(key1, with("nested", nested)));
  }
  // Duplicate member names: JSON.parse keeps the last one.
  c.add("duplicate_iss_last_good", sign_jwt(key1, h1,
                                            R"({"iss":"https://evil.example","iss":")" + issuer +
                                                R"(",)" + payload.substr(1)));
  c.add("duplicate_iss_last_bad",
        sign_jwt(key1, h1, payload.substr(0, payload.size() - 1) + R"(,"iss":"https://evil"})"));

  ASSERT_GE(c.tokens.size(), 40U);

  // Ours.
  FixedFetcher fetcher(jwks);
  const core::SystemClock clock;
  JwksCache cache(fetcher, clock);
  cache.set_jwks(jwks);
  const AccessTokenVerifier verifier(VerifierConfig{kRegion, kPool, std::chrono::seconds(0), 16384},
                                     cache, clock);
  std::map<std::string, VerifyResult> ours;
  for (const auto& [name, jwt] : c.tokens) {
    ours[name] = verifier.verify(jwt);
  }

  // Theirs.
  char dir_template[] = "/tmp/agm_jwt_diff_XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  json::array tokens;
  for (const auto& [name, jwt] : c.tokens) {
    tokens.emplace_back(json::object{{"name", name}, {"jwt", jwt}});
  }
  const json::object corpus{
      {"userPoolId", kPool}, {"jwks", json::parse(jwks)}, {"tokens", std::move(tokens)}};
  std::ofstream(dir + "/corpus.json") << json::serialize(corpus);
  {
    agm::test::ChildProcess node(
        {"node", agm::test::project_root() + "/tests/integration/jwt_diff/verify.mjs",
         dir + "/corpus.json", dir + "/results.json"},
        {}, true, dir + "/node.log");
    const auto status = node.wait_for(std::chrono::seconds(60));
    ASSERT_TRUE(status.has_value()) << "node did not finish";
    ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << "node failed: " << read_file(dir + "/node.log");
  }
  const auto results = core::parse_json(read_file(dir + "/results.json"));
  ASSERT_TRUE(results && results->is_object()) << read_file(dir + "/node.log");

  std::ostringstream table;
  int mismatches = 0;
  int accepted_by_both = 0;
  for (const auto& [name, jwt] : c.tokens) {
    const auto* theirs = results->as_object().if_contains(name);
    ASSERT_NE(theirs, nullptr) << "no result for " << name;
    const bool their_ok = theirs->at("valid").as_bool();
    const std::string their_error(theirs->at("error").as_string());
    const VerifyResult& mine = ours[name];
    const auto expected = kStricterByDesign.find(name);
    bool mismatch = false;
    if (expected != kStricterByDesign.end()) {
      mismatch = mine.ok() || !their_ok;  // the documented difference must be exactly this
    } else {
      mismatch = mine.ok() != their_ok;
    }
    if (mine.ok() && their_ok)
      ++accepted_by_both;
    // Full table in the test log, so a reviewer sees every verdict and reason.
    std::cout << std::left << std::setw(30) << name << " ours="
              << (mine.ok() ? std::string("accept") : std::string(to_string(mine.error)))
              << " theirs=" << (their_ok ? std::string("accept") : their_error.substr(0, 90))
              << "\n";
    if (mismatch) {
      ++mismatches;
      table << std::left << std::setw(30) << name << " ours="
            << (mine.ok() ? std::string("accept")
                          : "refuse(" + std::string(to_string(mine.error)) + ")")
            << " theirs=" << (their_ok ? std::string("accept") : "refuse(" + their_error + ")")
            << (expected != kStricterByDesign.end() ? " [expected: we refuse, they accept]" : "")
            << "\n";
    }
  }
  EXPECT_EQ(mismatches, 0) << "verdicts differ from aws-jwt-verify:\n" << table.str();
  // The corpus is not trivially all-refused: the valid_* tokens pass both.
  EXPECT_GE(accepted_by_both, 11);

  for (const char* f : {"/corpus.json", "/results.json", "/node.log"}) {
    std::remove((dir + f).c_str());
  }
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace agm::oauth
