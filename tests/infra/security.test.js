'use strict';
// node --test tests/infra/security.test.js: the security properties the issue asks of infra/,
// checked on the parsed Terraform so that a later edit cannot quietly drop one.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');

const root = path.resolve(__dirname, '..', '..');

async function parseDir(dir) {
  const out = [];
  for (const f of fs.readdirSync(path.join(root, dir)).filter((n) => n.endsWith('.tf'))) {
    out.push(await hcl.parse(f, fs.readFileSync(path.join(root, dir, f), 'utf8')));
  }
  return out;
}

async function allModules() {
  const dirs = [];
  for (const base of ['infra/modules', 'infra/stacks']) {
    for (const d of fs.readdirSync(path.join(root, base))) dirs.push(`${base}/${d}`);
  }
  const res = {};
  for (const d of dirs) res[d] = await parseDir(d);
  return res;
}

function blocksOf(files, kind, type) {
  const out = [];
  for (const body of files) {
    for (const [name, blocks] of Object.entries((body[kind] || {})[type] || {})) {
      for (const b of blocks) out.push({ name, b });
    }
  }
  return out;
}

const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const statementsOf = (b) => [...asList(b.statement), ...asList((b.dynamic || {}).statement).flatMap((d) => asList(d.content))];

// The policy documents that are KMS key policies: there "*" as the resource is the key itself.
function keyPolicies(files) {
  const names = new Set();
  for (const { b } of blocksOf(files, 'resource', 'aws_kms_key')) {
    const m = /^\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json\}$/.exec(b.policy || '');
    if (m) names.add(m[1]);
  }
  return names;
}

test('IAM: no Allow statement has a wildcard action or a bare "*" resource (but in a key policy, where "*" is the key)', async () => {
  const modules = await allModules();
  let statements = 0;
  for (const [dir, files] of Object.entries(modules)) {
    const keys = keyPolicies(files);
    for (const { name, b } of blocksOf(files, 'data', 'aws_iam_policy_document')) {
      for (const s of statementsOf(b)) {
        if ((s.effect || 'Allow') !== 'Allow') continue;
        statements += 1;
        for (const a of asList(s.actions)) assert.ok(!a.includes('*'), `${dir} ${name}: wildcard action ${a}`);
        if (keys.has(name)) {
          assert.deepStrictEqual(asList(s.resources), ['*'], `${dir} ${name}: a key policy statement names another resource`);
        } else {
          for (const r of asList(s.resources)) assert.notStrictEqual(r, '*', `${dir} ${name}: resource "*"`);
        }
      }
    }
  }
  assert.ok(statements >= 5, `only ${statements} Allow statements found`);
});

test('KMS key policies: principals named, no grants, every cryptographic use only through SSM for named parameters', async () => {
  const modules = await allModules();
  let policies = 0;
  for (const [dir, files] of Object.entries(modules)) {
    for (const name of keyPolicies(files)) {
      policies += 1;
      const [doc] = blocksOf(files, 'data', 'aws_iam_policy_document').filter((d) => d.name === name);
      for (const s of statementsOf(doc.b)) {
        const actions = asList(s.actions);
        assert.ok(!actions.includes('kms:CreateGrant'), `${dir} ${name}: CreateGrant would let a grant hand out any use`);
        const principals = asList(s.principals);
        assert.strictEqual(principals.length, 1, `${dir} ${name} ${s.sid}: one principals block`);
        const crypto = actions.filter((a) => /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey)/.test(a));
        if (crypto.length === 0) continue;
        const conditions = asList(s.condition);
        const cond = (variable) => conditions.find((c) => c.variable === variable);
        assert.ok(cond('kms:ViaService'), `${dir} ${name} ${s.sid}: ${crypto.join(',')} not bound to SSM`);
        assert.ok(cond('kms:EncryptionContext:PARAMETER_ARN'), `${dir} ${name} ${s.sid}: not bound to parameters`);
        if (asList(principals[0].identifiers).includes('*')) {
          assert.deepStrictEqual(actions, ['kms:Decrypt'], `${dir} ${name} ${s.sid}: anyone may do more than decrypt`);
          assert.ok(cond('kms:CallerAccount'), `${dir} ${name} ${s.sid}: "*" without kms:CallerAccount`);
          assert.strictEqual(cond('kms:EncryptionContext:PARAMETER_ARN').test, 'StringEquals', `${dir} ${name} ${s.sid}: "*" for a pattern of parameters`);
        }
      }
    }
  }
  assert.ok(policies >= 1, 'no key policy found');
});

