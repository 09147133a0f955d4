'use strict';
// node --test tests/infra/examples.test.js: the roots under examples/ are what a team copies: each
// pins Terraform >= 1.11 and the AWS provider, configures the provider (the module has none),
// calls infra/modules/mtls_api by relative path and has a README. The checker (tfcheck.test.js)
// checks them against the provider schema and the module's validations; this checks what they
// show: the Lambda backend reads the caller from the authorizer's context, not from headers.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');

const root = path.resolve(__dirname, '..', '..');
const { MIN_TERRAFORM, lowerBound, versionAtLeast } = require(path.join(root, 'dev/tfcheck/versions'));
const { loadVariables, runValidations } = require(path.join(root, 'dev/tfcheck/conditions'));
const examples = fs.readdirSync(path.join(root, 'examples')).filter((d) => fs.statSync(path.join(root, 'examples', d)).isDirectory()).sort();

async function parseDir(dir) {
  const merged = { terraform: [], provider: {}, module: {}, resource: {} };
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.tf'))) {
    const body = await hcl.parse(f, fs.readFileSync(path.join(dir, f), 'utf8'));
    merged.terraform.push(...(body.terraform || []));
    Object.assign(merged.provider, body.provider || {});
    Object.assign(merged.module, body.module || {});
    Object.assign(merged.resource, body.resource || {});
  }
  return merged;
}

test('the three examples the issue asks for are there', () => {
  assert.deepStrictEqual(examples, ['http-backend', 'imported-certificate', 'lambda-backend']);
});

for (const name of examples) {
  test(`examples/${name} is a root a team can copy`, async () => {
    const dir = path.join(root, 'examples', name);
    const body = await parseDir(dir);
    const [tf] = body.terraform;
    assert.ok(versionAtLeast(lowerBound(tf.required_version), MIN_TERRAFORM), tf.required_version);
    assert.deepStrictEqual(tf.required_providers[0].aws, { source: 'hashicorp/aws', version: '~> 6.25' });
    assert.ok(body.provider.aws, 'no provider "aws" block');
    const [call] = body.module.mtls_api;
    assert.strictEqual(path.resolve(dir, call.source), path.join(root, 'infra/modules/mtls_api'));
    assert.ok(fs.readFileSync(path.join(dir, 'README.md'), 'utf8').includes('<!-- BEGIN_TF_DOCS -->'));
  });
}

test('lambda-backend: the function takes the caller from requestContext.authorizer.lambda and ignores forged headers', async () => {
  const { handler } = require(path.join(root, 'examples/lambda-backend/function/index.js'));
  const event = {
    version: '2.0',
    routeKey: 'GET /orders',
    headers: { 'x-mtls-client-id': 'forged', authorization: 'Bearer t' },
    requestContext: { authorizer: { lambda: { client_id: 'abc123', cert_thumbprint: 'ab'.repeat(32), scope: 'mtls-api/orders.read mtls-api/health.read', cert_not_after: '2027-01-31T00:00:00Z' } } },
  };
  const ok = await handler(event);
  assert.strictEqual(ok.statusCode, 200);
  const body = JSON.parse(ok.body);
  assert.strictEqual(body.client_id, 'abc123');
  assert.deepStrictEqual(body.scopes, ['mtls-api/orders.read', 'mtls-api/health.read']);
  assert.strictEqual(body.cert_not_after, '2027-01-31T00:00:00Z');
  // Without the authorizer's context (a forged header alone), no identity.
  const forged = await handler({ ...event, requestContext: {} });
  assert.strictEqual(forged.statusCode, 403);
  // Both routes of the example go to this function, behind the authorizer.
  const main = await parseDir(path.join(root, 'examples/lambda-backend'));
  const routes = main.module.mtls_api[0].routes;
  for (const r of Object.values(routes)) {
    assert.strictEqual(r.integration.function_arn, '${aws_lambda_function.orders.arn}');
    assert.strictEqual(r.authorization, undefined);
  }
  assert.strictEqual(main.resource.aws_lambda_function.orders[0].handler, 'index.handler');
});

test('http-backend: a none route written out, the others behind the authorizer, and the service on https only', async () => {
  const main = await parseDir(path.join(root, 'examples/http-backend'));
  const routes = main.module.mtls_api[0].routes;
  const none = Object.keys(routes).filter((k) => routes[k].authorization === 'none');
  assert.deepStrictEqual(none, ['GET /orders/status']);
  for (const r of Object.values(routes)) assert.strictEqual(r.integration.type, 'http');
  const vars = await loadVariables(path.join(root, 'examples/http-backend'));
  assert.deepStrictEqual(runValidations(vars, { orders_url: 'https://orders.internal.example.com' }, ['orders_url']).failed, []);
  for (const bad of ['http://orders.example.com', 'https://orders.example.com/']) {
    assert.strictEqual(runValidations(vars, { orders_url: bad }, ['orders_url']).failed.length, 1, bad);
  }
});

test('imported-certificate: the imported certificate with a public one that proves ownership, validated first', async () => {
  const main = await parseDir(path.join(root, 'examples/imported-certificate'));
  const call = main.module.mtls_api[0];
  assert.strictEqual(call.certificate_arn, '${var.imported_certificate_arn}');
  assert.strictEqual(call.certificate_type, 'IMPORTED');
  assert.strictEqual(call.ownership_verification_certificate_arn, '${module.ownership_certificate.certificate_arn}');
  // A public certificate, requested and validated in the zone (its output is the validated ARN).
  const [ownership] = main.module.ownership_certificate;
  assert.strictEqual(path.resolve(root, 'examples/imported-certificate', ownership.source), path.join(root, 'infra/modules/certificate'));
  assert.strictEqual(ownership.certificate_arn, undefined);
  assert.strictEqual(ownership.hosted_zone_id, '${var.hosted_zone_id}');
  assert.match(fs.readFileSync(path.join(root, 'infra/modules/certificate/outputs.tf'), 'utf8'), /aws_acm_certificate_validation\.this\[0\]\.certificate_arn/);
  // No private key in Terraform: the certificate is imported outside it.
  for (const f of fs.readdirSync(path.join(root, 'examples/imported-certificate')).filter((n) => n.endsWith('.tf'))) {
    assert.doesNotMatch(fs.readFileSync(path.join(root, 'examples/imported-certificate', f), 'utf8'), /private_key/);
  }
});
