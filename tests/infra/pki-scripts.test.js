'use strict';
// node --test tests/infra/pki-scripts.test.js: the scripts the PKI and release workflows run
// (scripts/ci/pki-env, ca-bootstrap, client-provision, ca-rotate, changed-client-envs,
// build-mtlsctl, release-mtlsctl), run for real against stand-ins: mtlsctl
// (tests/infra/ci/fake-mtlsctl.js, which takes only the command lines of the specification),
// aws and gh (tests/infra/ci/fake-cli.js), cmake, readelf and uname. Checked: what each step does
// on a fresh and on an existing CA, that a rerun finishes an interrupted step, that dry runs
// change nothing, that bad input stops a script before it calls anything, and that no secret
// reaches a command line, a log or a pull request comment.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const PREFIX = 'mtls-sandbox';
const SETTINGS = {
  CERT_TABLE_NAME: `${PREFIX}-cert-registry`,
  COGNITO_USER_POOL_ID: 'eu-west-1_AbCdEf123',
  MTLSCTL_STORE: `ssm:/${PREFIX}/pki`,
  MTLSCTL_CLIENTS_STORE: `ssm:/${PREFIX}/clients`,
  MTLSCTL_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  MTLSCTL_TOKEN_URL: 'https://api.sandbox.example.com/token',
  MTLSCTL_RESOURCE_SERVER: 'mtls-api',
  MTLSCTL_TRUSTSTORE_PARAMETER: `/${PREFIX}/truststore`,
};
const PASSPHRASE = 'correct horse battery staple 42';

