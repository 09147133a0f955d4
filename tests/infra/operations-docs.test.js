'use strict';
// node --test tests/infra/operations-docs.test.js: docs/operations.md covers what issue 17 asks of
// it (bootstrap, onboarding, rotation, revocation, CRLs, the IAM of each role, where the root key
// lives, a compromised CA key), names every mtlsctl command the PKI workflows run (the command
// lines tests/infra/ci/fake-mtlsctl.js takes), only workflows that exist, and RFC 5280's
// revocation reasons as the CLI takes them.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const doc = fs.readFileSync(path.join(root, 'docs/operations.md'), 'utf8');
const fake = fs.readFileSync(path.join(__dirname, 'ci/fake-mtlsctl.js'), 'utf8');

test('the sections the issue asks for are there', () => {
  const headings = [...doc.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]);
  for (const h of [/Create the CA/, /Where the root key lives/, /Onboard a client/, /Client certificates/, /The intermediate CA/,
    /Suspend, resume, revoke/, /CRLs/, /The IAM each role needs/, /When a key is compromised/, /The intermediate's key/, /The root key/, /Migrating/]) {
    assert.ok(headings.some((x) => h.test(x)), `no section ${h}`);
  }
  // The three roles of the PKI, and the trade-off of the root key's two places.
  for (const role of ['CA operator', 'planner', "a client's own role"]) assert.match(doc, new RegExp(`\\| ${role}`), role);
  assert.match(doc, /`root_key=ssm` \(`--root-key-in-ssm`\) \| `root_key=offline` \(`--root-key-out FILE`\)/);
});

test('every mtlsctl command the PKI workflows run is described', () => {
  const commands = [...fake.matchAll(/^ {2}'([a-z -]+)': \{/gm), ...fake.matchAll(/^ {2}(apply): \{/gm)].map((m) => m[1]);
  assert.ok(commands.length >= 8, commands.join(', '));
  for (const c of commands) assert.ok(doc.includes(`mtlsctl ${c}`), `docs/operations.md does not show \`mtlsctl ${c}\``);
});

test('the revocation reasons are RFC 5280\'s, the same list the CLI takes', () => {
  const m = /const REASONS = \[([^\]]+)\]/.exec(fake);
  const cli = m[1].split(',').map((s) => s.trim().replace(/'/g, ''));
  // RFC 5280 section 5.3.1, without certificateHold (client suspend) and removeFromCRL (delta CRLs only).
  assert.deepStrictEqual(cli, ['unspecified', 'key-compromise', 'ca-compromise', 'affiliation-changed', 'superseded', 'cessation-of-operation', 'privilege-withdrawn', 'aa-compromise']);
  const section = doc.slice(doc.indexOf('## 5. Suspend'), doc.indexOf('## 6. CRLs'));
  for (const r of cli) assert.ok(section.includes(`\`${r}\``), r);
  // No reason outside the list is used anywhere on the page.
  for (const used of doc.matchAll(/--reason ([a-z-]+)/g)) assert.ok(cli.includes(used[1]), used[1]);
});

test('the workflows the page names exist', () => {
  const workflows = fs.readdirSync(path.join(root, '.github/workflows'));
  for (const m of doc.matchAll(/\b([a-z-]+\.yml)\b/g)) assert.ok(workflows.includes(m[1]), m[1]);
});
