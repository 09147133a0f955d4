'use strict';
// node --test tests/infra/conditions.test.js: the validations, preconditions and wiring of infra/
// refuse what AWS would refuse (or silently misconfigure) and accept what it accepts. The
// conditions are read from the .tf files and evaluated (dev/tfcheck/expr.js), so a condition that
// is dropped or loosened makes these tests fail.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');

const root = path.resolve(__dirname, '..', '..');
const { evaluateSource } = require(path.join(root, 'dev/tfcheck/expr'));
const { loadVariables, loadConditions, runValidations, variableValues, evalCondition } = require(path.join(root, 'dev/tfcheck/conditions'));
const { evaluateModule } = require(path.join(root, 'dev/tfcheck/calls'));

const dir = (d) => path.join(root, d);
const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const ACM = 'arn:aws:acm:eu-west-1:111111111111:certificate/';

async function parseDir(d) {
  const merged = { locals: {}, module: {}, data: {}, resource: {} };
  for (const f of fs.readdirSync(dir(d)).filter((n) => n.endsWith('.tf'))) {
    const body = await hcl.parse(f, fs.readFileSync(path.join(dir(d), f), 'utf8'));
    for (const l of asList(body.locals)) Object.assign(merged.locals, l);
    for (const [k, v] of Object.entries(body.module || {})) merged.module[k] = asList(v)[0];
    for (const kind of ['data', 'resource']) {
      for (const [type, byName] of Object.entries(body[kind] || {})) {
        for (const [name, v] of Object.entries(byName)) merged[kind][`${type}.${name}`] = asList(v)[0];
      }
    }
  }
  return merged;
}

// Evaluates every "${...}" string inside a parsed HCL value.
function evalDeep(value, scope) {
  if (typeof value === 'string') return evaluateSource(value, scope);
  if (Array.isArray(value)) return value.map((v) => evalDeep(v, scope));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evalDeep(v, scope)]));
  return value;
}

