'use strict';
// node --test tests/infra/observability.test.js: every metric the observability module's dashboard
// and alarms name is one the functions emit (read from src/metrics/metrics.hpp, where they are
// named once) or one AWS publishes (the table below, by namespace, with its source), with a
// dimension set that metric is published with: CloudWatch matches the exact set of dimensions, so
// a dashboard line or an alarm on any other set shows nothing and never fires.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');

const root = path.resolve(__dirname, '..', '..');
const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
const MODULE = 'infra/modules/observability/main.tf';

// What AWS publishes, per namespace: the metrics and the dimension sets, from AWS's own pages.
const AWS = {
  'AWS/ApiGateway': {
    source: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html',
    metrics: ['4xx', '5xx', 'Count', 'IntegrationLatency', 'Latency', 'DataProcessed'],
    dimensionSets: [['ApiId'], ['ApiId', 'Stage'], ['ApiId', 'Method', 'Resource', 'Stage']],
  },
  'AWS/Lambda': {
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html',
    metrics: ['Invocations', 'Errors', 'DeadLetterErrors', 'DestinationDeliveryFailures', 'Throttles',
      'OversizedRecordCount', 'ProvisionedConcurrencySpilloverInvocations', 'RecursiveInvocationsDropped',
      'Duration', 'PostRuntimeExtensionsDuration', 'IteratorAge', 'ConcurrentExecutions',
      'UnreservedConcurrentExecutions', 'ProvisionedConcurrentExecutions', 'ProvisionedConcurrencyUtilization'],
    dimensionSets: [['FunctionName'], ['FunctionName', 'Resource'], ['FunctionName', 'ExecutedVersion']],
  },
};

// The functions' metrics as src/metrics/metrics.hpp declares them: namespace, each metric with the
// dimension sets of its Line.
function emitted(header) {
  const namespace = /kNamespace = "([^"]+)"/.exec(header)[1];
  const dims = Object.fromEntries([...header.matchAll(/constexpr std::string_view (kDim\w+) = "([^"]+)"/g)].map((m) => [m[1], m[2]]));
  const sets = Object.fromEntries([...header.matchAll(/std::string_view (kBy\w+)\[\] = \{([^}]*)\}/g)]
    .map((m) => [m[1], m[2].split(',').map((s) => dims[s.trim()]).sort()]));
  const setLists = Object.fromEntries([...header.matchAll(/DimensionSet (k\w+Sets)\[\] = \{([^}]*)\}/g)]
    .map((m) => [m[1], m[2].split(',').map((s) => sets[s.trim()])]));
  const metricArrays = Object.fromEntries([...header.matchAll(/Metric (k\w+)\[\] = \{(.*?)\};/gs)]
    .map((m) => [m[1], [...m[2].matchAll(/\{"(\w+)", Unit::k\w+\}/g)].map((x) => x[1])]));
  const metrics = {};
  for (const m of header.matchAll(/constexpr Line k\w+\{table::(k\w+), table::(k\w+)\}/g)) {
    for (const name of metricArrays[m[1]]) metrics[name] = setLists[m[2]];
  }
  return { namespace, metrics, dimensions: Object.values(dims) };
}