class Fake {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pki-scripts-'));
    this.bin = path.join(this.dir, 'bin');
    fs.mkdirSync(this.bin);
    const wrap = (name, target, ...pre) => {
      fs.writeFileSync(path.join(this.bin, name), `#!/bin/sh\nexec "${process.execPath}" "${target}" ${pre.join(' ')} "$@"\n`);
      fs.chmodSync(path.join(this.bin, name), 0o755);
    };
    wrap('mtlsctl', path.join(__dirname, 'ci', 'fake-mtlsctl.js'));
    for (const cmd of ['aws', 'gh']) wrap(cmd, path.join(__dirname, 'ci', 'fake-cli.js'), cmd);
    this.file = path.join(this.dir, 'state.json');
    this.state = { ca: null, truststore: null, clients: {}, records: [], calls: [], fail: {}, leak: false, params: {}, repos: {} };
  }

  run(script, env = {}, args = [], cwd = root) {
    fs.writeFileSync(this.file, JSON.stringify(this.state));
    const githubEnv = path.join(this.dir, 'github_env');
    const r = spawnSync(path.join(cwd, 'scripts/ci', script), args, {
      encoding: 'utf8',
      cwd,
      env: {
        PATH: `${this.bin}:${process.env.PATH}`, HOME: this.dir, FAKE_STATE: this.file, MTLSCTL: path.join(this.bin, 'mtlsctl'),
        GITHUB_OUTPUT: path.join(this.dir, 'github_output'), GITHUB_STEP_SUMMARY: path.join(this.dir, 'summary'), ...env,
      },
    });
    this.state = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    this.calls = this.state.calls;
    this.state.calls = [];
    this.allCalls = (this.allCalls || []).concat(this.calls);
    r.output = `${r.stdout}${r.stderr}`;
    r.summary = fs.existsSync(path.join(this.dir, 'summary')) ? fs.readFileSync(path.join(this.dir, 'summary'), 'utf8') : '';
    r.githubOutput = fs.existsSync(path.join(this.dir, 'github_output')) ? fs.readFileSync(path.join(this.dir, 'github_output'), 'utf8') : '';
    r.githubEnv = fs.existsSync(githubEnv) ? fs.readFileSync(githubEnv, 'utf8') : '';
    for (const f of ['summary', 'github_output']) fs.rmSync(path.join(this.dir, f), { force: true });
    return r;
  }

  // The mtlsctl commands of the last run, as "group command" strings.
  commands() {
    return this.calls.filter((c) => c.argv).map((c) => c.argv.slice(0, c.argv[0] === 'apply' ? 1 : 2).join(' '));
  }

  cleanup() {
    // No call of any test asked mtlsctl to print a secret.
    for (const c of this.allCalls || []) {
      const argv = Array.isArray(c) ? c : c.argv;
      assert.ok(!argv.includes('--show-secret'), argv.join(' '));
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const fake = (t) => {
  const f = new Fake();
  t.after(() => f.cleanup());
  return f;
};
const withCa = (f, rootKey = 'ssm') => {
  f.state.ca = {
    root: { subject: 'CN=x Root CA', serial_number: '01', not_after: '2036-01-01T00:00:00Z' },
    intermediate: { subject: 'CN=x Intermediate CA', serial_number: '02', not_after: '2031-01-01T00:00:00Z' },
    previous: null, root_key: rootKey,
  };
  f.state.truststore = ['CN=x Root CA', 'CN=x Intermediate CA'];
  return f;
};
const opt = (argv, name) => argv[argv.indexOf(name) + 1];

// --- pki-env -------------------------------------------------------------------------------------

test('pki-env exports the settings Terraform wrote, checked name by name and value by value', (t) => {
  const f = fake(t);
  f.state.params[`/${PREFIX}/mtlsctl/settings`] = JSON.stringify(SETTINGS);
  const githubEnv = path.join(f.dir, 'github_env');
  let r = f.run('pki-env', { NAME_PREFIX: PREFIX, GITHUB_ENV: githubEnv });
  assert.strictEqual(r.status, 0, r.output);
  assert.deepStrictEqual(r.githubEnv.trim().split('\n').sort(), Object.entries(SETTINGS).map(([k, v]) => `${k}=${v}`).sort());
  fs.rmSync(githubEnv);
  r = f.run('pki-env', { NAME_PREFIX: PREFIX });
  assert.match(r.stdout, /^export MTLSCTL_STORE=ssm:\/mtls-sandbox\/pki$/m);
});

test('pki-env refuses a missing, foreign or malformed settings parameter, and bad input before any call', (t) => {
  const f = fake(t);
  let r = f.run('pki-env', { NAME_PREFIX: PREFIX });
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /does not exist: deploy the environment first/);
  const cases = [
    [{ ...SETTINGS, MTLSCTL_TOKEN_URL: 'https://x/token\nAWS_SECRET_ACCESS_KEY=stolen' }, /MTLSCTL_TOKEN_URL has an unexpected value/],
    [{ ...SETTINGS, MTLSCTL_STORE: 'ssm:/mtls-prod/pki' }, /MTLSCTL_STORE has an unexpected value/],
    [{ ...SETTINGS, LD_PRELOAD: '/tmp/x.so' }, /LD_PRELOAD is not a setting mtlsctl reads/],
    [{ ...SETTINGS, CERT_TABLE_NAME: undefined }, /has no CERT_TABLE_NAME/],
    [['not', 'an', 'object'], /not a JSON object of strings/],
  ];
  for (const [value, message] of cases) {
    f.state.params[`/${PREFIX}/mtlsctl/settings`] = JSON.stringify(value);
    r = f.run('pki-env', { NAME_PREFIX: PREFIX, GITHUB_ENV: path.join(f.dir, 'github_env') });
    assert.strictEqual(r.status, 1, r.output);
    assert.match(r.stderr, message);
    assert.strictEqual(r.githubEnv, '', 'a setting was exported from a parameter that was refused');
  }
  r = f.run('pki-env', { NAME_PREFIX: 'Bad;rm' });
  assert.strictEqual(r.status, 2);
  assert.deepStrictEqual(f.calls, []);
});

// --- ca-bootstrap --------------------------------------------------------------------------------

const BOOT = { ...SETTINGS, NAME_PREFIX: PREFIX, ROOT_KEY: 'ssm' };

test('ca-bootstrap creates the CA once in SSM (root key in SSM) and writes the truststore', (t) => {
  const f = fake(t);
  const r = f.run('ca-bootstrap', BOOT);
  assert.strictEqual(r.status, 0, r.output);
  assert.deepStrictEqual(f.commands(), ['ca status', 'ca init', 'ca truststore']);
  const init = f.calls[1].argv;
  assert.strictEqual(opt(init, '--store'), `ssm:/${PREFIX}/pki`);
  assert.strictEqual(opt(init, '--kms-key-id'), SETTINGS.MTLSCTL_KMS_KEY_ID);
  assert.strictEqual(opt(init, '--name'), `${PREFIX} mTLS`);
  assert.ok(init.includes('--root-key-in-ssm') && !init.includes('--force'));
  assert.deepStrictEqual(f.state.truststore, [`CN=${PREFIX} mTLS Root CA`, `CN=${PREFIX} mTLS Intermediate CA`]);
  assert.strictEqual(opt(f.calls[2].argv, '--parameter'), `/${PREFIX}/truststore`);
  assert.match(r.summary, /root key: SSM: \/mtls-sandbox\/pki\/root-ca\.key/);
  assert.match(r.summary, /truststore: \/mtls-sandbox\/truststore \(Standard tier, 2 certificates\)/);
});

test('ca-bootstrap refuses when a CA exists; force replaces it and says what stops working', (t) => {
  const f = withCa(fake(t));
  f.state.records = [{ client: 'demo', status: 'ACTIVE', issuer_dn: 'CN=x Intermediate CA', thumbprint: 'aa' }];
  let r = f.run('ca-bootstrap', BOOT);
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /a CA already exists at ssm:\/mtls-sandbox\/pki: root CN=x Root CA/);
  assert.deepStrictEqual(f.commands(), ['ca status']);
  assert.strictEqual(f.state.ca.root.subject, 'CN=x Root CA');
  r = f.run('ca-bootstrap', { ...BOOT, FORCE: 'true' });
  assert.strictEqual(r.status, 0, r.output);
  assert.ok(f.calls.find((c) => c.argv[1] === 'init').argv.includes('--force'));
  assert.match(r.summary, /\*\*Replacing\*\* the CA CN=x Root CA .*: 1 ACTIVE certificate\(s\) stop working/);
});

