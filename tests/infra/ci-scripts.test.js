'use strict';
// node --test tests/infra/ci-scripts.test.js: the image scripts the workflows run (scripts/ci/*),
// run for real with stand-ins for `aws`, `docker` and `skopeo` on PATH (tests/infra/ci/fake-cli.js
// keeps ECR's and SSM's state in a file):
//   publish-images (lambda-build): per image check/build/push, the tag parameter only when all exist,
//     for none / some / all images already present and for a rerun after a failed push;
//   promote-images (image-promote): digest-for-digest copy of what the source environment runs;
//   mark-deployed (terraform-deploy): deployed-<env> moves to the images the environment runs.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const FUNCTIONS = ['token', 'authorizer', 'health', 'pre-token', 'watcher'];
const SANDBOX = '111111111111';
const PROD = '222222222222';
const registry = (acct) => `${acct}.dkr.ecr.eu-west-1.amazonaws.com`;
const COMMIT = 'a'.repeat(40);
const OLD_COMMIT = 'b'.repeat(40);
const sha = (text) => `sha256:${crypto.createHash('sha256').update(text).digest('hex')}`;

class Fake {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-scripts-'));
    this.bin = path.join(this.dir, 'bin');
    fs.mkdirSync(this.bin);
    for (const cmd of ['aws', 'docker', 'skopeo']) {
      const wrapper = path.join(this.bin, cmd);
      fs.writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${path.join(__dirname, 'ci', 'fake-cli.js')}" ${cmd} "$@"\n`);
      fs.chmodSync(wrapper, 0o755);
    }
    this.file = path.join(this.dir, 'state.json');
    this.state = { repos: {}, params: {}, calls: [], fail: {}, alterCopies: false };
  }

  repos(acct, prefix) {
    for (const fn of FUNCTIONS) this.state.repos[`${acct}/${prefix}-${fn}`] = { tags: {}, manifests: {} };
    return this;
  }

  // An image already in the registry, as an earlier push left it.
  image(acct, repo, tags, body = `${repo}:${tags[0]}`) {
    const manifest = JSON.stringify({ schemaVersion: 2, body });
    const digest = sha(manifest);
    const r = this.state.repos[`${acct}/${repo}`];
    r.manifests[digest] = { manifest, media: 'application/vnd.oci.image.manifest.v1+json' };
    for (const t of tags) r.tags[t] = digest;
    return digest;
  }

  run(script, env, args = []) {
    fs.writeFileSync(this.file, JSON.stringify(this.state));
    const r = spawnSync(path.join(root, 'scripts/ci', script), args, {
      encoding: 'utf8',
      env: { PATH: `${this.bin}:${process.env.PATH}`, HOME: this.dir, FAKE_STATE: this.file, FAKE_ACCOUNT: env.FAKE_ACCOUNT || PROD, ...env },
    });
    this.state = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    this.calls = this.state.calls; // the commands the last run made, in order
    this.state.calls = [];
    return r;
  }

  cleanup() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function publish(fake, extraEnv = {}) {
  return fake.run('publish-images', { NAME_PREFIX: 'mtls-sandbox', IMAGE_TAG: COMMIT, REGISTRY: registry(SANDBOX), FAKE_ACCOUNT: SANDBOX, ...extraEnv });
}

const lastCalls = (fake) => fake.calls;

function builtFunctions(calls) {
  return calls.filter((c) => c[0] === 'docker').map((c) => c[c.indexOf('--build-arg') + 1].replace('FUNCTION=', ''));
}