test('functions may only write their own logs and, when given the table, read the registry, plus what the caller spells out', async () => {
  const [main] = await parseDir('infra/modules/lambda_function');
  const doc = main.data.aws_iam_policy_document.permissions[0];
  const [read, query, extra] = asList(doc.dynamic.statement);
  const actions = [...asList(doc.statement), read, query].flatMap((d) => asList(d.content || d)).flatMap((s) => asList(s.actions)).sort();
  assert.deepStrictEqual(actions, ['dynamodb:GetItem', 'dynamodb:Query', 'logs:CreateLogStream', 'logs:PutLogEvents']);
  // The registry statements exist only for a function given the table (tests/infra/conditions.test.js
  // evaluates them for each function of the stack).
  assert.match(read.for_each, /var\.registry_table_arn != null/);
  assert.match(query.for_each, /var\.registry_table_arn != null && var\.registry_index_query/);
  // The caller's statements (the watcher's), one per entry of policy_statements, Allow only; the
  // variable refuses wildcard actions and "*" resources (tests/infra/conditions.test.js).
  assert.strictEqual(extra.for_each, '${var.policy_statements}');
  const [content] = asList(extra.content);
  assert.strictEqual(content.effect, 'Allow');
  assert.strictEqual(content.actions, '${statement.value.actions}');
  assert.strictEqual(content.resources, '${statement.value.resources}');
  assert.strictEqual(asList(doc.dynamic.statement).length, 3);
  const vars = Object.assign({}, ...(await parseDir('infra/modules/lambda_function')).map((b) => b.variable || {}));
  assert.deepStrictEqual(vars.policy_statements[0].default, {});
});

test('the watcher: its own statements name exact resources; the Scheduler\'s role may only invoke it, for this account', async () => {
  const files = await parseDir('infra/modules/mtls_api');
  const main = files.find((b) => (b.module || {}).watcher_function);
  const locals = Object.assign({}, ...files.flatMap((b) => asList(b.locals)));
  const statements = locals.watcher_policy_statements;
  for (const a of ['dynamodb:Scan', 's3:GetObject', 'apigateway:GET', 'sns:Publish', 'kms:GenerateDataKey', 'kms:Decrypt']) assert.ok(statements.includes(`"${a}"`), a);
  assert.doesNotMatch(statements, /\*/, 'a wildcard in the watcher\'s statements');
  assert.doesNotMatch(statements, /dynamodb:GetItem|s3:GetObjectVersion/);
  assert.strictEqual(main.module.watcher_function[0].policy_statements, '${local.watcher_policy_statements}');
  assert.strictEqual(main.module.watcher_function[0].registry_table_arn, undefined, 'the watcher lists; it needs no GetItem');
  const [invoke] = asList(main.data.aws_iam_policy_document.watcher_scheduler[0].statement);
  assert.deepStrictEqual(invoke.actions, ['lambda:InvokeFunction']);
  assert.deepStrictEqual(invoke.resources, ['${module.watcher_function[0].arn}']);
  const [assume] = asList(main.data.aws_iam_policy_document.watcher_scheduler_assume[0].statement);
  assert.deepStrictEqual(assume.actions, ['sts:AssumeRole']);
  assert.deepStrictEqual(assume.principals[0].identifiers, ['scheduler.amazonaws.com']);
  assert.deepStrictEqual(assume.condition[0], { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['${local.account_id}'] });
  const [schedule] = main.resource.aws_scheduler_schedule.watcher;
  assert.strictEqual(schedule.target[0].role_arn, '${aws_iam_role.watcher_scheduler[0].arn}');
  assert.strictEqual(schedule.target[0].arn, '${module.watcher_function[0].arn}');
});