test('ca-bootstrap with an offline root key: encrypted 0600 file, the passphrase only in the environment and masked', (t) => {
  const f = fake(t);
  const out = path.join(f.dir, 'out');
  let r = f.run('ca-bootstrap', { ...BOOT, ROOT_KEY: 'offline', OUT_DIR: out });
  assert.strictEqual(r.status, 2);
  assert.match(r.stderr, /needs MTLSCTL_ROOT_KEY_PASSPHRASE/);
  assert.deepStrictEqual(f.calls, []);
  r = f.run('ca-bootstrap', { ...BOOT, ROOT_KEY: 'offline', OUT_DIR: out, MTLSCTL_ROOT_KEY_PASSPHRASE: 'short' });
  assert.strictEqual(r.status, 2);
  r = f.run('ca-bootstrap', { ...BOOT, ROOT_KEY: 'offline', OUT_DIR: out, MTLSCTL_ROOT_KEY_PASSPHRASE: PASSPHRASE, GITHUB_ACTIONS: 'true' });
  assert.strictEqual(r.status, 0, r.output);
  const init = f.calls.find((c) => c.argv[1] === 'init');
  assert.strictEqual(opt(init.argv, '--root-key-out'), path.join(out, 'root-ca.key'));
  assert.ok(init.env.MTLSCTL_ROOT_KEY_PASSPHRASE, 'mtlsctl did not get the passphrase');
  for (const c of f.calls) assert.ok(!c.argv.some((a) => a.includes(PASSPHRASE)), `the passphrase is on a command line: ${c.argv.join(' ')}`);
  // The passphrase appears in the log only as GitHub's mask command, before anything else.
  const lines = r.output.split('\n').filter((l) => l.includes(PASSPHRASE));
  assert.deepStrictEqual(lines, [`::add-mask::${PASSPHRASE}`]);
  assert.ok(r.stdout.startsWith(`::add-mask::${PASSPHRASE}\n`));
  assert.doesNotMatch(r.summary, new RegExp(PASSPHRASE));
  assert.strictEqual(fs.statSync(path.join(out, 'root-ca.key')).mode & 0o777, 0o600);
  assert.match(r.summary, /root key: offline: the encrypted root key is this run's artifact for one day/);
});

test('ca-bootstrap checks every input before it calls anything', (t) => {
  const f = fake(t);
  const bad = [{ ROOT_KEY: 'laptop' }, { CA_NAME: 'a,CN=evil' }, { CA_NAME: 'x\ny' }, { KEY_TYPE: 'dsa' }, { ROOT_DAYS: '30' }, { ROOT_DAYS: '99999' },
    { FORCE: 'yes' }, { NAME_PREFIX: 'UPPER' }, { MTLSCTL_STORE: 'ssm:/mtls-prod/pki' }, { MTLSCTL_KMS_KEY_ID: '' }, { MTLSCTL: '/nonexistent' }];
  for (const env of bad) {
    const r = f.run('ca-bootstrap', { ...BOOT, ...env });
    assert.strictEqual(r.status, 2, `${JSON.stringify(env)}: ${r.output}`);
    assert.deepStrictEqual(f.calls, [], JSON.stringify(env));
  }
});

// --- client-provision ----------------------------------------------------------------------------

const PROVISION = { ...SETTINGS, ENVIRONMENT: 'sandbox' };

test('client-provision plan: the dry run as a pull request comment, nothing changed', (t) => {
  const f = withCa(fake(t));
  const comment = path.join(f.dir, 'comment.md');
  const r = f.run('client-provision', { ...PROVISION, COMMENT_FILE: comment }, ['plan']);
  assert.strictEqual(r.status, 0, r.output);
  const argv = f.calls[0].argv;
  assert.deepStrictEqual(argv, ['apply', '--file', 'clients/sandbox.json', '--renew-within', '30', '--dry-run']);
  const body = fs.readFileSync(comment, 'utf8');
  assert.ok(body.startsWith('<!-- client-provision:sandbox -->\n### Clients plan: `clients/sandbox.json` (sandbox) succeeded'), body);
  assert.match(body, /6 action\(s\); applied when this is merged/);
  assert.match(body, /^create demo$/m);
  assert.match(body, /^register canary$/m);
  assert.match(r.githubOutput, /^exitcode=0$/m);
  assert.deepStrictEqual(f.state.clients, {}, 'the dry run changed something');
});

test('client-provision plan of a failing dry run: the comment says so, the job fails later on exitcode', (t) => {
  const f = withCa(fake(t));
  f.state.fail.apply = 'clients/sandbox.json:4: clients.demo.scopes: unknown scope orders.admin';
  const comment = path.join(f.dir, 'comment.md');
  const r = f.run('client-provision', { ...PROVISION, COMMENT_FILE: comment }, ['plan']);
  assert.strictEqual(r.status, 0, r.output);
  assert.match(r.githubOutput, /^exitcode=1$/m);
  const body = fs.readFileSync(comment, 'utf8');
  assert.match(body, /FAILED \(exit 1\)/);
  assert.match(body, /clients\.demo\.scopes: unknown scope orders\.admin/);
});

test('client-provision withholds output that looks like a secret, in the plan comment and the apply log', (t) => {
  const f = withCa(fake(t));
  f.state.leak = true;
  const comment = path.join(f.dir, 'comment.md');
  for (const mode of ['plan', 'apply']) {
    const r = f.run('client-provision', { ...PROVISION, COMMENT_FILE: comment }, [mode]);
    assert.strictEqual(r.status, 1, mode);
    assert.match(r.stderr, /withheld/);
    assert.doesNotMatch(r.output + r.summary, /s3cr3t/, mode);
    assert.ok(!fs.existsSync(comment), 'a comment was written');
  }
});

test('client-provision apply converges and a second apply plans nothing; bad input stops it first', (t) => {
  const f = withCa(fake(t));
  let r = f.run('client-provision', PROVISION, ['apply']);
  assert.strictEqual(r.status, 0, r.output);
  assert.deepStrictEqual(f.calls[0].argv, ['apply', '--file', 'clients/sandbox.json', '--renew-within', '30']);
  assert.deepStrictEqual(Object.keys(f.state.clients).sort(), ['canary', 'demo']);
  assert.match(r.summary, /### Clients of sandbox/);
  r = f.run('client-provision', { ...PROVISION, RENEW_WITHIN_DAYS: '14' }, ['apply']);
  assert.strictEqual(r.status, 0, r.output);
  assert.strictEqual(r.stdout.trim(), 'no changes');
  assert.strictEqual(opt(f.calls[0].argv, '--renew-within'), '14');
  f.state.fail.apply = 'CreateUserPoolClient: LimitExceededException (created 1 of 2 app clients; the next apply finishes)';
  r = f.run('client-provision', PROVISION, ['apply']);
  assert.strictEqual(r.status, 1);
  assert.match(r.summary, /apply failed \(exit 1\)/);
  for (const [env, args, status] of [[{ ENVIRONMENT: 'nope' }, ['apply'], 1], [{ ENVIRONMENT: '../etc' }, ['apply'], 2], [{ RENEW_WITHIN_DAYS: '1e9' }, ['plan'], 2], [{}, ['destroy'], 2],
    [{ MTLSCTL_KMS_KEY_ID: '' }, ['apply'], 2]]) {
    r = f.run('client-provision', { ...PROVISION, ...env }, args);
    assert.strictEqual(r.status, status, `${JSON.stringify(env)} ${args}: ${r.output}`);
    assert.deepStrictEqual(f.calls, []);
  }
});

// --- ca-rotate -----------------------------------------------------------------------------------

const ROTATE = { ...SETTINGS, ENVIRONMENT: 'sandbox', NAME_PREFIX: PREFIX };
const provisioned = (f) => {
  withCa(f);
  assert.strictEqual(f.run('client-provision', ROTATE, ['apply']).status, 0);
  return f;
};

test('ca-rotate intermediate, dry run (the default): says what it would do and changes nothing', (t) => {
  const f = provisioned(fake(t));
  const before = JSON.stringify([f.state.ca, f.state.truststore, f.state.clients]);
  const r = f.run('ca-rotate', { ...ROTATE, DRY_RUN: 'true' }, ['start']);
  assert.strictEqual(r.status, 0, r.output);
  assert.deepStrictEqual(f.commands(), ['ca status', 'ca rotate-intermediate', 'ca truststore']);
  for (const c of f.calls.slice(1)) assert.ok(c.argv.includes('--dry-run'), c.argv.join(' '));
  assert.match(r.stdout, /create intermediate CN=x Intermediate CA G2/);
  assert.match(r.stdout, /2 client certificate\(s\) to re-issue/);
  assert.strictEqual(JSON.stringify([f.state.ca, f.state.truststore, f.state.clients]), before);
  assert.match(r.summary, /\(dry run\)/);
});

test('ca-rotate intermediate: both intermediates in the truststore, every client re-issued, the old one retired once none of its certificates is ACTIVE', (t) => {
  const f = provisioned(fake(t));
  let r = f.run('ca-rotate', { ...ROTATE, DRY_RUN: 'false' }, ['start']);
  assert.strictEqual(r.status, 0, r.output);
  assert.deepStrictEqual(f.state.truststore, ['CN=x Root CA', 'CN=x Intermediate CA G2', 'CN=x Intermediate CA']);
  // A rerun (the deploy job failed, say) continues the rotation rather than starting another.
  r = f.run('ca-rotate', { ...ROTATE, DRY_RUN: 'false' }, ['start']);
  assert.strictEqual(r.status, 0, r.output);
  assert.deepStrictEqual(f.commands(), ['ca status', 'ca truststore']);
  assert.match(r.summary, /A rotation is under way: CN=x Intermediate CA is being replaced by CN=x Intermediate CA G2; continuing it/);
  r = f.run('ca-rotate', { ...ROTATE, DRY_RUN: 'false' }, ['reissue']);
  assert.strictEqual(r.status, 0, r.output);
  assert.match(r.stdout, /^rotate demo \(issued by CN=x Intermediate CA\)$/m);
  assert.deepStrictEqual(Object.values(f.state.clients).map((c) => c.issuer), ['CN=x Intermediate CA G2', 'CN=x Intermediate CA G2']);
  // Old and new certificates are both ACTIVE now: finish refuses and leaves both intermediates.
  r = f.run('ca-rotate', { ...ROTATE, DRY_RUN: 'false' }, ['finish']);
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /2 ACTIVE certificate\(s\) still chain to CN=x Intermediate CA: demo, canary/);
  assert.strictEqual(f.state.truststore.length, 3);
  r = f.run('ca-rotate', { ...ROTATE, DRY_RUN: 'true', REVOKE_SUPERSEDED: 'true' }, ['finish']);
  assert.strictEqual(r.status, 0, r.output);
  assert.strictEqual(f.state.truststore.length, 3, 'a dry run changed the truststore');
  assert.ok(f.state.ca.previous);
  r = f.run('ca-rotate', { ...ROTATE, DRY_RUN: 'false', REVOKE_SUPERSEDED: 'true' }, ['finish']);
  assert.strictEqual(r.status, 0, r.output);
  assert.ok(f.calls.find((c) => c.argv[1] === 'retire-intermediate').argv.includes('--revoke-superseded'));
  assert.deepStrictEqual(f.state.truststore, ['CN=x Root CA', 'CN=x Intermediate CA G2']);
  assert.deepStrictEqual(f.state.records.filter((x) => x.status === 'ACTIVE').map((x) => x.issuer_dn), ['CN=x Intermediate CA G2', 'CN=x Intermediate CA G2']);
});

test('ca-rotate intermediate with an offline root key: start says where to sign, then continues what was begun there', (t) => {
  const f = withCa(fake(t), 'offline');
  let r = f.run('ca-rotate', { ...ROTATE, DRY_RUN: 'false' }, ['start']);
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /the root key is not in ssm:\/mtls-sandbox\/pki: run ca rotate-intermediate --root-key-in FILE where the root key is/);
  assert.strictEqual(f.state.ca.previous, null);
  // The operator runs it where the root key is ...
  fs.writeFileSync(f.file, JSON.stringify(f.state));
  spawnSync(path.join(f.bin, 'mtlsctl'), ['ca', 'rotate-intermediate', '--store', SETTINGS.MTLSCTL_STORE, '--root-key-in', 'root-ca.key', '--kms-key-id', 'k'], { env: { ...process.env, FAKE_STATE: f.file } });
  f.state = JSON.parse(fs.readFileSync(f.file, 'utf8'));
  f.state.calls = [];
  // ... and the workflow carries on from there.
  r = f.run('ca-rotate', { ...ROTATE, DRY_RUN: 'false' }, ['start']);
  assert.strictEqual(r.status, 0, r.output);
  assert.deepStrictEqual(f.commands(), ['ca status', 'ca truststore']);
  assert.strictEqual(f.state.truststore.length, 3);
});

