'use strict';
// node --test tests/infra/tfcheck.test.js: the Terraform checker finds each kind of mistake in its fixture
// (tests/infra/fixtures/<kind>/, expected findings in expected.txt, one "where: message" prefix
// a line), reports nothing else there, and passes the real infra/.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const { loadSchema } = require(path.join(root, 'dev/tfcheck/schema'));
const { checkTree } = require(path.join(root, 'dev/tfcheck/check'));

const schema = loadSchema(root);
const fixturesDir = path.join(__dirname, 'fixtures');
const fixtures = fs.readdirSync(fixturesDir).filter((d) => fs.statSync(path.join(fixturesDir, d)).isDirectory()).sort();

test('the schema is the AWS provider 6.25 one', () => {
  assert.strictEqual(schema.providerVersion, '6.25.0');
  assert.ok(schema.resources.has('aws_apigatewayv2_domain_name'));
  assert.ok(schema.dataSources.has('aws_ssm_parameters_by_path'));
  assert.ok(schema.resources.get('aws_cognito_user_pool').attrs.has('user_pool_tier'));
});

test('there are at least eight kinds of broken fixture', () => {
  assert.ok(fixtures.length >= 8, `only ${fixtures.length} fixtures`);
});

for (const kind of fixtures) {
  test(`fixture ${kind} is reported, and nothing else`, async () => {
    const dir = path.join(fixturesDir, kind);
    const expected = fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8').split('\n').filter((l) => l.trim());
    assert.ok(expected.length > 0, 'expected.txt is empty');
    const findings = (await checkTree([dir], schema)).map((f) => `${f.where}: ${f.message}`);
    for (const e of expected) {
      assert.ok(findings.some((f) => f.startsWith(e)), `expected "${e}" in:\n${findings.join('\n')}`);
    }
    assert.strictEqual(findings.length, expected.length, `unexpected findings:\n${findings.join('\n')}`);
  });
}

test('the real infra/ and examples/ have no findings', async () => {
  const findings = await checkTree([path.join(root, 'infra'), path.join(root, 'examples')], schema);
  assert.deepStrictEqual(findings.map((f) => `${f.file}: ${f.where}: ${f.message}`), []);
});

test('a module call is checked against the called module as terraform plan checks it', async () => {
  const os = require('os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfcheck-calls-'));
  try {
    fs.cpSync(path.join(root, 'examples/http-backend'), path.join(dir, 'examples/http-backend'), { recursive: true });
    fs.cpSync(path.join(root, 'infra'), path.join(dir, 'infra'), { recursive: true });
    const main = path.join(dir, 'examples/http-backend/main.tf');
    const check = async () => (await checkTree([path.join(dir, 'examples')], schema)).map((f) => `${f.where}: ${f.message}`);
    assert.deepStrictEqual(await check(), []);
    // A literal argument of the example is evaluated even where others (var.orders_url) are not known.
    fs.writeFileSync(main, fs.readFileSync(main, 'utf8').replace('scopes      = ["orders.read", "orders.write"]', 'scopes      = ["orders.read", "orders.admin"]'));
    assert.deepStrictEqual(await check(), ['module "mtls_api": argument "routes" fails a validation of ../../infra/modules/mtls_api: Every scope a route names must be defined in scopes (or be the health scope while GET /health is on): POST /orders/{id}/cancel names orders.admin.']);
    // A value that only apply knows defers the check instead of failing it.
    fs.writeFileSync(main, fs.readFileSync(main, 'utf8').replace('"orders.admin"', 'var.orders_url'));
    assert.deepStrictEqual(await check(), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the command exits 1 on findings and 2 on bad usage', () => {
  const cli = path.join(root, 'dev/tfcheck/index.js');
  const bad = spawnSync(process.execPath, [cli, path.join(fixturesDir, 'unknown-argument')], { encoding: 'utf8' });
  assert.strictEqual(bad.status, 1, bad.stderr);
  assert.match(bad.stdout, /main\.tf: resource "aws_s3_bucket" "b": unknown argument or block "bucket_name"/);
  const usage = spawnSync(process.execPath, [cli], { encoding: 'utf8' });
  assert.strictEqual(usage.status, 2);
});

test('fmt.js reports what terraform fmt would rewrite', () => {
  const { checkFile } = require(path.join(root, 'dev/tfcheck/fmt'));
  const os = require('os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfcheck-fmt-'));
  try {
    const good = path.join(dir, 'good.tf');
    fs.writeFileSync(good, 'resource "x" "y" {\n  name         = "a"\n  force_delete = true\n  tags = {\n    A = "b"\n  }\n}\n');
    assert.deepStrictEqual(checkFile(good), []);
    const bad = path.join(dir, 'bad.tf');
    fs.writeFileSync(bad, 'resource "x" "y" {\n  name = "a"\n  force_delete = true \n   tags  = {\n    A = "b"\n  }\n}');
    const findings = checkFile(bad).map((f) => f.slice(bad.length + 1)).sort();
    assert.deepStrictEqual(findings, [
      '2: align "=" of consecutive arguments: expected "name         = ..."',
      '3: trailing whitespace',
      '4: indentation is not a multiple of two spaces',
      '4: one space on each side of "="',
      '7: no newline at end of file',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
