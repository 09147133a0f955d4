'use strict';
// node --test tests/infra/delivery.test.js: the pieces of the delivery chain agree with each other.
// The function list, the repository names and the image tag parameter appear in the ecr stack,
// the environment stack, the Dockerfile and the lambda-build workflow; a function or a name
// missing from one of them would only show up in AWS.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');

const root = path.resolve(__dirname, '..', '..');
const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
const FUNCTIONS = ['authorizer', 'health', 'pre-token', 'token'];

async function stackFunctions(stack) {
  const body = await hcl.parse('main.tf', read(`infra/stacks/${stack}/main.tf`));
  const locals = Object.assign({}, ...body.locals);
  const m = /toset\(\[([^\]]*)\]\)/.exec(locals.functions);
  assert.ok(m, `${stack}: local.functions is not toset([...])`);
  return m[1].split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter(Boolean).sort();
}

test('both stacks deploy the same four functions', async () => {
  assert.deepStrictEqual(await stackFunctions('ecr'), FUNCTIONS);
  assert.deepStrictEqual(await stackFunctions('environment'), FUNCTIONS);
});

test('the Dockerfile accepts exactly those functions', () => {
  const m = /^\s*([a-z|-]+)\) ;; \\$/m.exec(read('docker/Dockerfile'));
  assert.ok(m, 'no FUNCTION case list in docker/Dockerfile');
  assert.deepStrictEqual(m[1].split('|').sort(), FUNCTIONS);
});

test('lambda-build builds and pushes each function to <prefix>-<function>', () => {
  const wf = read('.github/workflows/lambda-build.yml');
  for (const fn of FUNCTIONS) {
    assert.match(wf, new RegExp(`build-args: FUNCTION=${fn}\\n`), `no build of ${fn}`);
    assert.ok(wf.includes(`/\${{ env.NAME_PREFIX }}-${fn}:\${{ env.IMAGE_TAG }}`), `no push of ${fn}`);
  }
  assert.match(wf, /for fn in token authorizer health pre-token; do/);
});

test('the image tag parameter has one name everywhere', () => {
  const name = '/${var.name_prefix}/lambda/image-tag';
  assert.ok(read('infra/stacks/ecr/outputs.tf').includes(`"${name}"`));
  assert.ok(read('infra/stacks/environment/main.tf').includes('image_tag_parameter       = "/${var.name_prefix}/lambda/image-tag"'));
  assert.ok(read('.github/workflows/lambda-build.yml').includes('--name "/${NAME_PREFIX}/lambda/image-tag"'));
});

test('the final image stage is minimal, non-root and runs the bootstrap', () => {
  const df = read('docker/Dockerfile');
  const final = df.slice(df.lastIndexOf('\nFROM '));
  assert.match(final, /^\nFROM scratch AS function/);
  assert.match(final, /\nUSER [1-9][0-9]*:[1-9][0-9]*\n/);
  assert.match(final, /\nENTRYPOINT \["\/var\/task\/bootstrap"\]/);
  assert.match(df, /^FROM debian:12 AS build$/m);
  assert.match(df, /^RUN make package$/m);
});

test('the build context leaves out build output, dependencies and key material', () => {
  const ignore = read('.dockerignore').split('\n').map((l) => l.trim());
  for (const p of ['.git', 'build', 'dist', 'node_modules', '**/*.pem', '**/*.key', '**/*.tfstate']) {
    assert.ok(ignore.includes(p), `.dockerignore lacks ${p}`);
  }
});

test('the Dockerfile passes dockerfile-utils validation, which does catch mistakes', () => {
  const { validate } = require('dockerfile-utils');
  const problems = validate(read('docker/Dockerfile'), {}).map((d) => `${d.range.start.line + 1}: ${d.message}`);
  assert.deepStrictEqual(problems, []);
  const broken = 'FROM scratch\nCOPPY a b\nUSER\n';
  assert.deepStrictEqual(validate(broken, {}).map((d) => d.range.start.line + 1), [2, 3]);
});
