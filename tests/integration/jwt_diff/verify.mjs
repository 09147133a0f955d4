// Verifies every token of a corpus with aws-jwt-verify (AWS's own JWT verifier, from npm) so the
// C++ test can compare its verdicts with ours.
//
// usage: node verify.mjs <corpus.json> <results.json>
//   corpus.json:  {"userPoolId": "...", "jwks": {"keys": [...]}, "tokens": [{"name", "jwt"}]}
//   results.json: {"<name>": {"valid": true|false, "error": "<ErrorClass>: <message>"}}
//
// The JWKS is loaded with cacheJwks and tokens are checked with verifySync, so nothing is fetched:
// an unknown kid is refused from the cache (KidNotFoundInJwksError), as the C++ side refuses it.
import { readFileSync, writeFileSync } from "node:fs";
import { CognitoJwtVerifier } from "aws-jwt-verify";

const [corpusPath, resultsPath] = process.argv.slice(2);
if (!corpusPath || !resultsPath) {
  console.error("usage: node verify.mjs <corpus.json> <results.json>");
  process.exit(2);
}
const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));

// clientId null: the C++ verifier does not compare client_id (the authorizer compares it with the
// registry record instead). graceSeconds 0, as CLOCK_SKEW_SECONDS defaults to 0.
const verifier = CognitoJwtVerifier.create({
  userPoolId: corpus.userPoolId,
  tokenUse: "access",
  clientId: null,
  graceSeconds: 0,
});
verifier.cacheJwks(corpus.jwks);

const results = {};
for (const { name, jwt } of corpus.tokens) {
  try {
    verifier.verifySync(jwt);
    results[name] = { valid: true, error: "" };
  } catch (err) {
    results[name] = { valid: false, error: `${err?.name ?? "Error"}: ${err?.message ?? err}` };
  }
}
writeFileSync(resultsPath, JSON.stringify(results, null, 1));