test('ca-rotate clients: lists what expires and renews it; bad input is refused before any call', (t) => {
  const f = provisioned(fake(t));
  let r = f.run('ca-rotate', { ...ROTATE, DRY_RUN: 'true', RENEW_WITHIN_DAYS: '45' }, ['clients']);
  assert.strictEqual(r.status, 0, r.output);
  assert.deepStrictEqual(f.calls.map((c) => c.argv), [
    ['client', 'list', '--status', 'ACTIVE', '--expiring-within', '45d'],
    ['apply', '--file', 'clients/sandbox.json', '--renew-within', '45', '--dry-run'],
  ]);
  for (const [env, step] of [[{ DRY_RUN: 'maybe' }, 'clients'], [{ DRY_RUN: 'true' }, 'root'], [{ DRY_RUN: 'true', REVOKE_SUPERSEDED: '1' }, 'finish'],
    [{ DRY_RUN: 'true', MTLSCTL_STORE: 'ssm:/other/pki' }, 'start'], [{ DRY_RUN: 'true', ENVIRONMENT: 'a b' }, 'clients']]) {
    r = f.run('ca-rotate', { ...ROTATE, ...env }, [step]);
    assert.strictEqual(r.status, 2, `${JSON.stringify(env)} ${step}: ${r.output}`);
    assert.deepStrictEqual(f.calls, []);
  }
});

