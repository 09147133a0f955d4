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

// --- issue 18 item 3: the watcher ----------------------------------------------------------------

const WATCHER_STUBS = {
  module: { ...STUBS.module, truststore: { bucket_arn: 'arn:aws:s3:::mtls-test-truststore-111111111111', key: 'truststore.pem', uri: 's3://mtls-test-truststore-111111111111/truststore.pem' } },
  data: { aws_region: { current: { region: 'eu-west-1' } }, aws_partition: { current: { partition: 'aws' } }, aws_caller_identity: { current: { account_id: '111111111111' } } },
};
const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:mtls-test-alarms';
const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

async function watcher(given) {
  const m = await evaluateModule(dir('infra/modules/mtls_api'), { name_prefix: 'mtls-test', domain_name: 'api.example.com', hosted_zone_id: 'Z1', ...given }, WATCHER_STUBS);
  return { m, statements: m.evaluate('${local.watcher_policy_statements}'), env: m.evaluate('${local.watcher_environment}') };
}

test('the watcher gets its configuration from the registry, the truststore and the domain, and ALERT_TOPIC_ARN only when given', async () => {
  const { m, env } = await watcher({});
  assert.deepStrictEqual(env, {
    CERT_TABLE_NAME: 'TABLE', EXPIRY_WARNING_DAYS: '30', TRUSTSTORE_URI: 's3://mtls-test-truststore-111111111111/truststore.pem',
    DOMAIN_NAME: 'api.example.com', ALERT_TOPIC_ARN: '',
  });
  assert.ok(m.evaluate('${local.deployed_functions}').includes('watcher'));
  assert.strictEqual((await watcher({ expiry_warning_days: 45, watcher_alert_topic_arn: TOPIC })).env.EXPIRY_WARNING_DAYS, '45');
  assert.strictEqual((await watcher({ watcher_alert_topic_arn: TOPIC })).env.ALERT_TOPIC_ARN, TOPIC);
  assert.ok(!(await watcher({ watcher_enabled: false })).m.evaluate('${local.deployed_functions}').includes('watcher'));
  // What the call gives lambda_function: no registry GetItem, 256 MB, 60 s (well within Lambda's 900).
  const module = await parseDir('infra/modules/mtls_api');
  const call = module.module.watcher_function;
  assert.strictEqual(call.count, '${var.watcher_enabled ? 1 : 0}');
  assert.strictEqual(call.registry_table_arn, undefined);
  assert.strictEqual(call.memory_size, 256);
  assert.strictEqual(m.evaluate(call.timeout_seconds), 60);
  assert.strictEqual(call.environment, '${local.watcher_environment}');
});