test('the API is reachable only through the mTLS custom domain', async () => {
  const files = await parseDir('infra/modules/http_api');
  const [api] = blocksOf(files, 'resource', 'aws_apigatewayv2_api');
  assert.strictEqual(api.b.disable_execute_api_endpoint, true);
  assert.strictEqual(api.b.protocol_type, 'HTTP');
  const [domain] = blocksOf(files, 'resource', 'aws_apigatewayv2_domain_name');
  const cfg = domain.b.domain_name_configuration[0];
  assert.strictEqual(cfg.security_policy, 'TLS_1_2');
  assert.strictEqual(cfg.endpoint_type, 'REGIONAL');
  const mtls = domain.b.mutual_tls_authentication[0];
  assert.strictEqual(mtls.truststore_uri, '${var.truststore_uri}');
  assert.strictEqual(mtls.truststore_version, '${var.truststore_version}');
});

test('authorizer result caching is off by default', async () => {
  const files = await parseDir('infra/modules/http_api');
  const [auth] = blocksOf(files, 'resource', 'aws_apigatewayv2_authorizer');
  assert.strictEqual(auth.b.authorizer_result_ttl_in_seconds, '${var.authorizer_cache_ttl_seconds}');
  assert.strictEqual(auth.b.authorizer_type, 'REQUEST');
  assert.strictEqual(auth.b.authorizer_payload_format_version, '2.0');
  assert.strictEqual(auth.b.enable_simple_responses, true);
  for (const dir of ['infra/modules/http_api', 'infra/modules/mtls_api']) {
    const vars = Object.assign({}, ...(await parseDir(dir)).map((b) => b.variable || {}));
    assert.strictEqual(vars.authorizer_cache_ttl_seconds[0].default, 0, dir);
    // Whoever raises it must read what it costs: a cached allow outlives a revocation.
    assert.match(vars.authorizer_cache_ttl_seconds[0].description, /outlives a revocation/, dir);
  }
  // The stack leaves it unset (null), which the module turns into its default.
  const stackVars = Object.assign({}, ...(await parseDir('infra/stacks/environment')).map((b) => b.variable || {}));
  assert.strictEqual(stackVars.authorizer_cache_ttl_seconds[0].default, null);
  assert.match(stackVars.authorizer_cache_ttl_seconds[0].description, /outlives a revocation/);
  const mtlsVars = Object.assign({}, ...(await parseDir('infra/modules/mtls_api')).map((b) => b.variable || {}));
  assert.strictEqual(mtlsVars.authorizer_cache_ttl_seconds[0].nullable, false);
  // Routes behind the authorizer are CUSTOM with this authorizer (tests/infra/routes.test.js
  // evaluates which routes those are).
  const [route] = blocksOf(files, 'resource', 'aws_apigatewayv2_route');
  assert.strictEqual(route.b.authorization_type, '${each.value.authorization == "mtls" ? "CUSTOM" : "NONE"}');
  assert.strictEqual(route.b.authorizer_id, '${each.value.authorization == "mtls" ? one(aws_apigatewayv2_authorizer.this[*].id) : null}');
});