// --- changed-client-envs -------------------------------------------------------------------------

test('changed-client-envs: the environments whose clients changed, every one for a shared file, none for local.json', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'client-envs-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(path.join(root, 'scripts/ci'), path.join(dir, 'scripts/ci'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'infra/env'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'clients/csr'), { recursive: true });
  for (const f of ['sandbox.tfvars', 'sandbox.ecr.tfvars', 'prod.tfvars', 'prod.ecr.tfvars']) fs.writeFileSync(path.join(dir, 'infra/env', f), '');
  const git = (...args) => {
    const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
    assert.strictEqual(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const commit = (files) => {
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
    git('add', '-A');
    git('commit', '-qm', 'c');
    return git('rev-parse', 'HEAD');
  };
  git('init', '-q');
  const c0 = commit({ 'clients/sandbox.json': '{}', 'clients/prod.json': '{}', 'clients/local.json': '{}' });
  const c1 = commit({ 'clients/sandbox.json': '{"clients":{}}' });
  const c2 = commit({ 'clients/local.json': '{"clients":{}}' });
  const c3 = commit({ 'clients/csr/billing.csr': 'csr' });
  const run = (args, env = {}) => spawnSync(path.join(dir, 'scripts/ci/changed-client-envs'), args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GITHUB_OUTPUT: '', ...env } });
  assert.strictEqual(run([c0, c1]).stdout.trim(), '["sandbox"]');
  assert.strictEqual(run([c1, c2]).stdout.trim(), '[]');
  assert.strictEqual(run([c2, c3]).stdout.trim(), '["prod","sandbox"]');
  assert.strictEqual(run([c0, c2]).stdout.trim(), '["sandbox"]');
  assert.strictEqual(run(['0'.repeat(40), c3]).stdout.trim(), '["prod","sandbox"]');
  assert.strictEqual(run([], { ENVIRONMENT: 'prod' }).stdout.trim(), '["prod"]');
  const out = path.join(dir, 'out');
  run([c0, c1], { GITHUB_OUTPUT: out });
  assert.strictEqual(fs.readFileSync(out, 'utf8'), 'environments=["sandbox"]\n');
  assert.strictEqual(run([], { ENVIRONMENT: 'local' }).status, 2);
  assert.strictEqual(run(['main', c1]).status, 2);
  assert.strictEqual(run([c1]).status, 2);
});