test('the watcher may scan the registry, read the truststore object and the one domain, and publish to the one topic (its key through SNS)', async () => {
  const expected = {
    ScanRegistry: { actions: ['dynamodb:Scan'], resources: ['arn:aws:dynamodb:eu-west-1:111111111111:table/TABLE'] },
    ReadTruststore: { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::mtls-test-truststore-111111111111/truststore.pem'] },
    ReadDomainWarnings: { actions: ['apigateway:GET'], resources: ['arn:aws:apigateway:eu-west-1::/domainnames/api.example.com'] },
  };
  assert.deepStrictEqual((await watcher({})).statements, expected);
  assert.deepStrictEqual((await watcher({ watcher_alert_topic_arn: TOPIC })).statements, { ...expected, PublishAlert: { actions: ['sns:Publish'], resources: [TOPIC] } });
  const withKey = (await watcher({ watcher_alert_topic_arn: TOPIC, watcher_alert_topic_kms_key_arn: KEY })).statements;
  assert.deepStrictEqual(withKey.UseAlertTopicKey, {
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [KEY],
    conditions: [{ test: 'StringEquals', variable: 'kms:ViaService', values: ['sns.eu-west-1.amazonaws.com'] }],
  });
  // lambda_function takes them as they are, and refuses a wildcard or a made-up statement id.
  const fnVars = await loadVariables(dir('infra/modules/lambda_function'));
  const failures = (policy_statements) => runValidations(fnVars, { function_name: 'f', image_uri: 'x', policy_statements }, ['policy_statements']).failed.length;
  assert.strictEqual(failures(withKey), 0);
  assert.strictEqual(failures({ All: { actions: ['s3:*'], resources: ['arn:aws:s3:::b/k'] } }), 1);
  assert.strictEqual(failures({ All: { actions: ['*'], resources: ['arn:aws:s3:::b/k'] } }), 1);
  assert.strictEqual(failures({ All: { actions: ['s3:GetObject'], resources: ['*'] } }), 1);
  assert.strictEqual(failures({ All: { actions: [], resources: ['arn:aws:s3:::b/k'] } }), 1);
  assert.strictEqual(failures({ 'Not-A-Sid': { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/k'] } }), 1);
  // The statements become exactly one Allow each in the function's policy document.
  const fn = await parseDir('infra/modules/lambda_function');
  const [extra] = asList(fn.data['aws_iam_policy_document.permissions'].dynamic.statement).filter((d) => d.for_each === '${var.policy_statements}');
  const vars = variableValues(fnVars, { function_name: 'f', image_uri: 'x', policy_statements: withKey });
  const rendered = Object.entries(evaluateSource(extra.for_each, { var: vars })).map(([key, value]) => {
    const statement = { key, value };
    const c = asList(extra.content)[0];
    return { sid: evaluateSource(c.sid, { statement }), actions: evaluateSource(c.actions, { statement }), resources: evaluateSource(c.resources, { statement }), conditions: value.conditions.length };
  });
  assert.deepStrictEqual(rendered.map((r) => r.sid).sort(), ['PublishAlert', 'ReadDomainWarnings', 'ReadTruststore', 'ScanRegistry', 'UseAlertTopicKey']);
  assert.deepStrictEqual(rendered.find((r) => r.sid === 'UseAlertTopicKey').conditions, 1);
  assert.deepStrictEqual(rendered.find((r) => r.sid === 'ScanRegistry').conditions, 0);
});

test('the watcher\'s schedule: at least daily, UTC, no flexible window, retried, by a role of its own; its inputs validated', async () => {
  const vars = await loadVariables(dir('infra/modules/mtls_api'));
  const base = { domain_name: 'api.example.com', hosted_zone_id: 'Z1' };
  const fails = (name, value) => runValidations(vars, { ...base, [name]: value }, [name]).failed.length;
  assert.strictEqual(vars.get('watcher_schedule_expression').default, 'rate(1 day)');
  for (const ok of ['rate(1 day)', 'rate(1 hour)', 'rate(12 hours)', 'rate(24 hours)', 'cron(0 6 * * ? *)', 'cron(15 3 ? * MON-FRI *)']) assert.strictEqual(fails('watcher_schedule_expression', ok), 0, ok);
  for (const bad of ['rate(2 days)', 'rate(1 days)', 'rate(25 hours)', 'rate(5 minutes)', 'rate(0 hours)', 'cron(0 6 * * ?)', 'at(2030-01-01T00:00:00)', '1 day', '']) {
    assert.strictEqual(fails('watcher_schedule_expression', bad), 1, bad);
  }
  assert.strictEqual(vars.get('expiry_warning_days').default, 30);
  for (const ok of [1, 30, 365]) assert.strictEqual(fails('expiry_warning_days', ok), 0, `${ok}`);
  for (const bad of [0, 366, 7.5, -1]) assert.strictEqual(fails('expiry_warning_days', bad), 1, `${bad}`);
  assert.strictEqual(vars.get('watcher_enabled').default, true);
  assert.strictEqual(fails('watcher_alert_topic_arn', TOPIC), 0);
  assert.strictEqual(fails('watcher_alert_topic_arn', `${TOPIC}.fifo`), 1);
  assert.strictEqual(fails('watcher_alert_topic_kms_key_arn', KEY), 0);
  assert.strictEqual(fails('watcher_alert_topic_kms_key_arn', 'arn:aws:kms:eu-west-1:111111111111:alias/alarms'), 1);
  const module = await parseDir('infra/modules/mtls_api');
  const schedule = module.resource['aws_scheduler_schedule.watcher'];
  assert.strictEqual(schedule.schedule_expression, '${var.watcher_schedule_expression}');
  assert.strictEqual(schedule.schedule_expression_timezone, 'UTC');
  assert.deepStrictEqual(schedule.flexible_time_window, [{ mode: 'OFF' }]);
  const retry = schedule.target[0].retry_policy[0];
  assert.ok(retry.maximum_retry_attempts >= 1 && retry.maximum_event_age_in_seconds >= 60 && retry.maximum_event_age_in_seconds <= 86400);
  // One run, one message: Lambda does not run a failed run again.
  assert.strictEqual(module.resource['aws_lambda_function_event_invoke_config.watcher'].maximum_retry_attempts, 0);
  // lambda_function allows the watcher's 60 s; an HTTP API's functions are held to 30 s by mtls_api.
  const fnVars = await loadVariables(dir('infra/modules/lambda_function'));
  for (const ok of [1, 30, 60, 900]) assert.deepStrictEqual(runValidations(fnVars, { function_name: 'f', image_uri: 'x', timeout_seconds: ok }, ['timeout_seconds']).failed, [], `${ok}`);
  for (const bad of [0, 901, 1.5]) assert.strictEqual(runValidations(fnVars, { function_name: 'f', image_uri: 'x', timeout_seconds: bad }, ['timeout_seconds']).failed.length, 1, `${bad}`);
});
