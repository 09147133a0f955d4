'use strict';
// node --test tests/infra/pki.test.js: the PKI in the account (issue 17, infra/modules/pki).
//
// The key policy and the three identity policies are rendered from the .tf files (every
// expression evaluated by dev/tfcheck/expr.js, the data sources and the key's ARN stubbed), then
// requests are run through a small model of how AWS decides them: an identity policy for SSM, DynamoDB,
// Cognito and S3; for KMS the key policy, which either names the principal or delegates to the
// account, in which case the identity policy must allow as well. SSM's use of KMS is modelled as
// AWS documents it: kms:Encrypt (Standard tier) or kms:GenerateDataKey (Advanced) to write and
// kms:Decrypt to read, through the SSM service (kms:ViaService) with the encryption context
// PARAMETER_ARN = the parameter's ARN. So "the planner cannot decrypt the CA key" is a request
// that is refused, not a string that is absent.
//
// Also: Terraform no longer makes app clients (no aws_cognito_user_pool_client is left, and the
// removed block forgets the old ones without destroying them), and the stack refuses a leftover
// `clients` input.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');

const root = path.resolve(__dirname, '..', '..');
const { evaluateModule } = require(path.join(root, 'dev/tfcheck/calls'));
const { loadVariables, runValidations } = require(path.join(root, 'dev/tfcheck/conditions'));

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const PREFIX = 'mtls-test';
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const role = (name, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
const OPERATOR = role(`${PREFIX}-ca-operator`);
const PLANNER = role(`${PREFIX}-pki-plan`);
const param = (name) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`;
const SSM = `ssm.${REGION}.amazonaws.com`;
const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const INPUTS = {
  name_prefix: PREFIX,
  registry_table_name: `${PREFIX}-cert-registry`,
  user_pool_id: `${REGION}_AbCdEf123`,
  token_url: 'https://api.example.com/token',
  truststore_bucket_name: `${PREFIX}-truststore-${ACCOUNT}`,
  truststore_parameter_name: `/${PREFIX}/truststore`,
  operator_role_arns: [OPERATOR],
  planner_role_arns: [PLANNER],
};

async function parseDir(d) {
  const out = { data: {}, resource: {}, removed: [], variable: {}, output: {}, module: {} };
  for (const f of fs.readdirSync(path.join(root, d)).filter((n) => n.endsWith('.tf'))) {
    const body = await hcl.parse(f, fs.readFileSync(path.join(root, d, f), 'utf8'));
    for (const kind of ['data', 'resource']) {
      for (const [type, byName] of Object.entries(body[kind] || {})) {
        for (const [name, v] of Object.entries(byName)) out[kind][`${type}.${name}`] = asList(v)[0];
      }
    }
    out.removed.push(...asList(body.removed));
    for (const kind of ['variable', 'output', 'module']) Object.assign(out[kind], body[kind] || {});
  }
  return out;
}

// The module's policy documents as IAM JSON, for the given inputs.
async function render(given = {}) {
  const stubs = {
    data: {
      aws_caller_identity: { current: { account_id: ACCOUNT } },
      aws_region: { current: { region: REGION } },
      aws_partition: { current: { partition: 'aws' } },
    },
    aws_kms_key: { this: { arn: KEY } },
  };
  const m = await evaluateModule(path.join(root, 'infra/modules/pki'), { ...INPUTS, ...given }, stubs);
  const parsed = await parseDir('infra/modules/pki');
  const statement = (s) => {
    const out = { Sid: s.sid, Effect: s.effect || 'Allow', Action: m.evaluate(s.actions), Resource: m.evaluate(s.resources), Condition: {} };
    for (const p of asList(s.principals)) out.Principal = { [p.type]: m.evaluate(p.identifiers) };
    for (const c of asList(s.condition)) {
      out.Condition[c.test] = { ...(out.Condition[c.test] || {}), [m.evaluate(c.variable)]: m.evaluate(c.values) };
    }
    return out;
  };
  const docs = {};
  for (const [key, b] of Object.entries(parsed.data).filter(([k]) => k.startsWith('aws_iam_policy_document.'))) {
    const list = asList(b.statement).map(statement);
    for (const d of asList((b.dynamic || {}).statement)) {
      for (let i = 0; i < m.evaluate(d.for_each).length; i++) list.push(statement(asList(d.content)[0]));
    }
    docs[key.split('.')[1]] = list;
  }
  return { docs, m, parsed };
}

// --- a model of AWS's decision --------------------------------------------------------------------

const MISSING = Symbol('missing');
// IAM's * and ? wildcards, after policy variables (${aws:PrincipalTag/x}) are put in; a variable
// whose key the request lacks makes the pattern match nothing.
function like(pattern, value, ctx) {
  let missing = false;
  const p = pattern.replace(/\$\{([^}]+)\}/g, (_, k) => {
    if (ctx[k] === undefined) missing = true;
    return ctx[k] === undefined ? '' : ctx[k];
  });
  if (missing) return false;
  const re = new RegExp(`^${p.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('')}$`);
  return re.test(value);
}

function conditionsHold(condition, ctx) {
  for (const [test, byKey] of Object.entries(condition || {})) {
    for (const [key, values] of Object.entries(byKey)) {
      const actual = ctx[key] === undefined ? MISSING : ctx[key];
      const vals = asList(values).map((v) => (typeof v === 'string' ? v.replace(/\$\{([^}]+)\}/g, (_, k) => (ctx[k] === undefined ? '\u0000' : ctx[k])) : v));
      if (test === 'Null') {
        if (vals.some((v) => String(v) === 'false') && actual === MISSING) return false;
        if (vals.some((v) => String(v) === 'true') && actual !== MISSING) return false;
      } else if (test === 'StringEquals') {
        if (actual === MISSING || !vals.includes(actual)) return false;
      } else if (test === 'StringLike' || test === 'ArnLike') {
        if (actual === MISSING || !asList(values).some((v) => like(v, actual, ctx))) return false;
      } else {
        throw new Error(`the model does not know the condition operator ${test}`);
      }
    }
  }
  return true;
}

function allows(statements, { action, resource, principal, ctx }) {
  return statements.some((s) => s.Effect === 'Allow'
    && asList(s.Action).some((a) => like(a, action, {}))
    && asList(s.Resource).some((r) => like(r, resource, ctx))
    && (principal === undefined || asList((s.Principal || {}).AWS).some((p) => p === '*' || p === principal))
    && conditionsHold(s.Condition, ctx));
}

// A principal: its ARN, its identity policy, its tags, its account.
function who(arn, identity, tags = {}) {
  const account = /^arn:aws:iam::([0-9]{12}):/.exec(arn)[1];
  const ctx = { 'aws:PrincipalArn': arn, 'kms:CallerAccount': account };
  for (const [k, v] of Object.entries(tags)) ctx[`aws:PrincipalTag/${k}`] = v;
  return { arn, identity, ctx, account };
}

// KMS (same account): the key policy names the principal, or it names the account root (IAM
// delegation) and the principal's identity policy allows too. Another account always needs both
// the key policy naming it and its own identity policy; not modelled beyond "refused".
function kmsAllows(p, keyPolicy, action, extraCtx) {
  if (p.account !== ACCOUNT) return false;
  const ctx = { ...p.ctx, ...extraCtx };
  if (allows(keyPolicy, { action, resource: '*', principal: p.arn, ctx })) {
    // Named directly (or "*"): the key policy alone suffices, unless it only delegates to the account.
    const direct = keyPolicy.filter((s) => asList((s.Principal || {}).AWS).some((x) => x === p.arn || x === '*'));
    if (allows(direct, { action, resource: '*', principal: p.arn, ctx })) return true;
  }
  const root = `arn:aws:iam::${ACCOUNT}:root`;
  return allows(keyPolicy, { action, resource: '*', principal: root, ctx }) && allows(p.identity, { action, resource: KEY, ctx });
}

const viaSsm = (name) => ({ 'kms:ViaService': SSM, 'kms:EncryptionContext:PARAMETER_ARN': param(name) });

// GetParameter --with-decryption, as SSM does it.
function canRead(p, keyPolicy, name) {
  return allows(p.identity, { action: 'ssm:GetParameter', resource: param(name), ctx: p.ctx }) && kmsAllows(p, keyPolicy, 'kms:Decrypt', viaSsm(name));
}

// PutParameter of a SecureString with the PKI key, Standard (Encrypt) or Advanced (GenerateDataKey).
function canWrite(p, keyPolicy, name, tier = 'Standard') {
  return allows(p.identity, { action: 'ssm:PutParameter', resource: param(name), ctx: p.ctx })
    && kmsAllows(p, keyPolicy, tier === 'Standard' ? 'kms:Encrypt' : 'kms:GenerateDataKey', viaSsm(name));
}

const ADMIN = [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }];
// AWS managed ReadOnlyAccess as far as it matters here: SSM reads, no kms:Decrypt.
const READ_ONLY = [{ Effect: 'Allow', Action: ['ssm:Get*', 'ssm:Describe*', 'kms:Describe*', 'kms:Get*', 'kms:List*'], Resource: ['*'] }];

async function principals(given) {
  const { docs } = await render(given);
  return {
    key: docs.key,
    operator: who(OPERATOR, docs.ca_operator),
    planner: who(PLANNER, docs.planner),
    orders: who(role('orders-service'), docs.client_reader, { 'mtls-client': 'orders' }),
    untagged: who(role('someone'), docs.client_reader),
    admin: who(role('admin'), ADMIN),
    reader: who(role(`${PREFIX}-plan`), READ_ONLY),
    outsider: who(role('x', '999999999999'), ADMIN),
    docs,
  };
}

const P = `/${PREFIX}/pki`;
const C = `/${PREFIX}/clients`;
const CA_KEYS = [`${P}/intermediate-ca.key`, `${P}/root-ca.key`, `${P}/previous-intermediate-ca.key`];
const CA_CERTS = [`${P}/root-ca.pem`, `${P}/intermediate-ca.pem`, `${P}/previous-intermediate-ca.pem`];
const ORDERS = [`${C}/orders/orders.pem`, `${C}/orders/orders-chain.pem`, `${C}/orders/orders.key`, `${C}/orders/client.json`];
const TRUSTSTORE = `/${PREFIX}/truststore`;

test('the CA operator writes and reads every PKI parameter, through SSM only, in either tier', async () => {
  const p = await principals();
  for (const name of [...CA_KEYS, ...CA_CERTS, ...ORDERS, TRUSTSTORE]) {
    assert.ok(canWrite(p.operator, p.key, name), `write ${name}`);
    assert.ok(canWrite(p.operator, p.key, name, 'Advanced'), `write ${name} (Advanced)`);
    assert.ok(canRead(p.operator, p.key, name), `read ${name}`);
  }
  // Not around SSM, not for parameters that are not the PKI's.
  assert.ok(!kmsAllows(p.operator, p.key, 'kms:Decrypt', { 'kms:EncryptionContext:PARAMETER_ARN': param(`${P}/intermediate-ca.key`) }), 'decrypt without SSM');
  for (const name of [`/${PREFIX}/lambda/image-tag`, '/mtls-other/pki/intermediate-ca.key', `/${PREFIX}/pki-other/x.key`]) {
    assert.ok(!canWrite(p.operator, p.key, name), name);
    assert.ok(!canRead(p.operator, p.key, name), name);
  }
  const ops = (action, resource) => allows(p.operator.identity, { action, resource, ctx: p.operator.ctx });
  const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${PREFIX}-cert-registry`;
  const pool = `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${INPUTS.user_pool_id}`;
  for (const a of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:Scan']) assert.ok(ops(a, table), a);
  assert.ok(ops('dynamodb:Query', `${table}/index/client_id-index`));
  for (const a of ['CreateUserPoolClient', 'DescribeUserPoolClient', 'ListUserPoolClients', 'DeleteUserPoolClient']) assert.ok(ops(`cognito-idp:${a}`, pool), a);
  assert.ok(!ops('cognito-idp:CreateUserPoolClient', `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${REGION}_Other`));
  assert.ok(!ops('dynamodb:DeleteTable', table));
  const bucket = `arn:aws:s3:::${INPUTS.truststore_bucket_name}`;
  for (const a of ['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion']) assert.ok(ops(a, `${bucket}/truststore.pem`), a);
  assert.ok(ops('s3:ListBucketVersions', bucket));
  assert.ok(!ops('s3:DeleteObjectVersion', `${bucket}/truststore.pem`));
  assert.ok(ops('ssm:GetParameter', param(`/${PREFIX}/mtlsctl/settings`)));
});