// --- build-mtlsctl and release-mtlsctl -----------------------------------------------------------

function buildFakes(f, { elf = 'static', machine = 'X86-64', uname = 'x86_64', prints } = {}) {
  const write = (name, body) => {
    fs.writeFileSync(path.join(f.bin, name), `#!/bin/sh\n${body}\n`);
    fs.chmodSync(path.join(f.bin, name), 0o755);
  };
  write('uname', `echo ${uname}`);
  // cmake --build writes a program that prints the version it was configured with.
  write('cmake', `echo "cmake $*" >> "${f.dir}/cmake.log"
if [ "$1" = --build ]; then mkdir -p "$2/bin"; printf '#!/bin/sh\\necho "mtlsctl %s"\\n' "$(cat "${f.dir}/version")" > "$2/bin/mtlsctl"; chmod +x "$2/bin/mtlsctl"; exit 0; fi
for a in "$@"; do case "$a" in -DAGM_VERSION=*) echo "${prints || '${a#-DAGM_VERSION=}'}" > "${f.dir}/version";; esac; done`);
  write('readelf', `case "$1" in
  -d) ${elf === 'dynamic' ? 'echo " 0x0000000000000001 (NEEDED)             Shared library: [libssl.so.3]"' : 'echo "There is no dynamic section in this file."'} ;;
  -l) ${elf === 'interp' ? 'echo "      [Requesting program interpreter: /lib64/ld-linux-x86-64.so.2]"' : 'echo "Elf file type is EXEC"'} ;;
  -h) echo "  Machine:                           ${machine === 'X86-64' ? 'Advanced Micro Devices X86-64' : machine}" ;;
esac`);
}