test('publish-images, no image present: builds and pushes all five, then writes the tag parameter', (t) => {
  const fake = new Fake().repos(SANDBOX, 'mtls-sandbox');
  t.after(() => fake.cleanup());
  const r = publish(fake);
  const calls = lastCalls(fake);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.deepStrictEqual(builtFunctions(calls), FUNCTIONS);
  for (const fn of FUNCTIONS) assert.ok(fake.state.repos[`${SANDBOX}/mtls-sandbox-${fn}`].tags[COMMIT], fn);
  assert.deepStrictEqual(fake.state.params, { '/mtls-sandbox/lambda/image-tag': COMMIT });
  // The parameter is the very last call, after every image was seen in the registry.
  const last = calls[calls.length - 1];
  assert.deepStrictEqual(last.slice(0, 3), ['aws', 'ssm', 'put-parameter']);
  const build = calls.find((c) => c[0] === 'docker');
  // linux/arm64 unless told otherwise: the functions' default architecture (Terraform `architecture`).
  for (const a of ['--file', 'docker/Dockerfile', '--platform', 'linux/arm64', '--provenance=false', '--sbom=false', '--push']) assert.ok(build.includes(a), a);
  assert.ok(!build.some((a) => a.startsWith('type=gha')), 'no cache flags outside GitHub Actions');
});

test('publish-images builds for the PLATFORM it is given (linux/amd64 for x86_64 functions)', (t) => {
  const fake = new Fake().repos(SANDBOX, 'mtls-sandbox');
  t.after(() => fake.cleanup());
  const r = publish(fake, { PLATFORM: 'linux/amd64' });
  assert.strictEqual(r.status, 0, r.stderr);
  for (const build of lastCalls(fake).filter((c) => c[0] === 'docker')) {
    assert.strictEqual(build[build.indexOf('--platform') + 1], 'linux/amd64');
  }
});

test('publish-images, some present: builds only the missing ones (with the Actions cache when exposed)', (t) => {
  const fake = new Fake().repos(SANDBOX, 'mtls-sandbox');
  t.after(() => fake.cleanup());
  const kept = fake.image(SANDBOX, 'mtls-sandbox-token', [COMMIT]);
  fake.image(SANDBOX, 'mtls-sandbox-health', [COMMIT]);
  const r = publish(fake, { ACTIONS_RUNTIME_TOKEN: 'x' });
  const calls = lastCalls(fake);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.deepStrictEqual(builtFunctions(calls), ['authorizer', 'pre-token', 'watcher']);
  assert.strictEqual(fake.state.repos[`${SANDBOX}/mtls-sandbox-token`].tags[COMMIT], kept);
  assert.ok(calls.find((c) => c[0] === 'docker').includes('type=gha,scope=lambda-build,mode=max'));
  assert.strictEqual(fake.state.params['/mtls-sandbox/lambda/image-tag'], COMMIT);
});

test('publish-images, all present: builds nothing and (re)writes the tag parameter', (t) => {
  const fake = new Fake().repos(SANDBOX, 'mtls-sandbox');
  t.after(() => fake.cleanup());
  for (const fn of FUNCTIONS) fake.image(SANDBOX, `mtls-sandbox-${fn}`, [COMMIT]);
  const r = publish(fake);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.deepStrictEqual(builtFunctions(lastCalls(fake)), []);
  assert.strictEqual(fake.state.params['/mtls-sandbox/lambda/image-tag'], COMMIT);
});

test('publish-images after a failed push: no parameter; the rerun builds only what is missing and publishes', (t) => {
  const fake = new Fake().repos(SANDBOX, 'mtls-sandbox');
  t.after(() => fake.cleanup());
  fake.state.params['/mtls-sandbox/lambda/image-tag'] = OLD_COMMIT;
  fake.state.fail.build = ['health'];
  let r = publish(fake);
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /not every image .* \(health\)/);
  assert.deepStrictEqual(builtFunctions(lastCalls(fake)), FUNCTIONS, 'a failed build does not stop the others');
  assert.strictEqual(fake.state.params['/mtls-sandbox/lambda/image-tag'], OLD_COMMIT, 'parameter written with an image missing');
  fake.state.fail.build = [];
  r = publish(fake);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.deepStrictEqual(builtFunctions(lastCalls(fake)), ['health']);
  assert.strictEqual(fake.state.params['/mtls-sandbox/lambda/image-tag'], COMMIT);
});

