#!/usr/bin/env node
// Verifies a Cognito access token with AWS's own aws-jwt-verify, against a JWKS fetched from the
// Cognito emulator (the differential check that the emulator's tokens are what Cognito issues).
// usage: node verify_token.cjs USER_POOL_ID CLIENT_ID JWKS_URL TOKEN [SCOPE]
// Exit 0 and the payload as JSON on stdout when valid; exit 1 and the error on stderr otherwise.
'use strict';
const path = require('path');
const { CognitoJwtVerifier } = require(
  path.join(__dirname, '..', '..', '..', 'node_modules', 'aws-jwt-verify'));

async function main() {
  const [userPoolId, clientId, jwksUrl, token, scope] = process.argv.slice(2);
  if (!userPoolId || !clientId || !jwksUrl || !token) {
    console.error('usage: verify_token.cjs USER_POOL_ID CLIENT_ID JWKS_URL TOKEN [SCOPE]');
    process.exit(2);
  }
  const res = await fetch(jwksUrl);
  if (res.status !== 200) throw new Error(`JWKS fetch: HTTP ${res.status}`);
  const jwks = await res.json();
  const options = { userPoolId, tokenUse: 'access', clientId };
  if (scope) options.scope = scope;
  const verifier = CognitoJwtVerifier.create(options);
  verifier.cacheJwks(jwks);
  const payload = await verifier.verify(token);
  process.stdout.write(JSON.stringify(payload) + '\n');
}

main().catch((err) => {
  console.error(`${err.name}: ${err.message}`);
  process.exit(1);
});