test('build-mtlsctl: a static binary of the right architecture and version, with its checksum; anything else fails', (t) => {
  const f = fake(t);
  const env = (more = {}) => ({ VERSION: '1.2.0', OUT_DIR: path.join(f.dir, 'dist'), BUILD_DIR: path.join(f.dir, 'build'), JOBS: '2', ...more });
  buildFakes(f);
  let r = f.run('build-mtlsctl', env());
  assert.strictEqual(r.status, 0, r.output);
  const log = fs.readFileSync(path.join(f.dir, 'cmake.log'), 'utf8');
  for (const flag of ['-DAGM_MTLSCTL_STATIC=ON', '-DAGM_VERSION=1.2.0', '-DCMAKE_BUILD_TYPE=Release', '-DAGM_BUILD_TESTS=OFF', '--target mtlsctl']) assert.ok(log.includes(flag), flag);
  const bin = path.join(f.dir, 'dist/mtlsctl-1.2.0-linux-x86_64');
  const sum = fs.readFileSync(`${bin}.sha256`, 'utf8');
  assert.strictEqual(sum, `${crypto.createHash('sha256').update(fs.readFileSync(bin)).digest('hex')}  mtlsctl-1.2.0-linux-x86_64\n`);
  buildFakes(f, { uname: 'aarch64', machine: 'AArch64' });
  r = f.run('build-mtlsctl', env({ VERSION: '1.2.0-rc.1' }));
  assert.strictEqual(r.status, 0, r.output);
  assert.ok(fs.existsSync(path.join(f.dir, 'dist/mtlsctl-1.2.0-rc.1-linux-arm64.sha256')));
  for (const [fakes, message] of [[{ elf: 'dynamic' }, /is not static: it needs libssl\.so\.3/], [{ elf: 'interp' }, /names a program interpreter/],
    [{ uname: 'aarch64', machine: 'X86-64' }, /is not an arm64 program/], [{ prints: '0.0.0-dev' }, /prints 'mtlsctl 0\.0\.0-dev', not 'mtlsctl 1\.2\.0'/]]) {
    buildFakes(f, fakes);
    r = f.run('build-mtlsctl', env());
    assert.strictEqual(r.status, 1, `${JSON.stringify(fakes)}: ${r.output}`);
    assert.match(r.stderr, message);
  }
  for (const bad of ['v1.2.0', '1.2', '1.2.0;id', '1.2.0-rc/1']) assert.strictEqual(f.run('build-mtlsctl', env({ VERSION: bad })).status, 2, bad);
});

