'use strict';
// node --test tests/infra/deploy-docs.test.js: the walkthrough of docs/deploy.md (section 1, from a
// new account to /token and /health) is a script that works: it parses and passes shellcheck,
// sets every variable it uses, writes policies that are valid JSON with the statements a fresh
// account needs, writes env files the Terraform checker accepts, and sets every GitHub variable the
// workflows read.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const doc = fs.readFileSync(path.join(root, 'docs/deploy.md'), 'utf8');
const section = doc.slice(doc.indexOf('## 1. From a new account'), doc.indexOf('\n## 2. '));
const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
const script = blocks.join('\n');

// Variables the shell or the environment provide, not the page.
const GIVEN = new Set(['PWD', 'HOME', 'PATH']);

test('the walkthrough is there, parses and passes shellcheck', () => {
  assert.ok(blocks.length >= 10, `only ${blocks.length} shell blocks in section 1`);
  const file = path.join(os.tmpdir(), `walkthrough-${process.pid}.sh`);
  fs.writeFileSync(file, `#!/usr/bin/env bash\nset -euo pipefail\n${script}`);
  try {
    const syntax = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    assert.strictEqual(syntax.status, 0, syntax.stderr);
    const sc = spawnSync('shellcheck', ['-s', 'bash', file], { encoding: 'utf8' });
    assert.strictEqual(sc.status, 0, sc.stdout);
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test('every variable the walkthrough uses is set on the page', () => {
  const assigned = new Set(GIVEN);
  for (const m of script.matchAll(/(?:^|[\s;(])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/g)) assigned.add(m[1]);
  for (const m of script.matchAll(/\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b/g)) assigned.add(m[1]);
  // Not inside single quotes (jq filters, JMESPath queries): strip those first.
  const code = script.replace(/'[^'\n]*'/g, "''");
  const used = new Set([...code.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
  const unset = [...used].filter((v) => !assigned.has(v));
  assert.deepStrictEqual(unset, [], `used but never set on the page: ${unset.join(', ')}`);
  for (const v of ['ACCOUNT', 'REGION', 'REPO', 'ENVIRONMENT', 'NAME_PREFIX', 'DOMAIN', 'ZONE_ID', 'BUCKET']) assert.ok(used.has(v), v);
});

// Runs the assignments of section 1.1 and one heredoc of the page (`cat > FILE <<EOF ... EOF`) in
// a scratch directory and returns the file it wrote.
function renderHeredoc(target, cwd) {
  const start = script.indexOf(`cat > ${target} <<EOF\n`);
  assert.ok(start >= 0, `no heredoc for ${target}`);
  const end = script.indexOf('\nEOF\n', start);
  const setup = blocks[0];
  const r = spawnSync('bash', ['-c', `set -euo pipefail\n${setup}\nmkdir -p infra/env\n${script.slice(start, end)}\nEOF\n`], { cwd, encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  return r;
}

function renderPolicy(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-docs-'));
  try {
    renderHeredoc(name, dir);
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    return { text, policy: JSON.parse(text) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const asList = (v) => (Array.isArray(v) ? v : [v]);

test('the deploy role\'s policy: valid, scoped, and lets API Gateway create its service-linked role in a new account', () => {
  const { text, policy } = renderPolicy('deploy-policy.json');
  assert.strictEqual(policy.Version, '2012-10-17');
  // An inline role policy may hold 10,240 characters (whitespace not counted).
  assert.ok(text.replace(/\s/g, '').length <= 10240, 'deploy policy too large for an inline role policy');
  const sids = new Set();
  for (const s of policy.Statement) {
    assert.ok(s.Sid && !sids.has(s.Sid), `missing or repeated Sid ${s.Sid}`);
    sids.add(s.Sid);
    assert.strictEqual(s.Effect, 'Allow');
    for (const a of asList(s.Action)) assert.notStrictEqual(a, '*', s.Sid);
    assert.ok(asList(s.Resource).every((r) => r === '*' || r.startsWith('arn:aws:')), s.Sid);
    assert.doesNotMatch(JSON.stringify(s), /\$\{|ACCOUNT|REGION|ZONE_ID/, `${s.Sid}: a placeholder was not filled in`);
  }
  const slr = policy.Statement.filter((s) => asList(s.Action).includes('iam:CreateServiceLinkedRole'));
  assert.strictEqual(slr.length, 1, 'no iam:CreateServiceLinkedRole statement');
  assert.deepStrictEqual(asList(slr[0].Action), ['iam:CreateServiceLinkedRole']);
  assert.deepStrictEqual(slr[0].Condition, { StringEquals: { 'iam:AWSServiceName': 'ops.apigateway.amazonaws.com' } });
  assert.strictEqual(slr[0].Resource, 'arn:aws:iam::111111111111:role/aws-service-role/ops.apigateway.amazonaws.com/AWSServiceRoleForAPIGateway');
  // The image scripts' calls on the environment's repositories (put-image for deployed-<env>).
  const ecr = policy.Statement.find((s) => s.Sid === 'Ecr');
  assert.strictEqual(ecr.Action, 'ecr:*');
  assert.strictEqual(ecr.Resource, 'arn:aws:ecr:eu-west-1:111111111111:repository/mtls-sandbox-*');
  // The walkthrough also creates the role up front.
  assert.match(script, /aws iam create-service-linked-role --aws-service-name ops\.apigateway\.amazonaws\.com/);
});

test('the plan and promotion policies are valid and grant no more than they say', () => {
  const plan = renderPolicy('plan-policy.json').policy;
  assert.deepStrictEqual(plan.Statement.map((s) => s.Resource), ['arn:aws:s3:::mtls-tfstate-111111111111-eu-west-1/sandbox/*.tflock']);
  const promote = renderPolicy('promote-policy.json').policy;
  assert.deepStrictEqual(asList(promote.Statement[0].Action).sort(),
    ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer']);
});

test('the env files the walkthrough writes pass the Terraform checker', async () => {
  const { loadSchema } = require(path.join(root, 'dev/tfcheck/schema'));
  const { checkTree } = require(path.join(root, 'dev/tfcheck/check'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-docs-infra-'));
  try {
    fs.cpSync(path.join(root, 'infra'), path.join(dir, 'infra'), { recursive: true });
    for (const f of fs.readdirSync(path.join(dir, 'infra/env'))) fs.rmSync(path.join(dir, 'infra/env', f));
    for (const f of ['"infra/env/${ENVIRONMENT}.backend.hcl"', '"infra/env/${ENVIRONMENT}.ecr.tfvars"', '"infra/env/${ENVIRONMENT}.tfvars"']) renderHeredoc(f, dir);
    assert.deepStrictEqual(fs.readdirSync(path.join(dir, 'infra/env')).sort(), ['sandbox.backend.hcl', 'sandbox.ecr.tfvars', 'sandbox.tfvars']);
    const findings = await checkTree([path.join(dir, 'infra')], loadSchema(root));
    assert.deepStrictEqual(findings.map((f) => `${f.file}: ${f.where}: ${f.message}`), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the page sets every GitHub variable the workflows read, and names only workflows that exist', () => {
  const workflows = fs.readdirSync(path.join(root, '.github/workflows'));
  const read = new Set();
  for (const f of workflows) {
    for (const m of fs.readFileSync(path.join(root, '.github/workflows', f), 'utf8').matchAll(/\bvars\.([A-Z_]+)/g)) read.add(m[1]);
  }
  const set = new Set([...script.matchAll(/gh variable set ([A-Z_]+)/g)].map((m) => m[1]));
  assert.deepStrictEqual([...read].filter((v) => !set.has(v)), [], 'workflow variables the page never sets');
  for (const m of doc.matchAll(/\b([a-z-]+\.yml)\b/g)) {
    if (m[1] === 'dependabot.yml') continue;
    assert.ok(workflows.includes(m[1]), `docs/deploy.md names ${m[1]}, which is not a workflow`);
  }
});