// Every metric reference of the module: { where, namespace, metric, dimensions (sorted names) }.
async function references(text) {
  const body = await hcl.parse('main.tf', text);
  const locals = Object.assign({}, ...body.locals);
  const ns = (v) => (v === '${local.namespace}' ? locals.namespace : v);
  const refs = [];
  for (const [name, [alarm]] of Object.entries(body.resource.aws_cloudwatch_metric_alarm)) {
    if (alarm.metric_name) refs.push({ where: `alarm ${name}`, namespace: ns(alarm.namespace), metric: alarm.metric_name, dimensions: Object.keys(alarm.dimensions).sort() });
    for (const q of alarm.metric_query || []) {
      for (const m of q.metric || []) refs.push({ where: `alarm ${name} (${q.id})`, namespace: ns(m.namespace), metric: m.metric_name, dimensions: Object.keys(m.dimensions).sort() });
    }
  }
  const dashboard = body.resource.aws_cloudwatch_dashboard.this[0].dashboard_body;
  // ["AWS/X", "Metric", "Dim", value, "Dim2", value ...] and [local.namespace, "Metric", ...]
  for (const m of dashboard.matchAll(/\[\s*("AWS\/\w+"|local\.namespace)\s*,\s*("[^"]+"|m)\s*,([^\]]*)\]/g)) {
    const namespace = m[1] === 'local.namespace' ? locals.namespace : m[1].slice(1, -1);
    const pairs = m[3].split(',').map((s) => s.trim()).filter((s) => !s.startsWith('{'));
    const dimensions = pairs.filter((_, i) => i % 2 === 0).map((s) => s.replace(/^"|"$/g, '')).sort();
    // `m` is the loop over local.lambda_metrics: one reference per key.
    const names = m[2] === 'm' ? Object.keys(locals.lambda_metrics) : [m[2].slice(1, -1)];
    for (const metric of names) refs.push({ where: 'dashboard', namespace, metric, dimensions });
  }
  // SEARCH('{Namespace,Dim,...} MetricName=\"X\" ...')
  for (const m of dashboard.matchAll(/SEARCH\('\{(\$\{local\.namespace\}|[\w/]+),([\w,]+)\} MetricName=\\"(\w+)\\"/g)) {
    refs.push({ where: 'dashboard SEARCH', namespace: ns(m[1]), metric: m[3], dimensions: m[2].split(',').sort() });
  }
  return { refs, locals, dashboard };
}

function problems(refs, own) {
  const out = [];
  const sameSet = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  for (const r of refs) {
    let sets;
    if (r.namespace === own.namespace) {
      sets = own.metrics[r.metric];
      if (!sets) { out.push(`${r.where}: ${r.metric} is not a metric of src/metrics/metrics.hpp`); continue; }
    } else if (AWS[r.namespace]) {
      if (!AWS[r.namespace].metrics.includes(r.metric)) { out.push(`${r.where}: ${r.namespace} publishes no ${r.metric}`); continue; }
      sets = AWS[r.namespace].dimensionSets.map((s) => [...s].sort());
    } else {
      out.push(`${r.where}: namespace ${r.namespace} is neither the functions' nor in the AWS table`);
      continue;
    }
    if (!sets.some((s) => sameSet(s, r.dimensions))) out.push(`${r.where}: ${r.metric} is not published with dimensions [${r.dimensions}]`);
  }
  return out;
}

test('the header declares the metrics the recorder emits', () => {
  const own = emitted(read('src/metrics/metrics.hpp'));
  assert.strictEqual(own.namespace, 'ApiGatewayMtls');
  assert.deepStrictEqual(Object.keys(own.metrics).sort(), ['AuthorizerDecision', 'CertificatesExpiringSoon', 'ClientCertificateDaysToExpiry',
    'ColdStart', 'DependencyFailure', 'DependencyLatency', 'RegistryCertificateDaysToExpiry', 'TokenRequest', 'TruststoreCaDaysToExpiry',
    'TruststoreWarnings']);
  // The watcher's, one line each, by function only.
  for (const name of ['CertificatesExpiringSoon', 'RegistryCertificateDaysToExpiry', 'TruststoreCaDaysToExpiry', 'TruststoreWarnings']) {
    assert.deepStrictEqual(own.metrics[name], [['Function']], name);
  }
  assert.deepStrictEqual(own.metrics.AuthorizerDecision, [['Decision', 'Function', 'Reason'], ['Decision', 'Function']]);
  // Each is recorded somewhere (recorder.cpp fills every metric of its line by name).
  const recorder = read('src/metrics/recorder.cpp');
  for (const name of Object.keys(own.metrics)) assert.ok(recorder.includes(`{"${name}", `), `recorder.cpp never records ${name}`);
});

test('every metric of the dashboard and the alarms is emitted by the functions or published by AWS', async () => {
  const own = emitted(read('src/metrics/metrics.hpp'));
  const { refs, locals } = await references(read(MODULE));
  assert.strictEqual(locals.namespace, own.namespace, 'local.namespace is not src/metrics/metrics.hpp kNamespace');
  assert.ok(refs.length >= 20, `only ${refs.length} references found: the parser missed some`);
  assert.deepStrictEqual(problems(refs, own), []);
  // The dashboard shows every metric the functions emit, and the AWS ones the issue asks for.
  const shown = new Set(refs.filter((r) => r.where.startsWith('dashboard')).map((r) => `${r.namespace} ${r.metric}`));
  for (const m of Object.keys(own.metrics)) assert.ok(shown.has(`${own.namespace} ${m}`), `the dashboard does not show ${m}`);
  for (const m of ['AWS/ApiGateway Count', 'AWS/ApiGateway 4xx', 'AWS/ApiGateway 5xx', 'AWS/ApiGateway Latency',
    'AWS/Lambda Errors', 'AWS/Lambda Throttles', 'AWS/Lambda Duration']) assert.ok(shown.has(m), m);
});

test('the alarms\' dimension values are ones the functions write', async () => {
  const body = await hcl.parse('main.tf', read(MODULE));
  const sources = read('src/metrics/recorder.cpp') + read('src/metrics/metrics.cpp');
  for (const [name, [alarm]] of Object.entries(body.resource.aws_cloudwatch_metric_alarm)) {
    if (alarm.namespace !== '${local.namespace}') continue;
    for (const [dim, value] of Object.entries(alarm.dimensions)) {
      if (value.startsWith('${')) continue;  // a function name from the inputs
      assert.ok(sources.includes(`"${value}"`), `alarm ${name}: ${dim}=${value} is never written by src/metrics`);
    }
  }
});

test('a wrong name, namespace or dimension set is reported', async () => {
  const own = emitted(read('src/metrics/metrics.hpp'));
  const text = read(MODULE);
  for (const [from, to, expected] of [
    ['metric_name         = "AuthorizerDecision"', 'metric_name         = "AuthorizerDecisions"', /AuthorizerDecisions is not a metric/],
    ['metric_name         = "Throttles"', 'metric_name         = "Throttle"', /AWS\/Lambda publishes no Throttle/],
    ['dimensions          = { Function = local.authorizer, Decision = "Deny" }', 'dimensions          = { Function = local.authorizer }', /AuthorizerDecision is not published with dimensions \[Function\]/],
    ['["AWS/ApiGateway", "5xx", "ApiId", var.api_id]', '["AWS/ApiGateway", "5XXError", "ApiId", var.api_id]', /publishes no 5XXError/],
    ['MetricName=\\"TokenRequest\\"', 'MetricName=\\"TokenRequests\\"', /TokenRequests is not a metric/],
    ['{${local.namespace},Function,Outcome}', '{${local.namespace},Outcome}', /TokenRequest is not published with dimensions \[Outcome\]/],
    ['namespace   = "AWS/ApiGateway"', 'namespace   = "AWS/ApiGatewayV2"', /AWS\/ApiGatewayV2 is neither/],
  ]) {
    assert.ok(text.includes(from), from);
    const { refs } = await references(text.replace(from, to));
    const found = problems(refs, own);
    assert.ok(found.some((p) => expected.test(p)), `${to}: ${found.join('; ') || 'nothing reported'}`);
  }
});

// The watcher's alarms (issue 18): what it measures once a day, alarmed on daily periods. A day
// without a value is missing (neither good nor bad), two days without one are INSUFFICIENT_DATA,
// and that state notifies too: a watcher that stopped running must not look healthy.
test('the watcher\'s alarms: CA expiry, truststore warnings, every registered certificate; daily, and loud when it stops', async () => {
  const body = await hcl.parse('main.tf', read(MODULE));
  const alarms = body.resource.aws_cloudwatch_metric_alarm;
  const expected = {
    truststore_ca_expiry: ['TruststoreCaDaysToExpiry', 'Minimum', 'LessThanThreshold', '${var.ca_expiry_alarm_days}'],
    truststore_warnings: ['TruststoreWarnings', 'Maximum', 'GreaterThanThreshold', 0],
    registry_certificate_expiry: ['RegistryCertificateDaysToExpiry', 'Minimum', 'LessThanThreshold', '${var.certificate_expiry_days}'],
  };
  for (const [name, [metric, stat, op, threshold]] of Object.entries(expected)) {
    const [a] = alarms[name];
    assert.strictEqual(a.count, '${local.watcher == null ? 0 : 1}', name);
    assert.strictEqual(a.metric_name, metric, name);
    assert.deepStrictEqual(a.dimensions, { Function: '${local.watcher}' }, name);
    assert.strictEqual(a.statistic, stat, name);
    assert.strictEqual(a.comparison_operator, op, name);
    assert.strictEqual(a.threshold, threshold, name);
    assert.strictEqual(a.period, '${local.watcher_period}', name);
    assert.strictEqual(a.treat_missing_data, 'missing', name);
    assert.strictEqual(a.evaluation_periods, 2, name);
    assert.strictEqual(a.datapoints_to_alarm, 1, name);
    for (const k of ['alarm_actions', 'ok_actions', 'insufficient_data_actions']) assert.deepStrictEqual(a[k], ['${aws_sns_topic.alarms.arn}'], `${name} ${k}`);
    assert.match(read('infra/modules/observability/outputs.tf'), new RegExp(`aws_cloudwatch_metric_alarm\\.${name} : a\\.alarm_name`), name);
  }
  assert.strictEqual(Object.assign({}, ...body.locals).watcher_period, 86400);
  // The watcher itself is one of the functions: its Errors and Throttles alarms and Lambda graphs.
  assert.strictEqual(alarms.function_errors[0].for_each, '${var.function_names}');
});

test('function_names may hold the watcher, and ca_expiry_alarm_days is a whole number of days (1-365, default 60)', async () => {
  const { loadVariables, runValidations } = require(path.join(root, 'dev/tfcheck/conditions'));
  const vars = await loadVariables(path.join(root, 'infra/modules/observability'));
  const base = { name_prefix: 'mtls-test', api_id: 'abcdefghij' };
  const names = { token: 'mtls-test-token', watcher: 'mtls-test-watcher' };
  assert.deepStrictEqual(runValidations(vars, { ...base, function_names: names }, ['function_names']).failed, []);
  assert.strictEqual(runValidations(vars, { ...base, function_names: { ...names, watchdog: 'x' } }, ['function_names']).failed.length, 1);
  assert.strictEqual(vars.get('ca_expiry_alarm_days').default, 60);
  for (const ok of [1, 60, 365]) assert.deepStrictEqual(runValidations(vars, { ...base, function_names: names, ca_expiry_alarm_days: ok }, ['ca_expiry_alarm_days']).failed, [], `${ok}`);
  for (const bad of [0, 366, 30.5]) assert.strictEqual(runValidations(vars, { ...base, function_names: names, ca_expiry_alarm_days: bad }, ['ca_expiry_alarm_days']).failed.length, 1, `${bad}`);
});