test('release-mtlsctl: both binaries, checked against their checksums, one SHA256SUMS, a pre-release for a suffix, rerunnable', (t) => {
  const f = fake(t);
  const dist = path.join(f.dir, 'dist');
  const build = (version) => {
    fs.mkdirSync(dist, { recursive: true });
    for (const arch of ['x86_64', 'arm64']) {
      const name = `mtlsctl-${version}-linux-${arch}`;
      fs.writeFileSync(path.join(dist, name), `binary ${arch}`);
      fs.writeFileSync(path.join(dist, `${name}.sha256`), `${crypto.createHash('sha256').update(`binary ${arch}`).digest('hex')}  ${name}\n`);
    }
  };
  build('1.2.0');
  let r = f.run('release-mtlsctl', { TAG: 'v1.2.0', DIST: dist });
  assert.strictEqual(r.status, 0, r.output);
  const rel = f.state.releases['v1.2.0'];
  assert.deepStrictEqual(Object.keys(rel.assets).sort(), ['SHA256SUMS', 'mtlsctl-1.2.0-linux-arm64', 'mtlsctl-1.2.0-linux-x86_64']);
  assert.ok(!rel.flags.includes('--prerelease'));
  assert.match(fs.readFileSync(path.join(dist, 'SHA256SUMS'), 'utf8'), /^[0-9a-f]{64} {2}mtlsctl-1\.2\.0-linux-x86_64\n[0-9a-f]{64} {2}mtlsctl-1\.2\.0-linux-arm64\n$/);
  r = f.run('release-mtlsctl', { TAG: 'v1.2.0', DIST: dist });
  assert.strictEqual(r.status, 0, r.output);
  build('2.0.0-rc.1');
  r = f.run('release-mtlsctl', { TAG: 'v2.0.0-rc.1', DIST: dist });
  assert.strictEqual(r.status, 0, r.output);
  assert.ok(f.state.releases['v2.0.0-rc.1'].flags.includes('--prerelease'));
  fs.writeFileSync(path.join(dist, 'mtlsctl-2.0.0-rc.1-linux-arm64'), 'tampered');
  r = f.run('release-mtlsctl', { TAG: 'v2.0.0-rc.1', DIST: dist });
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /does not match/);
  r = f.run('release-mtlsctl', { TAG: 'v3.0.0', DIST: dist });
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /the x86_64 build did not finish/);
  assert.strictEqual(f.run('release-mtlsctl', { TAG: 'latest', DIST: dist }).status, 2);
});
