'use strict';
// A stand-in for mtlsctl, for tests/infra/pki-scripts.test.js: the PKI workflows' scripts
// (scripts/ci/ca-bootstrap, client-provision, ca-rotate) run against it. It knows exactly the
// command lines of the specification the workflows were written to (docs/operations.md, and the
// list in the issue 17 report): an unknown command or flag, a missing required flag or a value of
// the wrong form is a usage error (exit 2), so a script cannot call a command line that mtlsctl
// is not specified to take. Its behaviour is the specification's, on a small model of the store,
// the registry and the clients kept in a JSON file ($FAKE_STATE):
//   { ca: null | { root, intermediate, previous, root_key: "ssm"|"offline" },
//     truststore: [subjects] | null, clients: { name: { issuer } }, records: [registry records],
//     calls: [{ argv, env: { NAME: true } }], fail: { command: "message" }, leak: false }
//
// Usage (through a wrapper named mtlsctl on PATH, or MTLSCTL): node fake-mtlsctl.js args...

const fs = require('fs');

const stateFile = process.env.FAKE_STATE;
const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
const argv = process.argv.slice(2);
// Which settings the call had (never their values: a secret must not land in the state file).
const seen = ['MTLSCTL_STORE', 'MTLSCTL_CLIENTS_STORE', 'MTLSCTL_KMS_KEY_ID', 'MTLSCTL_TOKEN_URL', 'CERT_TABLE_NAME',
  'COGNITO_USER_POOL_ID', 'MTLSCTL_ROOT_KEY_PASSPHRASE', 'MTLSCTL_RESOURCE_SERVER'];
state.calls.push({ argv, env: Object.fromEntries(seen.filter((k) => process.env[k]).map((k) => [k, true])) });

function save() {
  fs.writeFileSync(stateFile, JSON.stringify(state, null, 1));
}
function done(text = '', code = 0) {
  save();
  if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  process.exit(code);
}
function fail(message, code = 1) {
  save();
  process.stderr.write(`mtlsctl: ${message}\n`);
  process.exit(code);
}

