'use strict';
// node --test tests/infra/clients.test.js: the clients files (clients/<env>.json, docs/contract.md
// section 10) fit the environments they are for. mtlsctl apply is what parses and enforces the
// shape (naming the line and field of a mistake); this checks what only the repository can: every
// deployed environment has its file, each client names scopes its environment's resource server
// has (the tfvars' scopes, and the health scope while GET /health is on), a CSR path points at a
// file in the repository, every deployed environment has the canary client the post-deploy smoke test
// uses, and no secret or private key is in a file.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');

const root = path.resolve(__dirname, '..', '..');
const dir = path.join(root, 'clients');
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const SCOPE = /^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$/;
const KEY_TYPES = ['ec-p256', 'rsa-2048', 'rsa-3072'];

const deployed = fs.readdirSync(path.join(root, 'infra/env')).filter((f) => /^[a-z0-9-]+\.tfvars$/.test(f) && !f.endsWith('.ecr.tfvars')).map((f) => f.replace('.tfvars', '')).sort();

// The short scope names the environment's resource server holds.
async function scopesOf(env) {
  if (env === 'local') {
    const routes = JSON.parse(fs.readFileSync(path.join(root, 'local/routes.tfvars.json'), 'utf8'));
    return new Set(['health.read', ...Object.keys(routes.scopes || {})]);
  }
  const vars = await hcl.parse(`${env}.tfvars`, fs.readFileSync(path.join(root, `infra/env/${env}.tfvars`), 'utf8'));
  const health = vars.health_route_enabled === false ? [] : [vars.health_scope || 'health.read'];
  return new Set([...health, ...Object.keys(vars.scopes || {})]);
}

// The shape of section 10 (and the optional access_token_validity_minutes, revoked_canary): one
// problem a line.
function problems(file, doc) {
  const out = [];
  const top = Object.keys(doc);
  if (top.length !== 1 || top[0] !== 'clients' || typeof doc.clients !== 'object' || Array.isArray(doc.clients)) {
    return ['the file holds exactly one object, "clients"'];
  }
  for (const [name, c] of Object.entries(doc.clients)) {
    const at = `clients.${name}`;
    if (!NAME.test(name)) out.push(`${at}: a name is 1-64 lowercase letters, digits and inner hyphens (an app client name, an SSM path segment, a tag value)`);
    for (const k of Object.keys(c)) if (!['scopes', 'certificate', 'access_token_validity_minutes', 'revoked_canary'].includes(k)) out.push(`${at}.${k}: unknown field`);
    if (c.revoked_canary !== undefined && typeof c.revoked_canary !== 'boolean') out.push(`${at}.revoked_canary: true or false`);
    if (c.revoked_canary === true && doc.clients[`${name}-revoked`]) out.push(`clients.${name}-revoked: the name is taken by ${at}.revoked_canary`);
    if (!Array.isArray(c.scopes) || c.scopes.length === 0 || new Set(c.scopes).size !== c.scopes.length || !c.scopes.every((s) => typeof s === 'string' && SCOPE.test(s))) {
      out.push(`${at}.scopes: a non-empty list of distinct short scope names`);
    }
    const v = c.access_token_validity_minutes;
    if (v !== undefined && !(Number.isInteger(v) && v >= 5 && v <= 1440)) out.push(`${at}.access_token_validity_minutes: 5-1440`);
    const cert = c.certificate || {};
    const kinds = Object.keys(cert);
    if (kinds.length !== 1 || !['generate', 'csr'].includes(kinds[0])) {
      out.push(`${at}.certificate: exactly one of "generate" and "csr"`);
      continue;
    }
    if (kinds[0] === 'generate') {
      const g = cert.generate;
      for (const k of Object.keys(g)) if (!['key_type', 'days'].includes(k)) out.push(`${at}.certificate.generate.${k}: unknown field`);
      if (g.key_type !== undefined && !KEY_TYPES.includes(g.key_type)) out.push(`${at}.certificate.generate.key_type: one of ${KEY_TYPES.join(', ')}`);
      if (g.days !== undefined && !(Number.isInteger(g.days) && g.days >= 1 && g.days <= 3650)) out.push(`${at}.certificate.generate.days: 1-3650`);
    } else {
      const csr = cert.csr;
      const resolved = typeof csr === 'string' ? path.resolve(path.dirname(file), csr) : '';
      if (typeof csr !== 'string' || path.isAbsolute(csr) || !resolved.startsWith(`${dir}${path.sep}`)) {
        out.push(`${at}.certificate.csr: a path relative to the file, inside clients/`);
      } else if (!fs.existsSync(resolved) || !fs.readFileSync(resolved, 'utf8').includes('-----BEGIN CERTIFICATE REQUEST-----')) {
        out.push(`${at}.certificate.csr: ${csr} is not a PEM certificate request in the repository`);
      }
    }
  }
  return out;
}