test('publish-images: an error other than "not found" is not taken for a missing image', (t) => {
  const fake = new Fake().repos(SANDBOX, 'mtls-sandbox');
  t.after(() => fake.cleanup());
  fake.state.fail.describe = { 'mtls-sandbox-authorizer': 'AccessDeniedException' };
  const r = publish(fake);
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /AccessDeniedException/);
  assert.ok(!builtFunctions(lastCalls(fake)).includes('authorizer'));
  assert.deepStrictEqual(fake.state.params, {});
});

test('publish-images refuses bad input before calling anything', (t) => {
  const fake = new Fake().repos(SANDBOX, 'mtls-sandbox');
  t.after(() => fake.cleanup());
  for (const env of [{ IMAGE_TAG: 'x;rm -rf /' }, { NAME_PREFIX: 'Bad' }, { REGISTRY: 'evil.example.com' }, { PLATFORM: 'windows/amd64' }]) {
    const r = publish(fake, env);
    assert.strictEqual(r.status, 2, JSON.stringify(env));
    assert.deepStrictEqual(lastCalls(fake), []);
  }
});

// --- promote-images ----------------------------------------------------------------------------

const PROMOTE_ENV = {
  SOURCE_ENVIRONMENT: 'sandbox', SOURCE_NAME_PREFIX: 'mtls-sandbox', SOURCE_REGISTRY: registry(SANDBOX),
  NAME_PREFIX: 'mtls-prod', REGISTRY: registry(PROD),
};

function sandboxRunning(fake, commit = COMMIT) {
  const digests = {};
  for (const fn of FUNCTIONS) digests[fn] = fake.image(SANDBOX, `mtls-sandbox-${fn}`, [commit, 'deployed-sandbox']);
  return digests;
}

test('promote-images copies exactly the digests sandbox runs into prod, then sets prod\'s image tag', (t) => {
  const fake = new Fake().repos(SANDBOX, 'mtls-sandbox').repos(PROD, 'mtls-prod');
  t.after(() => fake.cleanup());
  const digests = sandboxRunning(fake);
  fake.image(SANDBOX, 'mtls-sandbox-token', [OLD_COMMIT]); // built, never deployed: not promoted
  const r = fake.run('promote-images', PROMOTE_ENV);
  assert.strictEqual(r.status, 0, r.stderr);
  for (const fn of FUNCTIONS) {
    assert.strictEqual(fake.state.repos[`${PROD}/mtls-prod-${fn}`].tags[COMMIT], digests[fn], fn);
  }
  assert.deepStrictEqual(fake.state.params, { '/mtls-prod/lambda/image-tag': COMMIT });
  assert.deepStrictEqual(builtFunctions(lastCalls(fake)), [], 'promotion rebuilt an image');
  const copies = lastCalls(fake).filter((c) => c[0] === 'skopeo');
  assert.strictEqual(copies.length, FUNCTIONS.length);
  for (const c of copies) {
    assert.ok(c.includes('--preserve-digests'));
    assert.match(c.find((a) => a.includes(SANDBOX)), /@sha256:[0-9a-f]{64}$/, 'copies by digest, not by a tag that could move');
  }
  // A rerun finds everything in place and copies nothing.
  const again = fake.run('promote-images', PROMOTE_ENV);
  assert.strictEqual(again.status, 0, again.stderr);
  assert.strictEqual(lastCalls(fake).filter((c) => c[0] === 'skopeo').length, 0);
});