const STORE = /^(ssm:(\/[A-Za-z0-9_.-]+)+|dir:.+)$/;
const DAYS = /^[1-9][0-9]*$/;
const DURATION = /^[1-9][0-9]*[dh]$/;
const REASONS = ['unspecified', 'key-compromise', 'ca-compromise', 'affiliation-changed', 'superseded', 'cessation-of-operation', 'privilege-withdrawn', 'aa-compromise'];
const v = (re) => ({ value: re });
const f = { flag: true };
// The command lines the workflows use, with every flag the specification gives them.
const SPEC = {
  'ca status': { flags: { '--store': v(STORE), '--json': f }, required: ['--store'] },
  'ca init': {
    flags: { '--store': v(STORE), '--name': v(/^.{1,64}$/), '--key-type': v(/^(ec-p256|rsa-2048|rsa-3072)$/), '--days': v(DAYS), '--intermediate-days': v(DAYS),
      '--root-key-out': v(/./), '--root-key-in-ssm': f, '--kms-key-id': v(/./), '--force': f, '--insecure-no-passphrase': f, '--json': f },
    required: ['--store'],
  },
  'ca truststore': { flags: { '--store': v(STORE), '--parameter': v(/^(\/[A-Za-z0-9_.-]+)+$/), '--kms-key-id': v(/./), '--dry-run': f, '--json': f }, required: ['--store', '--parameter'] },
  'ca rotate-intermediate': {
    flags: { '--store': v(STORE), '--root-key-in': v(/./), '--days': v(DAYS), '--key-type': v(/^(ec-p256|rsa-2048|rsa-3072)$/), '--kms-key-id': v(/./), '--dry-run': f, '--json': f },
    required: ['--store'],
  },
  'ca retire-intermediate': { flags: { '--store': v(STORE), '--kms-key-id': v(/./), '--revoke-superseded': f, '--dry-run': f, '--json': f }, required: ['--store'] },
  apply: {
    flags: { '--file': v(/\.json$/), '--dry-run': f, '--renew-within': v(/^[0-9]+$/), '--json': f, '--store': v(STORE), '--clients-store': v(STORE),
      '--kms-key-id': v(/./), '--token-url': v(/^https?:\/\//) },
    required: ['--file'],
  },
  'client list': { flags: { '--client-id': v(/./), '--status': v(/^(ACTIVE|SUSPENDED|REVOKED)$/), '--expiring-within': v(DURATION), '--json': f, '--table': v(/./) } },
  'client revoke': { flags: { '--cert': v(/./), '--thumbprint': v(/^[0-9a-fA-F:]+$/), '--reason': v(new RegExp(`^(${REASONS.join('|')})$`)), '--json': f } },
};

if (argv.length === 1 && argv[0] === '--version') done('mtlsctl 0.0.0-dev');
const name = SPEC[argv.slice(0, 2).join(' ')] ? argv.slice(0, 2).join(' ') : SPEC[argv[0]] ? argv[0] : null;
if (!name) fail(`usage: unknown command ${argv.slice(0, 2).join(' ')}`, 2);
const spec = SPEC[name];
const opts = {};
for (let i = name.split(' ').length; i < argv.length; i++) {
  const flag = argv[i];
  const s = spec.flags[flag];
  if (!s) fail(`usage: ${name}: unknown option ${flag}`, 2);
  if (s.flag) {
    opts[flag] = true;
  } else {
    const value = argv[++i];
    if (value === undefined || !s.value.test(value)) fail(`usage: ${name}: ${flag} needs a value like ${s.value}`, 2);
    opts[flag] = value;
  }
}
for (const r of spec.required || []) if (opts[r] === undefined) fail(`usage: ${name}: ${r} is required`, 2);
if (state.fail && state.fail[name]) fail(state.fail[name]);

// Where the store is: the flag, then the setting, as mtlsctl resolves it.
const store = opts['--store'] || process.env.MTLSCTL_STORE;
const kmsNeeded = () => {
  if (store.startsWith('ssm:') && !(opts['--kms-key-id'] || process.env.MTLSCTL_KMS_KEY_ID)) fail(`usage: ${name}: --kms-key-id (or MTLSCTL_KMS_KEY_ID) is required to write ${store}`, 2);
};
const cert = (subject, serial) => ({ subject, serial_number: serial, not_after: '2036-01-01T00:00:00Z' });
const ca = state.ca;
const current = () => ca.intermediate.subject;

switch (name) {
  case 'ca status':
    done(JSON.stringify({ store, exists: !!ca, root: ca ? ca.root : null, intermediate: ca ? ca.intermediate : null,
      previous_intermediate: ca ? ca.previous : null, root_key: ca ? ca.root_key : null }));
    break;
  case 'ca init': {
    if (ca && !opts['--force']) fail(`a CA exists at ${store} (--force replaces it)`);
    if (store.startsWith('ssm:') && !!opts['--root-key-out'] === !!opts['--root-key-in-ssm']) fail('usage: ca init: give one of --root-key-out FILE and --root-key-in-ssm', 2);
    kmsNeeded();
    if (opts['--root-key-out']) {
      if (!process.env.MTLSCTL_ROOT_KEY_PASSPHRASE) fail('usage: ca init: --root-key-out needs MTLSCTL_ROOT_KEY_PASSPHRASE', 2);
      fs.writeFileSync(opts['--root-key-out'], '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIfake\n-----END ENCRYPTED PRIVATE KEY-----\n', { mode: 0o600 });
    }
    const n = opts['--name'] || 'mtlsctl';
    state.ca = { root: cert(`CN=${n} Root CA`, '01'), intermediate: cert(`CN=${n} Intermediate CA`, '02'), previous: null,
      root_key: opts['--root-key-in-ssm'] ? 'ssm' : 'offline' };
    state.clients = {};
    done(JSON.stringify({ store, root: state.ca.root, intermediate: state.ca.intermediate,
      root_key: opts['--root-key-in-ssm'] ? `${store}/root-ca.key` : `file:${opts['--root-key-out']}`, parameters: 3 }));
    break;
  }
  case 'ca truststore': {
    if (!ca) fail(`no CA at ${store}`);
    kmsNeeded();
    const subjects = [ca.root.subject, ca.intermediate.subject, ...(ca.previous ? [ca.previous.subject] : [])];
    const changed = JSON.stringify(state.truststore) !== JSON.stringify(subjects);
    if (!opts['--dry-run'] && changed) state.truststore = subjects;
    const tier = subjects.length > 2 ? 'Advanced' : 'Standard';
    if (opts['--json']) done(JSON.stringify({ parameter: opts['--parameter'], tier, certificates: subjects.length, changed }));
    done(`${opts['--dry-run'] ? 'would write' : changed ? 'wrote' : 'unchanged'} ${opts['--parameter']}: ${subjects.join(', ')} (${tier} tier)`);
    break;
  }
  case 'ca rotate-intermediate': {
    if (!ca) fail(`no CA at ${store}`);
    if (ca.previous) fail(`an intermediate rotation is under way (${ca.previous.subject} is still in the store): finish it with ca retire-intermediate`);
    if (ca.root_key !== 'ssm' && !opts['--root-key-in']) fail(`the root key is not in ${store}: run ca rotate-intermediate --root-key-in FILE where the root key is`);
    kmsNeeded();
    const next = cert(`${current()} G${(state.generation || 1) + 1}`, `0${(state.generation || 1) + 2}`);
    const reissue = Object.keys(state.clients).length;
    if (opts['--dry-run']) done(`create intermediate ${next.subject}\nkeep ${current()} until ca retire-intermediate\n${reissue} client certificate(s) to re-issue (mtlsctl apply)`);
    state.generation = (state.generation || 1) + 1;
    ca.previous = ca.intermediate;
    ca.intermediate = next;
    done(`created intermediate ${next.subject}\nkept ${ca.previous.subject} until ca retire-intermediate`);
    break;
  }
  case 'ca retire-intermediate': {
    if (!ca) fail(`no CA at ${store}`);
    if (!ca.previous) done('no intermediate to retire');
    kmsNeeded();
    const old = ca.previous.subject;
    const active = state.records.filter((r) => r.status === 'ACTIVE' && r.issuer_dn === old);
    const lines = [];
    let left = active;
    if (opts['--revoke-superseded']) {
      const replaced = (r) => state.records.some((x) => x.client === r.client && x.status === 'ACTIVE' && x.issuer_dn === current());
      for (const r of active.filter(replaced)) {
        lines.push(`revoke ${r.client} ${r.thumbprint} (superseded)`);
        if (!opts['--dry-run']) r.status = 'REVOKED';
      }
      left = active.filter((r) => !replaced(r));
    }
    if (left.length > 0) fail(`${left.length} ACTIVE certificate(s) still chain to ${old}: ${left.map((r) => r.client).join(', ')}`);
    lines.push(`retire intermediate ${old}`);
    if (!opts['--dry-run']) ca.previous = null;
    done(lines.join('\n'));
    break;
  }
  case 'apply': {
    let doc;
    try {
      doc = JSON.parse(fs.readFileSync(opts['--file'], 'utf8'));
    } catch (e) {
      fail(`${opts['--file']}: ${e.message}`, 2);
    }
    for (const k of ['CERT_TABLE_NAME', 'COGNITO_USER_POOL_ID']) if (!process.env[k]) fail(`usage: apply: ${k} is not set`, 2);
    if (!opts['--dry-run']) {
      kmsNeeded();
      if (!process.env.MTLSCTL_TOKEN_URL && !opts['--token-url']) fail('usage: apply: --token-url (or MTLSCTL_TOKEN_URL) is required', 2);
    }
    if (!ca) fail(`no CA at ${store}`);
    const plan = [];
    for (const client of Object.keys(doc.clients)) {
      const had = state.clients[client];
      if (!had) plan.push(`create ${client}`, `issue ${client}`, `register ${client}`);
      else if (had.issuer !== current()) plan.push(`rotate ${client} (issued by ${had.issuer})`);
    }
    for (const client of Object.keys(state.clients)) if (!doc.clients[client]) plan.push(`revoke ${client}`);
    if (state.leak) plan.push('create x {"client_secret":"s3cr3t"}');
    if (!opts['--dry-run']) {
      for (const client of Object.keys(doc.clients)) {
        const had = state.clients[client];
        if (!had || had.issuer !== current()) {
          state.records.push({ client, status: 'ACTIVE', issuer_dn: current(), thumbprint: `${client}-${current().length}` });
          state.clients[client] = { issuer: current() };
        }
      }
      for (const client of Object.keys(state.clients)) if (!doc.clients[client]) delete state.clients[client];
    }
    done(plan.length ? plan.join('\n') : 'no changes');
    break;
  }
  case 'client list': {
    let rows = state.records;
    if (opts['--status']) rows = rows.filter((r) => r.status === opts['--status']);
    done(opts['--json'] ? JSON.stringify(rows) : rows.map((r) => `${r.thumbprint} ${r.client} ${r.status}`).join('\n'));
    break;
  }
  default:
    fail(`fake: ${name} has no behaviour`, 99);
}