test('the planner reads the registry and decrypts certificates, and never a private key or a client secret', async () => {
  const p = await principals();
  for (const name of CA_CERTS) assert.ok(canRead(p.planner, p.key, name), name);
  for (const name of [...CA_KEYS, ...ORDERS]) assert.ok(!canRead(p.planner, p.key, name), `${name} decrypts for the planner`);
  // It may list what is there (the values stay encrypted) ...
  assert.ok(allows(p.planner.identity, { action: 'ssm:GetParametersByPath', resource: param(C), ctx: p.planner.ctx }));
  // ... and changes nothing.
  for (const name of [...CA_CERTS, ...ORDERS, TRUSTSTORE]) assert.ok(!canWrite(p.planner, p.key, name), name);
  const pool = `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${INPUTS.user_pool_id}`;
  const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${PREFIX}-cert-registry`;
  const ops = (action, resource) => allows(p.planner.identity, { action, resource, ctx: p.planner.ctx });
  assert.ok(ops('cognito-idp:ListUserPoolClients', pool));
  assert.ok(!ops('cognito-idp:DescribeUserPoolClient', pool), 'DescribeUserPoolClient answers with the secret');
  assert.ok(ops('dynamodb:Query', table) && ops('dynamodb:Scan', table));
  for (const a of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'cognito-idp:CreateUserPoolClient', 'ssm:PutParameter', 'ssm:DeleteParameter']) {
    assert.ok(!ops(a, a.startsWith('dynamodb') ? table : a.startsWith('cognito') ? pool : param(`${P}/x`)), a);
  }
});

test('a client role reads its own parameters only, by its mtls-client tag; without the tag nothing', async () => {
  const p = await principals();
  for (const name of ORDERS) assert.ok(canRead(p.orders, p.key, name), name);
  assert.ok(allows(p.orders.identity, { action: 'ssm:GetParametersByPath', resource: param(`${C}/orders`), ctx: p.orders.ctx }));
  for (const name of [`${C}/billing/client.json`, `${C}/orders-admin/client.json`, `${C}/ordersx/orders.key`, ...CA_CERTS, ...CA_KEYS, TRUSTSTORE]) {
    assert.ok(!canRead(p.orders, p.key, name), `orders reads ${name}`);
  }
  // Not even the names and encrypted values of another client's parameters.
  for (const name of [`${C}/billing/client.json`, `${C}/billing`]) {
    assert.ok(!allows(p.orders.identity, { action: 'ssm:GetParameter', resource: param(name), ctx: p.orders.ctx }), name);
  }
  for (const name of ORDERS) {
    assert.ok(!canRead(p.untagged, p.key, name), `an untagged role reads ${name}`);
    assert.ok(!canWrite(p.orders, p.key, name), `a client writes ${name}`);
  }
});

test('the CA keys decrypt for the named operators only: not for an administrator, not from another account', async () => {
  const p = await principals();
  for (const name of CA_KEYS) {
    assert.ok(!canRead(p.admin, p.key, name), `an administrator decrypts ${name}`);
    assert.ok(!canWrite(p.admin, p.key, name), `an administrator encrypts ${name}`);
  }
  // Client material and certificates are IAM's to give: an administrator's IAM allows it.
  assert.ok(canRead(p.admin, p.key, `${C}/orders/client.json`));
  for (const name of [...CA_KEYS, ...ORDERS, TRUSTSTORE]) assert.ok(!canRead(p.outsider, p.key, name), name);
  // Administration is the account's: no cryptographic action there, no grants at all.
  const admin = p.key.find((s) => s.Sid === 'KeyAdministration');
  assert.deepStrictEqual(admin.Principal, { AWS: [`arn:aws:iam::${ACCOUNT}:root`] });
  assert.ok(!admin.Action.some((a) => /Encrypt|Decrypt|GenerateDataKey|CreateGrant/.test(a)), admin.Action.join(' '));
  assert.ok(admin.Action.includes('kms:PutKeyPolicy') && admin.Action.includes('kms:ScheduleKeyDeletion'));
});

test('the truststore decrypts for any principal of the account through SSM (Terraform reads it), and nothing else does', async () => {
  const p = await principals();
  assert.ok(canRead(p.reader, p.key, TRUSTSTORE), 'the plan role (ReadOnlyAccess) cannot read the truststore');
  for (const name of [...CA_CERTS, ...CA_KEYS, ...ORDERS]) assert.ok(!canRead(p.reader, p.key, name), name);
  assert.ok(!canRead(p.outsider, p.key, TRUSTSTORE));
  assert.ok(!canWrite(p.reader, p.key, TRUSTSTORE));
  // A truststore from a file: no such statement.
  const file = await principals({ truststore_parameter_name: null });
  assert.ok(!file.key.some((s) => s.Sid === 'TruststoreThroughSsm'));
  assert.ok(!canRead(file.reader, file.key, TRUSTSTORE));
});

test('without named operators the key policy leaves the CA keys to IAM (weaker, as the variable says)', async () => {
  const p = await principals({ operator_role_arns: [] });
  assert.ok(canRead(p.admin, p.key, `${P}/intermediate-ca.key`));
  assert.ok(canWrite(who(role('any-operator'), p.docs.ca_operator), p.key, `${P}/intermediate-ca.key`));
  assert.ok(!canRead(p.planner, p.key, `${P}/intermediate-ca.key`));
});

test('the module: a rotating symmetric key with an alias, the policies attached to the roles named, the settings for mtlsctl', async () => {
  const { m, parsed } = await render();
  const key = parsed.resource['aws_kms_key.this'];
  assert.strictEqual(key.enable_key_rotation, true);
  assert.strictEqual(key.customer_master_key_spec, 'SYMMETRIC_DEFAULT');
  assert.strictEqual(key.policy, '${data.aws_iam_policy_document.key.json}');
  assert.strictEqual(m.evaluate(parsed.resource['aws_kms_alias.this'].name), `alias/${PREFIX}-pki`);
  for (const [attachment, arn] of [['ca_operator', OPERATOR], ['planner', PLANNER]]) {
    const a = parsed.resource[`aws_iam_role_policy_attachment.${attachment}`];
    assert.deepStrictEqual(m.evaluate(a.for_each), [arn]);
    assert.strictEqual(m.evaluate(a.role, { each: { value: arn, key: arn } }), arn.split('/').pop());
  }
  const settings = m.evaluate('${local.mtlsctl_settings}');
  assert.deepStrictEqual(settings, {
    CERT_TABLE_NAME: `${PREFIX}-cert-registry`,
    COGNITO_USER_POOL_ID: INPUTS.user_pool_id,
    MTLSCTL_STORE: `ssm:/${PREFIX}/pki`,
    MTLSCTL_CLIENTS_STORE: `ssm:/${PREFIX}/clients`,
    MTLSCTL_KMS_KEY_ID: KEY,
    MTLSCTL_TOKEN_URL: 'https://api.example.com/token',
    MTLSCTL_RESOURCE_SERVER: 'mtls-api',
    MTLSCTL_TRUSTSTORE_PARAMETER: TRUSTSTORE,
  });
  const param = parsed.resource['aws_ssm_parameter.settings'];
  assert.strictEqual(param.type, 'String', 'the settings parameter holds no secret and is not a SecureString');
  assert.strictEqual(m.evaluate(param.name), `/${PREFIX}/mtlsctl/settings`);
  // The module's validations refuse what AWS would.
  const vars = await loadVariables(path.join(root, 'infra/modules/pki'));
  const failed = (given) => runValidations(vars, { ...INPUTS, ...given }).failed.length;
  assert.strictEqual(failed({}), 0);
  assert.strictEqual(failed({ operator_role_arns: ['arn:aws:iam::111111111111:user/alice'] }), 1);
  assert.strictEqual(failed({ client_tag_key: 'aws:foo' }), 1);
  assert.strictEqual(failed({ key_deletion_window_days: 3 }), 1);
  assert.strictEqual(failed({ token_url: 'http://api.example.com/token' }), 1);
});

test('mtls_api composes the PKI without waiting for the custom domain, and the truststore parameter is the PKI\'s', async () => {
  const mtls = await parseDir('infra/modules/mtls_api');
  const call = mtls.module.pki[0];
  assert.strictEqual(call.source, '../pki');
  assert.strictEqual(call.truststore_parameter_name, '${local.truststore_parameter_name}');
  assert.strictEqual(call.truststore_bucket_name, '${local.truststore_bucket_name}');
  assert.strictEqual(call.token_url, 'https://${var.domain_name}/token');
  // Nothing of the API, the certificate or the truststore object: -target=module.mtls_api.module.pki
  // must be able to run before the first CA (and so the truststore) exists.
  assert.doesNotMatch(JSON.stringify(call), /module\.(api|certificate|truststore)\b/);
  const stack = await parseDir('infra/stacks/environment');
  assert.strictEqual(stack.module.mtls_api[0].pki_operator_role_arns, '${var.pki_operator_role_arns}');
  for (const env of ['sandbox', 'prod']) {
    const tfvars = fs.readFileSync(path.join(root, `infra/env/${env}.tfvars`), 'utf8');
    assert.match(tfvars, new RegExp(`pki_operator_role_arns = \\["arn:aws:iam::[0-9]{12}:role/mtls-${env}-ca-operator"\\]`), env);
    assert.match(tfvars, new RegExp(`pki_planner_role_arns  = \\["arn:aws:iam::[0-9]{12}:role/mtls-${env}-pki-plan"\\]`), env);
  }
});

// --- app clients leave Terraform -------------------------------------------------------------------

async function allTf() {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith('.')) walk(path.join(d, e.name));
      else if (e.name.endsWith('.tf')) out.push(path.join(d, e.name));
    }
  };
  walk('infra');
  walk('examples');
  const parsed = [];
  for (const f of out) parsed.push({ f, body: await hcl.parse(f, fs.readFileSync(path.join(root, f), 'utf8')) });
  return parsed;
}

test('no aws_cognito_user_pool_client is left, and the removed block forgets the old ones without destroying them', async () => {
  const files = await allTf();
  assert.ok(files.length > 30);
  for (const { f, body } of files) {
    assert.ok(!((body.resource || {}).aws_cognito_user_pool_client), `${f} declares app clients again: their secrets would be in state`);
    assert.ok(!((body.data || {}).aws_cognito_user_pool_client), `${f} reads an app client (its secret would be in state)`);
    for (const o of Object.values(body.output || {})) assert.doesNotMatch(JSON.stringify(o), /client_secret|client_ids/, f);
  }
  const cognito = await parseDir('infra/modules/cognito');
  assert.deepStrictEqual(cognito.removed, [{ from: '${aws_cognito_user_pool_client.this}', lifecycle: [{ destroy: false }] }]);
  assert.strictEqual(cognito.variable.clients, undefined);
  const mtls = await parseDir('infra/modules/mtls_api');
  assert.strictEqual(mtls.variable.clients, undefined);
  assert.strictEqual(mtls.module.cognito[0].clients, undefined);
  // The moved blocks of the stack carry the old module.cognito into module.mtls_api, where the
  // removed block then applies: an environment of any earlier layout keeps its app clients.
  const stack = fs.readFileSync(path.join(root, 'infra/stacks/environment/main.tf'), 'utf8');
  assert.match(stack, /moved \{\n  from = module\.cognito\n  to   = module\.mtls_api\.module\.cognito\n\}/);
  // removed needs Terraform 1.7; every module requires 1.11.
  assert.match(fs.readFileSync(path.join(root, 'infra/modules/cognito/versions.tf'), 'utf8'), /required_version = ">= 1\.11"/);
});

test('the stack refuses a leftover clients input and says where clients went', async () => {
  const vars = await loadVariables(path.join(root, 'infra/stacks/environment'));
  const base = { aws_region: 'eu-west-1', environment: 'sandbox', name_prefix: 'mtls-sandbox', domain_name: 'api.example.com' };
  assert.deepStrictEqual(runValidations(vars, base, ['clients']).failed, []);
  const r = runValidations(vars, { ...base, clients: { demo: { scopes: ['health.read'] } } }, ['clients']);
  assert.strictEqual(r.failed.length, 1);
  assert.match(JSON.stringify(r.failed), /clients\/<env>\.json/);
  for (const env of ['sandbox', 'prod']) {
    assert.doesNotMatch(fs.readFileSync(path.join(root, `infra/env/${env}.tfvars`), 'utf8'), /^clients\s*=/m, env);
  }
});
