'use strict';
// node --test tests/infra/troubleshooting-docs.test.js: docs/troubleshooting.md has a row for every
// reason the functions log (mtls::Reason's names in src/mtls/reason.cpp, the token function's in
// src/functions/token/handler.cpp), every symptom the issue names, and docs/observability.md every
// metric of src/metrics/metrics.hpp; the access log carries the fields the page queries.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
const doc = read('docs/troubleshooting.md');
const names = (text) => [...text.matchAll(/case Reason::k\w+:\s*return "(\w+)";/g)].map((m) => m[1]);

test('every deny reason has a row: cause and fix', () => {
  const reasons = names(read('src/mtls/reason.cpp'));
  assert.ok(reasons.length >= 40, `only ${reasons.length} reasons parsed`);
  const table = doc.slice(doc.indexOf('## Deny reasons'));
  for (const r of reasons) assert.match(table, new RegExp(`^\\| \`${r}\` \\| [^|]+ \\| [^|]+ \\|$`, 'm'), r);
});

test('every token outcome is described', () => {
  for (const r of names(read('src/functions/token/handler.cpp'))) assert.ok(doc.includes(`\`${r}\``), r);
});

test('every symptom the issue names has a row', () => {
  for (const s of [/TLS handshake fails/, /^\| 401 /m, /^\| 403 /m, /^\| 429 /m, /^\| 503 /m, /invalid_client` from Cognito/]) assert.match(doc, s);
});

test('the metrics page lists every metric the functions emit, and the README links both pages', () => {
  const header = read('src/metrics/metrics.hpp');
  const page = read('docs/observability.md');
  for (const m of header.matchAll(/\{"(\w+)", Unit::k\w+\}/g)) if (m[1] !== 'Name') assert.match(page, new RegExp(`^\\| \`${m[1]}\` \\|`, 'm'), m[1]);
  const readme = read('README.md');
  assert.ok(readme.includes('(docs/troubleshooting.md)') && readme.includes('(docs/observability.md)'));
});

test('the access log has the fields the page tells operators to query', () => {
  const tf = read('infra/modules/http_api/main.tf');
  for (const field of ['requestId', 'status', 'routeKey', 'clientCertSerialNumber', 'authorizerError', 'authorizerCertThumbprint', 'authorizerReason', 'errorResponseType']) {
    assert.match(tf, new RegExp(`^\\s+${field}\\s+= "\\$context\\.`, 'm'), field);
    assert.ok(doc.includes(field), `docs/troubleshooting.md does not mention ${field}`);
  }
  assert.match(tf, /authorizerCertThumbprint\s+= "\$context\.authorizer\.cert_thumbprint"/);
  // The authorizer's deny carries its reason's name in the context (src/functions/authorizer).
  assert.match(tf, /authorizerReason\s+= "\$context\.authorizer\.reason"/);
  assert.ok(read('src/functions/authorizer/handler.cpp').includes('response.context["reason"]'));
});