test('promote-images refuses a mixed source, a missing deployed image and a copy with another digest', (t) => {
  const fake = new Fake().repos(SANDBOX, 'mtls-sandbox').repos(PROD, 'mtls-prod');
  t.after(() => fake.cleanup());
  sandboxRunning(fake);
  fake.image(SANDBOX, 'mtls-sandbox-health', [OLD_COMMIT, 'deployed-sandbox'], 'other build');
  let r = fake.run('promote-images', PROMOTE_ENV);
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /more than one commit/);
  assert.deepStrictEqual(fake.state.params, {});

  const missing = new Fake().repos(SANDBOX, 'mtls-sandbox').repos(PROD, 'mtls-prod');
  t.after(() => missing.cleanup());
  for (const fn of ['token', 'authorizer', 'health']) missing.image(SANDBOX, `mtls-sandbox-${fn}`, [COMMIT, 'deployed-sandbox']);
  r = missing.run('promote-images', PROMOTE_ENV);
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /mtls-sandbox-pre-token has no image deployed-sandbox/);
  assert.deepStrictEqual(missing.state.params, {});

  const altered = new Fake().repos(SANDBOX, 'mtls-sandbox').repos(PROD, 'mtls-prod');
  t.after(() => altered.cleanup());
  sandboxRunning(altered);
  altered.state.alterCopies = true;
  r = altered.run('promote-images', PROMOTE_ENV);
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /after the copy, not sha256:/);
  assert.deepStrictEqual(altered.state.params, {});
});

test('promote-images with IMAGE_TAG promotes that commit, and never overwrites a different build', (t) => {
  const fake = new Fake().repos(SANDBOX, 'mtls-sandbox').repos(PROD, 'mtls-prod');
  t.after(() => fake.cleanup());
  for (const fn of FUNCTIONS) fake.image(SANDBOX, `mtls-sandbox-${fn}`, [OLD_COMMIT]);
  sandboxRunning(fake);
  let r = fake.run('promote-images', { ...PROMOTE_ENV, IMAGE_TAG: OLD_COMMIT });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.strictEqual(fake.state.params['/mtls-prod/lambda/image-tag'], OLD_COMMIT);
  // prod already holds a different image under the commit tag: refuse, do not publish.
  fake.image(PROD, 'mtls-prod-token', [COMMIT], 'rebuilt in prod');
  r = fake.run('promote-images', PROMOTE_ENV);
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /built twice/);
  assert.strictEqual(fake.state.params['/mtls-prod/lambda/image-tag'], OLD_COMMIT);
});

// --- mark-deployed -----------------------------------------------------------------------------

test('mark-deployed moves deployed-<env> to the images the environment now runs, and is idempotent', (t) => {
  const fake = new Fake().repos(PROD, 'mtls-prod');
  t.after(() => fake.cleanup());
  const uris = [];
  const previous = {};
  for (const fn of FUNCTIONS) {
    previous[fn] = fake.image(PROD, `mtls-prod-${fn}`, [OLD_COMMIT, 'deployed-prod']);
    uris.push(`${registry(PROD)}/mtls-prod-${fn}@${fake.image(PROD, `mtls-prod-${fn}`, [COMMIT])}`);
  }
  let r = fake.run('mark-deployed', { ENVIRONMENT: 'prod' }, uris);
  assert.strictEqual(r.status, 0, r.stderr);
  for (const [i, fn] of FUNCTIONS.entries()) {
    const repo = fake.state.repos[`${PROD}/mtls-prod-${fn}`];
    assert.strictEqual(`${registry(PROD)}/mtls-prod-${fn}@${repo.tags['deployed-prod']}`, uris[i]);
    assert.strictEqual(repo.tags[OLD_COMMIT], previous[fn], 'the commit tags do not move');
  }
  r = fake.run('mark-deployed', { ENVIRONMENT: 'prod' }, uris);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /was already deployed-prod/);
});

test('mark-deployed refuses a tag instead of a digest, and an image that is not there', (t) => {
  const fake = new Fake().repos(PROD, 'mtls-prod');
  t.after(() => fake.cleanup());
  let r = fake.run('mark-deployed', { ENVIRONMENT: 'prod' }, [`${registry(PROD)}/mtls-prod-token:${COMMIT}`]);
  assert.strictEqual(r.status, 2);
  r = fake.run('mark-deployed', { ENVIRONMENT: 'prod' }, [`${registry(PROD)}/mtls-prod-token@sha256:${'0'.repeat(64)}`]);
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /is not in the registry/);
  assert.strictEqual(fake.run('mark-deployed', { ENVIRONMENT: 'prod' }).status, 2);
});
