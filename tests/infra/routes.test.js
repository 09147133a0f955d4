'use strict';
// node --test tests/infra/routes.test.js: a team's own routes (issue 16, docs/contract.md section 9). The
// validations, locals and resource arguments are read from infra/ and evaluated
// (dev/tfcheck/expr.js), so a rule that is dropped or loosened in the .tf files fails here:
//   - the routes variable of infra/modules/mtls_api refuses what API Gateway, the authorizer or
//     the contract would refuse, naming the route;
//   - ROUTE_SCOPES and the routes API Gateway sends to the authorizer come from one map;
//   - HTTP backends get the identity headers from the authorizer, never from the client;
//   - local/routes.tfvars.json is checked against the same variables (dev/tfcheck/routes.js).

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const hcl = require('@cdktf/hcl2json');

const root = path.resolve(__dirname, '..', '..');
const { evaluateModule } = require(path.join(root, 'dev/tfcheck/calls'));
const { evalCondition, renderMessage } = require(path.join(root, 'dev/tfcheck/conditions'));
const { checkRoutesFile } = require(path.join(root, 'dev/tfcheck/routes'));

const MODULE = path.join(root, 'infra/modules/mtls_api');
const BASE = { name_prefix: 'mtls-test', domain_name: 'api.example.com', hosted_zone_id: 'Z1' };
const LAMBDA = 'arn:aws:lambda:eu-west-1:111111111111:function:orders';
const STUBS = {
  module: {
    registry: { name: 'TABLE', arn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/TABLE' },
    cognito: { token_url: 'U', user_pool_id: 'P' },
    functions: Object.fromEntries(['token', 'authorizer', 'health'].map((f) => [f, { arn: `arn:aws:lambda:eu-west-1:111111111111:function:${f}`, function_name: f, invoke_arn: `invoke-${f}` }])),
  },
};

// The contract's example (section 9).
const CONTRACT = {
  scopes: { 'orders.read': 'Read orders' },
  routes: {
    'GET /orders': { integration: { type: 'http', url: 'http://127.0.0.1:9100/orders' }, scopes: ['orders.read'], authorization: 'mtls' },
  },
};

// The messages of the validations of routes and scopes that fail for these inputs.
async function refusals(given) {
  const m = await evaluateModule(MODULE, { ...BASE, ...given }, STUBS);
  const out = [];
  for (const name of ['routes', 'scopes', 'resource_server_identifier', 'health_scope']) {
    for (const v of m.mod.variables.get(name).validations) {
      const r = evalCondition(v.condition, m.scope);
      assert.ok(!r.unsupported && !r.unknown, `${name}: ${r.unsupported || 'unknown'}`);
      if (!r.ok) out.push(renderMessage(v.error_message, m.scope));
    }
  }
  return out;
}

const route = (over = {}) => ({ integration: { type: 'http', url: 'https://orders.example.com/orders' }, scopes: ['orders.read'], ...over });
const withRoutes = (routes, extra = {}) => refusals({ scopes: { 'orders.read': 'Read orders', 'orders.write': 'Write orders' }, routes, ...extra });

test('the contract\'s route definition passes, and a route is behind the authorizer unless "none" is written', async () => {
  assert.deepStrictEqual(await refusals(CONTRACT), []);
  const m = await evaluateModule(MODULE, { ...BASE, scopes: CONTRACT.scopes, routes: { 'GET /orders': route() } }, STUBS);
  assert.strictEqual(m.values.routes['GET /orders'].authorization, 'mtls');
  assert.strictEqual(m.evaluate('${local.api_routes}')['GET /orders'].authorization, 'mtls');
});

test('route keys: METHOD /path with path variables, a greedy one last, or $default; anything else is refused by name', async () => {
  const good = ['$default', 'ANY /{proxy+}', 'GET /', 'POST /orders/{id}/refund', 'GET /v1/orders.json', 'DELETE /orders/{id}', 'GET /files/{path+}'];
  assert.deepStrictEqual(await withRoutes(Object.fromEntries(good.map((k) => [k, route()]))), []);
  for (const bad of ['GET orders', 'get /orders', 'GET /orders/', 'GET /{proxy+}/x', 'GET /a;b', 'GET /a=b', 'FETCH /x', 'GET /a b', 'GET /{}', 'GET //x', 'default']) {
    const messages = await withRoutes({ [bad]: route() });
    assert.strictEqual(messages.length, 1, `${bad}: ${messages.join(' | ')}`);
    assert.match(messages[0], /^Route keys must be "METHOD \/path"/);
    assert.ok(messages[0].endsWith(`not: ${bad}.`), messages[0]);
  }
});

test('POST /token and GET /health are built in; GET /health is free for a route of your own once it is turned off', async () => {
  assert.match((await withRoutes({ 'POST /token': route() }))[0], /are built in.*: POST \/token\./);
  assert.match((await withRoutes({ 'GET /health': route() }))[0], /are built in.*: GET \/health\./);
  assert.deepStrictEqual(await withRoutes({ 'GET /health': route() }, { health_route_enabled: false }), []);
});

test('each integration type has its own attributes, and only those', async () => {
  const integrations = {
    'lambda with its ARN': [{ type: 'lambda', function_arn: LAMBDA }, true],
    'lambda with an alias': [{ type: 'lambda', function_arn: `${LAMBDA}:live` }, true],
    'http with https': [{ type: 'http', url: 'https://orders.example.com:8443/orders/{id}' }, true],
    'vpc_link to an ALB listener': [{ type: 'vpc_link', vpc_link_id: 'abc123', url: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/orders/50dc6c495c0c9188/0467ef3c8400ae65', tls_server_name: 'orders.internal' }, true],
    'vpc_link to Cloud Map': [{ type: 'vpc_link', vpc_link_id: 'abc123', url: 'arn:aws:servicediscovery:eu-west-1:111111111111:service/srv-abc' }, true],
    'lambda without an ARN': [{ type: 'lambda' }, false],
    'lambda with a function name': [{ type: 'lambda', function_arn: 'orders' }, false],
    'lambda with a url too': [{ type: 'lambda', function_arn: LAMBDA, url: 'https://x.example.com' }, false],
    'http without a url': [{ type: 'http' }, false],
    'http to ftp': [{ type: 'http', url: 'ftp://orders.example.com' }, false],
    'http with a function ARN too': [{ type: 'http', url: 'https://x.example.com', function_arn: LAMBDA }, false],
    'vpc_link with a URL instead of the listener ARN': [{ type: 'vpc_link', vpc_link_id: 'abc123', url: 'http://orders.internal/orders' }, false],
    'vpc_link without its id': [{ type: 'vpc_link', url: 'arn:aws:servicediscovery:eu-west-1:111111111111:service/srv-abc' }, false],
    'a type of the local stack only': [{ type: 'function' }, false],
    'an unknown type': [{ type: 'sqs', url: 'https://x.example.com' }, false],
  };
  for (const [what, [integration, ok]] of Object.entries(integrations)) {
    const messages = await withRoutes({ 'GET /orders': route({ integration }) });
    if (ok) assert.deepStrictEqual(messages, [], what);
    else assert.ok(messages.length === 1 && /^Each route's integration is one of .*not so for GET \/orders\.$/.test(messages[0]), `${what}: ${messages.join(' | ')}`);
  }
  const tls = await withRoutes({ 'GET /orders': route({ integration: { type: 'http', url: 'https://x.example.com', tls_server_name: 'x' } }) });
  assert.match(tls[0], /^tls_server_name is for a vpc_link integration.*GET \/orders\.$/);
});

test('authorization is mtls or none; an mtls route names scopes, a none route names none', async () => {
  for (const bad of ['NONE', 'iam', 'jwt', '']) {
    const messages = await withRoutes({ 'GET /orders': route({ authorization: bad }) });
    assert.ok(messages.some((m) => /^authorization must be "mtls".*GET \/orders\.$/.test(m)), `${bad}: ${messages.join(' | ')}`);
  }
  assert.deepStrictEqual(await withRoutes({ 'GET /status': route({ authorization: 'none', scopes: [] }) }), []);
  assert.match((await withRoutes({ 'GET /orders': route({ scopes: [] }) }))[0], /^A route with authorization mtls names at least one scope.*GET \/orders\.$/);
  assert.match((await withRoutes({ 'GET /status': route({ authorization: 'none' }) }))[0], /one with authorization none names none.*GET \/status\.$/);
});

test('a route naming a scope the resource server does not define is refused at plan time, naming route and scope', async () => {
  const messages = await withRoutes({ 'GET /orders': route({ scopes: ['orders.read', 'orders.delete'] }), 'GET /a': route({ scopes: ['nope'] }) });
  assert.deepStrictEqual(messages, ['Every scope a route names must be defined in scopes (or be the health scope while GET /health is on): GET /a names nope, GET /orders names orders.delete.']);
  // The health scope is defined while GET /health is on, and only then.
  assert.deepStrictEqual(await withRoutes({ 'GET /me': route({ scopes: ['health.read'] }) }), []);
  assert.match((await withRoutes({ 'GET /me': route({ scopes: ['health.read'] }) }, { health_route_enabled: false }))[0], /GET \/me names health\.read\.$/);
  // The same through the checker, as `terraform plan` would refuse it: tests/infra/fixtures/route-undefined-scope.
});

test('integration timeouts within API Gateway\'s 50-30000 ms, throttling whole and not negative', async () => {
  for (const ms of [50, 30000]) assert.deepStrictEqual(await withRoutes({ 'GET /orders': route({ integration: { type: 'http', url: 'https://x.example.com', timeout_ms: ms } }) }), [], `${ms}`);
  for (const ms of [49, 30001]) assert.match((await withRoutes({ 'GET /orders': route({ integration: { type: 'http', url: 'https://x.example.com', timeout_ms: ms } }) }))[0], /^integration\.timeout_ms must be between 50 and 30000.*GET \/orders\.$/, `${ms}`);
  assert.deepStrictEqual(await withRoutes({ 'GET /orders': route({ throttling: { burst_limit: 0, rate_limit: 0.5 } }) }), []);
  for (const throttling of [{ burst_limit: -1, rate_limit: 1 }, { burst_limit: 1.5, rate_limit: 1 }, { burst_limit: 1, rate_limit: -1 }]) {
    assert.match((await withRoutes({ 'GET /orders': route({ throttling }) }))[0], /^throttling\.burst_limit must be a whole number/, JSON.stringify(throttling));
  }
});

test('scope names and the resource server identifier cannot break ROUTE_SCOPES (";" separates its entries, " " its scopes)', async () => {
  for (const bad of ['orders;read', 'orders read', 'orders/read', '']) {
    assert.match((await refusals({ scopes: { [bad]: 'x' } }))[0], /^Scope names are 1-256 printable characters/, JSON.stringify(bad));
  }
  assert.match((await refusals({ scopes: { 'orders.read': '' } }))[0], /each needs a description/);
  assert.match((await refusals({ resource_server_identifier: 'mtls;api' }))[0], /^resource_server_identifier must be/);
  assert.deepStrictEqual(await refusals({ resource_server_identifier: 'https://api.example.com' }), []);
});

// The authorizer's parser (src/functions/authorizer/handler.cpp, parse_route_scopes), in JS.
function parseRouteScopes(text) {
  const out = {};
  for (const entry of text.split(';').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    assert.ok(eq > 0, `entry ${entry} is not <routeKey>=<scopes>`);
    const key = entry.slice(0, eq).trim();
    assert.ok(!(key in out), `${key} twice`);
    out[key] = entry.slice(eq + 1).trim().split(' ').filter(Boolean);
    assert.ok(out[key].length > 0, `${key} names no scope`);
  }
  return out;
}

test('ROUTE_SCOPES and the routes API Gateway sends to the authorizer come from one map, with full scope names', async () => {
  const routes = {
    'GET /orders': route(),
    'POST /orders/{id}/refund': route({ integration: { type: 'lambda', function_arn: LAMBDA }, scopes: ['orders.read', 'orders.write'] }),
    'GET /orders/status': route({ authorization: 'none', scopes: [] }),
    $default: route({ scopes: ['orders.write'] }),
  };
  for (const identifier of ['mtls-api', 'https://api.example.com']) {
    const m = await evaluateModule(MODULE, { ...BASE, resource_server_identifier: identifier, scopes: { 'orders.read': 'r', 'orders.write': 'w' }, routes }, STUBS);
    const env = m.evaluate('${local.function_settings}').authorizer.environment.ROUTE_SCOPES;
    const parsed = parseRouteScopes(env);
    const api = m.evaluate('${local.api_routes}');
    const behindAuthorizer = Object.keys(api).filter((k) => api[k].authorization === 'mtls').sort();
    assert.deepStrictEqual(Object.keys(parsed).sort(), behindAuthorizer);
    assert.deepStrictEqual(behindAuthorizer, ['$default', 'GET /health', 'GET /orders', 'POST /orders/{id}/refund']);
    assert.deepStrictEqual(parsed['POST /orders/{id}/refund'], [`${identifier}/orders.read`, `${identifier}/orders.write`]);
    assert.deepStrictEqual(parsed['GET /health'], [`${identifier}/health.read`]);
    assert.strictEqual(api['GET /orders/status'].authorization, 'none');
    assert.strictEqual(api['POST /token'].authorization, 'none');
    // The resource server holds every scope a route names, under the same full names.
    const rs = m.evaluate('${local.resource_server_scopes}');
    assert.deepStrictEqual(Object.keys(rs).sort(), ['health.read', 'orders.read', 'orders.write']);
    assert.deepStrictEqual(m.evaluate('${local.full_scope}')['orders.read'], `${identifier}/orders.read`);
  }
  // The module call and the http_api routes resource use that map, not a copy of it.
  const main = await hcl.parse('main.tf', fs.readFileSync(path.join(MODULE, 'main.tf'), 'utf8'));
  assert.strictEqual(main.module.api[0].routes, '${local.api_routes}');
  const api = await hcl.parse('main.tf', fs.readFileSync(path.join(root, 'infra/modules/http_api/main.tf'), 'utf8'));
  assert.strictEqual(api.resource.aws_apigatewayv2_route.this[0].for_each, '${var.routes}');
});

test('without GET /health and without a route behind it, no authorizer (whose ROUTE_SCOPES would be empty) is deployed', async () => {
  // Only the functions deployed exist: nothing may read module.functions["health"] then.
  const onlyToken = { module: { ...STUBS.module, functions: { token: STUBS.module.functions.token } } };
  const none = await evaluateModule(MODULE, { ...BASE, health_route_enabled: false, routes: { 'GET /status': route({ authorization: 'none', scopes: [] }) } }, onlyToken);
  assert.deepStrictEqual(none.evaluate('${local.deployed_functions}').sort(), ['pre-token', 'token', 'watcher']);
  assert.deepStrictEqual(Object.keys(none.evaluate('${local.function_settings}')), ['token']);
  const main = await hcl.parse('main.tf', fs.readFileSync(path.join(MODULE, 'main.tf'), 'utf8'));
  assert.strictEqual(none.evaluate(main.module.api[0].authorizer_function), null);
  assert.deepStrictEqual(Object.keys(none.evaluate('${local.api_routes}')).sort(), ['GET /status', 'POST /token']);
  assert.deepStrictEqual(none.evaluate('${local.resource_server_scopes}'), {});
  const noHealth = { module: { ...STUBS.module, functions: { token: STUBS.module.functions.token, authorizer: STUBS.module.functions.authorizer } } };
  const one = await evaluateModule(MODULE, { ...BASE, health_route_enabled: false, scopes: { 'orders.read': 'r' }, routes: { 'GET /orders': route() } }, noHealth);
  assert.deepStrictEqual(Object.keys(one.evaluate('${local.api_routes}')).sort(), ['GET /orders', 'POST /token']);
  assert.deepStrictEqual(one.evaluate('${local.deployed_functions}').sort(), ['authorizer', 'pre-token', 'token', 'watcher']);
  assert.strictEqual(one.evaluate('${local.function_settings}').authorizer.environment.ROUTE_SCOPES, 'GET /orders=mtls-api/orders.read');
  assert.deepStrictEqual(one.evaluate(main.module.api[0].authorizer_function), { function_name: 'authorizer', invoke_arn: 'invoke-authorizer' });
});

// The headers API Gateway does not let parameter mapping touch (AWS, "Transform API requests and
// responses for HTTP APIs", Reserved headers).
const RESERVED = [/^access-control-/, /^apigw-/, /^authorization$/, /^connection$/, /^content-encoding$/, /^content-length$/,
  /^content-location$/, /^forwarded$/, /^keep-alive$/, /^origin$/, /^proxy-authenticate$/, /^proxy-authorization$/, /^te$/,
  /^trailers$/, /^transfer-encoding$/, /^upgrade$/, /^x-amz-/, /^x-amzn-/, /^x-forwarded-for$/, /^x-forwarded-host$/,
  /^x-forwarded-proto$/, /^via$/];

test('HTTP backends get x-mtls-* from the authorizer, overwriting what the client sent; on a none route they are removed', async () => {
  const api = await evaluateModule(path.join(root, 'infra/modules/http_api'), {
    name: 'api', domain_name: 'api.example.com', certificate_arn: 'arn:aws:acm:eu-west-1:111111111111:certificate/x',
    truststore_uri: 's3://b/t.pem', truststore_version: 'v1', routes: {},
  });
  const main = await hcl.parse('main.tf', fs.readFileSync(path.join(root, 'infra/modules/http_api/main.tf'), 'utf8'));
  const integration = main.resource.aws_apigatewayv2_integration.route[0];
  const params = (type, authorization) => api.evaluate(integration.request_parameters, {
    each: { key: 'GET /orders', value: { integration: { type, uri: 'u', vpc_link_id: null, tls_server_name: null, timeout_ms: null }, authorization, throttling: null } },
  });
  const fromAuthorizer = {
    'overwrite:header.x-mtls-client-id': '$context.authorizer.client_id',
    'overwrite:header.x-mtls-cert-thumbprint': '$context.authorizer.cert_thumbprint',
    'overwrite:header.x-mtls-scope': '$context.authorizer.scope',
  };
  const removed = { 'remove:header.x-mtls-client-id': "''", 'remove:header.x-mtls-cert-thumbprint': "''", 'remove:header.x-mtls-scope': "''" };
  for (const type of ['http', 'vpc_link']) {
    assert.deepStrictEqual(params(type, 'mtls'), fromAuthorizer, type);
    assert.deepStrictEqual(params(type, 'none'), removed, type);
  }
  // Lambda backends read requestContext.authorizer.lambda, which a client cannot set.
  assert.strictEqual(params('lambda', 'mtls'), null);
  // The context fields are the ones the authorizer puts in its context on allow (docs/contract.md section 5).
  const handler = fs.readFileSync(path.join(root, 'src/functions/authorizer/handler.cpp'), 'utf8');
  for (const field of ['client_id', 'cert_thumbprint', 'scope']) assert.ok(handler.includes(`"${field}"`), `authorizer context lacks ${field}`);
  for (const key of [...Object.keys(fromAuthorizer), ...Object.keys(removed)]) {
    const header = key.replace(/^[a-z]+:header\./, '');
    assert.ok(!RESERVED.some((r) => r.test(header)), `${header} is reserved: API Gateway would refuse the mapping`);
  }
  // Types map to API Gateway's integration settings.
  const setting = (type, attr) => api.evaluate(integration[attr], { each: { key: 'k', value: { integration: { type, uri: 'u', vpc_link_id: 'v1', tls_server_name: null, timeout_ms: null }, authorization: 'mtls', throttling: null } } });
  assert.deepStrictEqual(['lambda', 'http', 'vpc_link'].map((t) => setting(t, 'integration_type')), ['AWS_PROXY', 'HTTP_PROXY', 'HTTP_PROXY']);
  assert.deepStrictEqual(['lambda', 'http', 'vpc_link'].map((t) => setting(t, 'connection_type')), [null, 'INTERNET', 'VPC_LINK']);
  assert.deepStrictEqual(['lambda', 'http', 'vpc_link'].map((t) => setting(t, 'connection_id')), [null, null, 'v1']);
  assert.deepStrictEqual(['lambda', 'http', 'vpc_link'].map((t) => setting(t, 'payload_format_version')), ['2.0', '1.0', '1.0']);
});

test('a Lambda route\'s invoke permission is scoped to the route\'s method and path in this API', async () => {
  const routes = Object.fromEntries(['GET /orders', 'POST /orders/{id}/refund', 'ANY /files/{path+}', '$default', 'GET /x'].map((k, i) => [k, {
    integration: { type: i === 4 ? 'http' : 'lambda', uri: i === 4 ? 'https://x.example.com' : LAMBDA }, authorization: 'mtls',
  }]));
  const api = await evaluateModule(path.join(root, 'infra/modules/http_api'), {
    name: 'api', domain_name: 'api.example.com', certificate_arn: 'arn:aws:acm:eu-west-1:111111111111:certificate/x',
    truststore_uri: 's3://b/t.pem', truststore_version: 'v1', routes,
  });
  assert.deepStrictEqual(api.evaluate('${local.permission_paths}'), {
    'GET /orders': '*/GET/orders',
    'POST /orders/{id}/refund': '*/POST/orders/*/refund',
    'ANY /files/{path+}': '*/*/files/*',
    $default: '*/$default',
  });
  // One statement id per API and route (two APIs may share a function), within Lambda's limits.
  const main = await hcl.parse('main.tf', fs.readFileSync(path.join(root, 'infra/modules/http_api/main.tf'), 'utf8'));
  const ids = Object.keys(routes).map((k) => api.evaluate(main.resource.aws_lambda_permission.route[0].statement_id, { each: { key: k } }));
  assert.strictEqual(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{1,100}$/);
});

test('the environment stack passes every input of the module through unchanged, and validates none of them itself', async () => {
  const stackDir = path.join(root, 'infra/stacks/environment');
  const read = async (d) => {
    const vars = {};
    for (const f of fs.readdirSync(d).filter((n) => n.endsWith('.tf'))) Object.assign(vars, (await hcl.parse(f, fs.readFileSync(path.join(d, f), 'utf8'))).variable || {});
    return vars;
  };
  const stack = await read(stackDir);
  const mod = await read(MODULE);
  const call = (await hcl.parse('main.tf', fs.readFileSync(path.join(stackDir, 'main.tf'), 'utf8'))).module.mtls_api[0];
  // The two inputs the stack wires itself: the watcher's message goes to the observability
  // module's alarm topic (under its key), and nowhere without it.
  const wired = {
    watcher_alert_topic_arn: '${var.observability_enabled ? module.observability[0].topic_arn : null}',
    watcher_alert_topic_kms_key_arn: '${var.observability_enabled ? var.alarm_topic_kms_key_arn : null}',
  };
  for (const [name, value] of Object.entries(wired)) {
    assert.ok(mod[name], `the module has no ${name}`);
    assert.ok(!stack[name], `the stack declares ${name}, which it wires itself`);
    assert.strictEqual(call[name], value, name);
  }
  for (const [name, [v]] of Object.entries(mod)) {
    if (name === 'tags') continue; // the stack tags through the provider's default_tags
    if (wired[name]) continue;
    assert.ok(stack[name], `the stack does not declare ${name}`);
    assert.strictEqual(stack[name][0].type, v.type, `${name}: another type than the module's`);
    assert.strictEqual(call[name], `\${var.${name}}`, `${name} is not passed through`);
    // An optional input of the module is optional in the stack, as null (the module's default).
    if (v.default !== undefined) {
      assert.strictEqual(stack[name][0].default, null, name);
      if (v.default !== null) assert.strictEqual(v.nullable, false, `${name}: null would not give the module's default`);
    }
  }
  // The stack's own inputs, and the removed clients input, which only refuses to be set.
  const own = Object.entries(stack).filter(([, [v]]) => v.validation).map(([n]) => n).sort();
  assert.deepStrictEqual(own, ['aws_region', 'clients', 'environment']);
  assert.ok(!mod.clients, 'the module has a clients input again');
});

// --- the local route file ------------------------------------------------------------------------

function tmpFile(content) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'routes-'));
  const file = path.join(dir, 'routes.tfvars.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function checkLocal(content) {
  const { file, cleanup } = tmpFile(content);
  try {
    return await checkRoutesFile(file);
  } finally {
    cleanup();
  }
}

test('local/routes.tfvars.json passes the module\'s variables and validations', async () => {
  const { findings, derived } = await checkRoutesFile(path.join(root, 'local/routes.tfvars.json'));
  assert.deepStrictEqual(findings, []);
  assert.strictEqual(derived.route_scopes_env, 'GET /health=mtls-api/health.read');
});

test('the contract\'s example works locally, with the ROUTE_SCOPES Terraform would give the authorizer', async () => {
  const { findings, derived } = await checkLocal(CONTRACT);
  assert.deepStrictEqual(findings, []);
  assert.strictEqual(derived.route_scopes_env, 'GET /health=mtls-api/health.read;GET /orders=mtls-api/orders.read');
  const fn = await checkLocal({ scopes: {}, routes: { 'GET /me': { integration: { type: 'function', binary: 'build/bin/me', timeout_ms: 3000 }, scopes: ['health.read'] } } });
  assert.deepStrictEqual(fn.findings, []);
  assert.deepStrictEqual(fn.derived.routes['GET /me'].integration, { type: 'function', binary: 'build/bin/me', timeout_ms: 3000 });
});

test('the local file is refused for what Terraform refuses, and for what only the local stack cannot do', async () => {
  const cases = [
    [{ ...CONTRACT, routes: { 'GET /orders': { ...CONTRACT.routes['GET /orders'], scopes: ['orders.write'] } } }, /^routes: Every scope a route names must be defined in scopes .*GET \/orders names orders\.write\.$/],
    [{ scopes: {}, routes: { 'GET /x': { integration: { type: 'lambda', function_arn: LAMBDA }, authorization: 'none' } } }, /^routes\["GET \/x"\]: the local stack has no "lambda" integration/],
    [{ scopes: {}, routes: { 'GET /x': { integration: { type: 'function' }, authorization: 'none' } } }, /^routes\["GET \/x"\]: a function integration needs "binary"/],
    [{ scopes: {}, routes: { 'GET /x': { integration: { type: 'http', url: 'http://127.0.0.1:1/x', binary: 'b' }, authorization: 'none' } } }, /^routes\["GET \/x"\]: "binary" is for an integration of type "function"/],
    // Terraform would drop the misspelt attribute without a word; here it is refused.
    [{ scopes: {}, routes: { 'GET /x': { integration: { type: 'http', url: 'http://127.0.0.1:1/x' }, authorisation: 'none' } } }, /^routes: does not fit the type of the module's variable: .*unexpected attribute authorisation/],
    [{ ...CONTRACT, clients: {} }, /^clients: "clients" is not part of the route definition/],
    [{ scopes: { 'a;b': 'x' }, routes: {} }, /^scopes: Scope names are/],
    ['{ "routes": ', /^\(file\): not JSON/],
    ['[]', /^\(file\): the file must hold a JSON object/],
  ];
  for (const [content, expected] of cases) {
    const { findings } = await checkLocal(content);
    assert.ok(findings.some((f) => expected.test(`${f.where}: ${f.message}`)), `${expected}:\n${findings.map((f) => `${f.where}: ${f.message}`).join('\n')}`);
  }
});

test('routes.js exits 0 on a good file, 1 on findings, 2 on bad usage', () => {
  const cli = path.join(root, 'dev/tfcheck/routes.js');
  const good = spawnSync(process.execPath, [cli], { cwd: root, encoding: 'utf8' });
  assert.strictEqual(good.status, 0, good.stdout + good.stderr);
  const { file, cleanup } = tmpFile({ scopes: {}, routes: { 'GET /x': { integration: { type: 'http', url: 'http://127.0.0.1:1/x' }, scopes: ['nope'] } } });
  try {
    const bad = spawnSync(process.execPath, [cli, file], { encoding: 'utf8' });
    assert.strictEqual(bad.status, 1);
    assert.match(bad.stdout, /routes: Every scope a route names must be defined in scopes .*GET \/x names nope\./);
    const json = spawnSync(process.execPath, [cli, '--json'], { cwd: root, encoding: 'utf8' });
    assert.strictEqual(JSON.parse(json.stdout).route_scopes_env, 'GET /health=mtls-api/health.read');
  } finally {
    cleanup();
  }
  assert.strictEqual(spawnSync(process.execPath, [cli, '--nope'], { encoding: 'utf8' }).status, 2);
});

test('the local file names only variables the module has, with the types the contract gives them', async () => {
  const m = await evaluateModule(MODULE, BASE);
  const data = JSON.parse(fs.readFileSync(path.join(root, 'local/routes.tfvars.json'), 'utf8'));
  for (const k of Object.keys(data)) assert.ok(m.mod.variables.has(k), k);
  assert.deepStrictEqual(Object.keys(data).sort(), ['routes', 'scopes']);
  assert.strictEqual(m.mod.variables.get('routes').type.kind, 'map');
  assert.deepStrictEqual(Object.keys(m.mod.variables.get('routes').type.of.attrs).sort(), ['authorization', 'integration', 'scopes', 'throttling']);
  assert.deepStrictEqual(Object.keys(m.mod.variables.get('routes').type.of.attrs.integration.type.attrs).sort(),
    ['function_arn', 'timeout_ms', 'tls_server_name', 'type', 'url', 'vpc_link_id']);
});