// The mtls_api module's locals for the given variables, with the module outputs they read stubbed
// by recognisable strings.
const STUBS = {
  module: {
    registry: { name: 'TABLE', arn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/TABLE' },
    cognito: { token_url: 'U', user_pool_id: 'P' },
    functions: Object.fromEntries(['token', 'authorizer', 'health'].map((f) => [f, { arn: `arn:aws:lambda:eu-west-1:111111111111:function:${f}`, function_name: f, invoke_arn: `invoke-${f}` }])),
  },
};
async function functionSettings(given) {
  const m = await evaluateModule(dir('infra/modules/mtls_api'), { name_prefix: 'mtls-test', domain_name: 'api.example.com', hosted_zone_id: 'Z1', ...given }, STUBS);
  const module = await parseDir('infra/modules/mtls_api');
  return { module, vars: m.values, m, settings: m.evaluate('${local.function_settings}') };
}

async function httpApiPreconditions(given) {
  const vars = variableValues(await loadVariables(dir('infra/modules/http_api')), {
    name: 'api', domain_name: 'api.example.com', certificate_arn: `${ACM}server`,
    truststore_uri: 's3://b/truststore.pem', truststore_version: 'v1', routes: {}, ...given,
  });
  const conditions = (await loadConditions(dir('infra/modules/http_api'))).filter((c) => c.where === 'resource "aws_apigatewayv2_domain_name" "this"');
  assert.ok(conditions.length >= 2, 'the custom domain has no preconditions');
  return conditions.filter((c) => !evalCondition(c.condition, { var: vars }).ok).map((c) => evaluateSource(c.error_message, { var: vars }));
}

// --- item 6: imported or private server certificates -------------------------------------------

test('an imported or Private CA certificate needs an ownership verification certificate, and the precondition says why', async () => {
  assert.deepStrictEqual(await httpApiPreconditions({}), []);
  for (const type of ['IMPORTED', 'PRIVATE']) {
    const [message, ...rest] = await httpApiPreconditions({ certificate_type: type });
    assert.deepStrictEqual(rest, []);
    assert.match(message, new RegExp(`certificate is ${type}: with mutual TLS`));
    assert.match(message, /ownership_verification_certificate_arn, a public ACM certificate/);
    assert.match(message, /api\.example\.com/);
    assert.deepStrictEqual(await httpApiPreconditions({ certificate_type: type, ownership_verification_certificate_arn: `${ACM}ownership` }), []);
  }
  // Not for a public ACM certificate, and not the certificate vouching for itself.
  assert.match((await httpApiPreconditions({ ownership_verification_certificate_arn: `${ACM}ownership` }))[0], /only for an IMPORTED or PRIVATE/);
  assert.match((await httpApiPreconditions({ certificate_type: 'IMPORTED', ownership_verification_certificate_arn: `${ACM}server` }))[0], /other than the imported or private one/);
});

test('the ownership verification certificate reaches domain_name_configuration from the stack', async () => {
  const api = await parseDir('infra/modules/http_api');
  const cfg = api.resource['aws_apigatewayv2_domain_name.this'].domain_name_configuration[0];
  assert.strictEqual(cfg.ownership_verification_certificate_arn, '${var.ownership_verification_certificate_arn}');
  const mtls = await parseDir('infra/modules/mtls_api');
  assert.strictEqual(mtls.module.api.ownership_verification_certificate_arn, '${var.ownership_verification_certificate_arn}');
  assert.strictEqual(mtls.module.api.certificate_type, '${var.certificate_type}');
  const stack = await parseDir('infra/stacks/environment');
  assert.strictEqual(stack.module.mtls_api.ownership_verification_certificate_arn, '${var.ownership_verification_certificate_arn}');
  assert.strictEqual(stack.module.mtls_api.certificate_type, '${var.certificate_type}');
  const vars = await loadVariables(dir('infra/modules/mtls_api'));
  // The module cannot request an imported certificate: IMPORTED/PRIVATE come with certificate_arn.
  assert.strictEqual(runValidations(vars, { domain_name: 'api.example.com', hosted_zone_id: 'Z1', certificate_type: 'IMPORTED' }).failed.length, 1);
  assert.deepStrictEqual(runValidations(vars, { domain_name: 'api.example.com', certificate_arn: `${ACM}x`, certificate_type: 'IMPORTED' }).failed, []);
});

// --- item 9: Cognito domain prefix ---------------------------------------------------------------

test('the Cognito domain prefix refuses aws, amazon and cognito, as Cognito does', async () => {
  const vars = await loadVariables(dir('infra/modules/cognito'));
  const failures = (prefix) => runValidations(vars, { name: 'pool', domain_prefix: prefix }, ['domain_prefix']).failed.length;
  for (const bad of ['my-amazon-api', 'amazon', 'aws-mtls', 'cognito-x', 'UPPER', '-dash']) assert.strictEqual(failures(bad), 1, bad);
  for (const good of ['mtls-sandbox-111111111111', 'api-auth']) assert.strictEqual(failures(good), 0, good);
});

// --- item 10: least privilege for health ---------------------------------------------------------

test('the health function gets neither the registry table name nor a grant on it; token and authorizer do', async () => {
  const { module, settings } = await functionSettings({});
  const call = module.module.functions;
  const fn = await parseDir('infra/modules/lambda_function');
  const doc = fn.data['aws_iam_policy_document.permissions'];
  const moduleVars = await loadVariables(dir('infra/modules/lambda_function'));
  const grants = (name) => {
    const each = { key: name, value: settings[name] };
    const tableArn = evaluateSource(call.registry_table_arn, { each, module: STUBS.module });
    const vars = variableValues(moduleVars, { function_name: name, image_uri: 'x', registry_table_arn: tableArn });
    const statements = asList(doc.statement).map((s) => s.actions);
    for (const d of asList(doc.dynamic.statement)) {
      const instances = evaluateSource(d.for_each, { var: vars }).length;
      for (let i = 0; i < instances; i++) statements.push(asList(d.content)[0].actions);
    }
    return statements.flat().sort();
  };
  assert.deepStrictEqual(grants('health'), ['logs:CreateLogStream', 'logs:PutLogEvents']);
  assert.deepStrictEqual(settings.health.environment, {});
  for (const name of ['token', 'authorizer']) {
    assert.deepStrictEqual(grants(name), ['dynamodb:GetItem', 'logs:CreateLogStream', 'logs:PutLogEvents'], name);
    assert.strictEqual(settings[name].environment.CERT_TABLE_NAME, 'TABLE', name);
  }
});

// --- item 11: integration timeout from the function timeout ---------------------------------------

test('API Gateway waits as long as each built-in function may run, and no timeout beyond API Gateway\'s 30 s passes', async () => {
  const moduleVars = await loadVariables(dir('infra/modules/mtls_api'));
  const apiVars = await loadVariables(dir('infra/modules/http_api'));
  const base = { domain_name: 'api.example.com', hosted_zone_id: 'Z1' };
  for (const seconds of [3, 10, 25, 30]) {
    assert.deepStrictEqual(runValidations(moduleVars, { ...base, function_timeout_seconds: seconds }, ['function_timeout_seconds']).failed, [], `${seconds}`);
    const { m, settings } = await functionSettings({ function_timeout_seconds: seconds });
    const routes = m.evaluate('${local.api_routes}');
    assert.strictEqual(routes['POST /token'].integration.timeout_ms, seconds * 1000, `${seconds} s`);
    assert.strictEqual(routes['GET /health'].integration.timeout_ms, settings.health.timeout * 1000);
    assert.ok(routes['POST /token'].integration.timeout_ms >= settings.token.timeout * 1000);
    assert.deepStrictEqual(runValidations(apiVars, { routes }, ['routes']).failed, [], `${seconds} s`);
    // API Gateway waits at most 10 s for a Lambda authorizer.
    assert.strictEqual(settings.authorizer.timeout, Math.min(seconds, 10));
  }
  assert.strictEqual(runValidations(moduleVars, { ...base, function_timeout_seconds: 31 }, ['function_timeout_seconds']).failed.length, 1);
});