test('every bucket blocks public access and refuses plain HTTP', async () => {
  const modules = await allModules();
  for (const [dir, files] of Object.entries(modules)) {
    const buckets = blocksOf(files, 'resource', 'aws_s3_bucket');
    if (buckets.length === 0) continue;
    const pab = blocksOf(files, 'resource', 'aws_s3_bucket_public_access_block');
    assert.strictEqual(pab.length, buckets.length, dir);
    for (const { b } of pab) {
      for (const k of ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets']) {
        assert.strictEqual(b[k], true, `${dir}: ${k}`);
      }
    }
    const docs = blocksOf(files, 'data', 'aws_iam_policy_document');
    const deny = docs.flatMap(({ b }) => asList(b.statement)).find((s) => s.effect === 'Deny' &&
      asList(s.condition).some((c) => c.variable === 'aws:SecureTransport' && asList(c.values).includes('false')));
    assert.ok(deny, `${dir}: no TLS-only deny statement`);
    assert.strictEqual(blocksOf(files, 'resource', 'aws_s3_bucket_versioning').length, buckets.length, dir);
    assert.strictEqual(blocksOf(files, 'resource', 'aws_s3_bucket_server_side_encryption_configuration').length, buckets.length, dir);
  }
});

test('every log group has a retention, every table PITR and encryption', async () => {
  const modules = await allModules();
  let groups = 0;
  for (const [dir, files] of Object.entries(modules)) {
    for (const { name, b } of blocksOf(files, 'resource', 'aws_cloudwatch_log_group')) {
      groups += 1;
      assert.ok(b.retention_in_days !== undefined, `${dir} ${name}: no retention`);
    }
    for (const { name, b } of blocksOf(files, 'resource', 'aws_dynamodb_table')) {
      assert.strictEqual(b.point_in_time_recovery[0].enabled, true, `${dir} ${name}`);
      assert.strictEqual(b.server_side_encryption[0].enabled, true, `${dir} ${name}`);
      assert.strictEqual(b.billing_mode, 'PAY_PER_REQUEST', `${dir} ${name}`);
    }
  }
  assert.ok(groups >= 2);
});

test('ECR repositories are immutable (but for deployed-<env>), scanned and encrypted', async () => {
  const files = await parseDir('infra/modules/ecr_repository');
  const [repo] = blocksOf(files, 'resource', 'aws_ecr_repository');
  // Every tag is immutable except the deployed-<env> marker (tests/infra/lifecycle.test.js).
  assert.strictEqual(repo.b.image_tag_mutability, 'IMMUTABLE_WITH_EXCLUSION');
  assert.strictEqual(repo.b.image_tag_mutability_exclusion_filter.length, 1);
  assert.strictEqual(repo.b.image_scanning_configuration[0].scan_on_push, true);
  assert.ok(repo.b.encryption_configuration);
  assert.strictEqual(blocksOf(files, 'resource', 'aws_ecr_lifecycle_policy').length, 1);
  // Outside this account, only the promotion accounts given may read and pull, and nothing else.
  const [doc] = blocksOf(files, 'data', 'aws_iam_policy_document');
  const [promotion] = asList(doc.b.dynamic.statement).flatMap((d) => asList(d.content));
  assert.deepStrictEqual(asList(promotion.actions).sort(),
    ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer']);
  assert.match(promotion.principals[0].identifiers, /var\.promotion_account_ids/);
});

test('Lambda invoke permissions are scoped to this API or this user pool', async () => {
  const modules = await allModules();
  let perms = 0;
  for (const [dir, files] of Object.entries(modules)) {
    for (const { name, b } of blocksOf(files, 'resource', 'aws_lambda_permission')) {
      perms += 1;
      assert.ok(typeof b.source_arn === 'string' && b.source_arn.length > 0, `${dir} ${name}: no source_arn`);
      if (b.principal === 'apigateway.amazonaws.com') {
        assert.match(b.source_arn, /^\$\{aws_apigatewayv2_api\.this\.execution_arn\}\//, `${dir} ${name}`);
      }
    }
  }
  assert.strictEqual(perms, 3); // every Lambda route (token, health, a team's), the authorizer, pre-token
  const [route] = blocksOf(await parseDir('infra/modules/http_api'), 'resource', 'aws_lambda_permission').filter((p) => p.name === 'route');
  assert.strictEqual(route.b.for_each, '${local.lambda_routes}');
  assert.strictEqual(route.b.source_arn, '${aws_apigatewayv2_api.this.execution_arn}/${local.permission_paths[each.key]}');
});