test('every deployed environment has its clients file', () => {
  assert.ok(deployed.includes('sandbox') && deployed.includes('prod'), deployed.join(','));
  for (const env of deployed) assert.ok(fs.existsSync(path.join(dir, `${env}.json`)), `clients/${env}.json is missing`);
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const env = f.replace('.json', '');
    assert.ok(env === 'local' || deployed.includes(env), `clients/${f} has no environment (infra/env/${env}.tfvars)`);
  }
});

for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort() : []) {
  test(`clients/${f}: the contract's shape, scopes of its environment, a canary, no secrets`, async () => {
    const file = path.join(dir, f);
    const text = fs.readFileSync(file, 'utf8');
    const doc = JSON.parse(text);
    assert.deepStrictEqual(problems(file, doc), []);
    const scopes = await scopesOf(f.replace('.json', ''));
    for (const [name, c] of Object.entries(doc.clients)) {
      for (const s of c.scopes) assert.ok(scopes.has(s), `${f}: ${name} names the scope ${s}, which its environment does not define (${[...scopes].join(', ')})`);
    }
    // The post-deploy smoke test (issue 18) gets a token and calls GET /health as this client.
    if (f !== 'local.json' && scopes.has('health.read')) assert.deepStrictEqual(doc.clients.canary && doc.clients.canary.scopes, ['health.read'], `${f}: no canary client`);
    assert.doesNotMatch(text, /secret|PRIVATE KEY|-----BEGIN CERTIFICATE-----/i, `${f}: a secret, key or certificate in the file`);
  });
}

test('the shape check refuses what the contract does not allow', () => {
  const file = path.join(dir, 'x.json');
  const bad = {
    clients: {
      'Bad_Name': { scopes: ['health.read'], certificate: { generate: {} } },
      ok: { scopes: [], certificate: { generate: { key_type: 'dsa', days: 0 }, csr: 'a.csr' } },
      csr: { scopes: ['a'], certificate: { csr: '../../etc/passwd' }, secret: 'x' },
      ttl: { scopes: ['a'], access_token_validity_minutes: 2, certificate: { csr: 'csr/missing.csr' } },
      canary: { scopes: ['a'], certificate: { generate: {} }, revoked_canary: true },
      'canary-revoked': { scopes: ['a'], certificate: { generate: {} }, revoked_canary: 'yes' },
    },
  };
  assert.deepStrictEqual(problems(file, bad).map((p) => p.split(':')[0]), [
    'clients.Bad_Name',
    'clients.ok.scopes',
    'clients.ok.certificate',
    'clients.csr.secret',
    'clients.csr.certificate.csr',
    'clients.ttl.access_token_validity_minutes',
    'clients.ttl.certificate.csr',
    'clients.canary-revoked',
    'clients.canary-revoked.revoked_canary',
  ]);
  assert.deepStrictEqual(problems(file, { clients: {}, other: 1 }), ['the file holds exactly one object, "clients"']);
});
