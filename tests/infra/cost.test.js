'use strict';
// node --test tests/infra/cost.test.js: the Terraform side of issue 20 (what it costs to run).
// The token cache reaches the token function as TOKEN_CACHE (on unless token_cache = false); the
// functions' instruction set is one validated `architecture` (default arm64) that reaches every
// aws_lambda_function, the pre-token trigger and the watcher included, and the environment stack
// passes both on.
// The conditions and wiring are read from the .tf files and evaluated (dev/tfcheck), so dropping
// or loosening one fails here.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');

const root = path.resolve(__dirname, '..', '..');
const { evaluateSource } = require(path.join(root, 'dev/tfcheck/expr'));
const { loadVariables, runValidations } = require(path.join(root, 'dev/tfcheck/conditions'));
const { evaluateModule } = require(path.join(root, 'dev/tfcheck/calls'));

const dir = (d) => path.join(root, d);
const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const BASE = { name_prefix: 'mtls-test', domain_name: 'api.example.com', hosted_zone_id: 'Z1' };
const STUBS = {
  module: {
    registry: { name: 'TABLE', arn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/TABLE' },
    cognito: { token_url: 'U', user_pool_id: 'P' },
    functions: {},
  },
};

async function blocks(d, kind) {
  const out = {};
  for (const f of fs.readdirSync(dir(d)).filter((n) => n.endsWith('.tf'))) {
    const body = await hcl.parse(f, fs.readFileSync(path.join(dir(d), f), 'utf8'));
    for (const [k, v] of Object.entries(body[kind] || {})) out[k] = asList(v)[0];
  }
  return out;
}

test('token_cache is on by default and reaches the token function as TOKEN_CACHE', async () => {
  const tokenEnv = async (given) => {
    const m = await evaluateModule(dir('infra/modules/mtls_api'), { ...BASE, ...given }, STUBS);
    return m.evaluate('${local.function_settings}').token.environment;
  };
  assert.strictEqual((await tokenEnv({})).TOKEN_CACHE, 'true');
  assert.strictEqual((await tokenEnv({ token_cache: false })).TOKEN_CACHE, 'false');
  assert.strictEqual((await tokenEnv({ token_cache: true })).TOKEN_CACHE, 'true');
});

test('architecture is arm64 by default, accepts arm64 and x86_64 only, in the module, the stack and lambda_function', async () => {
  for (const d of ['infra/modules/mtls_api', 'infra/modules/lambda_function']) {
    const vars = await loadVariables(dir(d));
    assert.strictEqual(vars.get('architecture').default, 'arm64', d);
    assert.strictEqual(vars.get('architecture').nullable, false, d);
    for (const ok of ['arm64', 'x86_64']) {
      assert.deepStrictEqual(runValidations(vars, { ...BASE, function_name: 'f', image_uri: 'x', architecture: ok }, ['architecture']).failed, [], `${d} ${ok}`);
    }
    for (const bad of ['amd64', 'aarch64', 'ARM64', 'x86-64', '']) {
      assert.strictEqual(runValidations(vars, { ...BASE, function_name: 'f', image_uri: 'x', architecture: bad }, ['architecture']).failed.length, 1, `${d} ${bad}`);
    }
  }
  // The stack leaves it to the module (null: the module's default).
  const stackVars = await loadVariables(dir('infra/stacks/environment'));
  assert.ok(stackVars.has('architecture') && stackVars.has('token_cache'));
});

test('every function gets the one architecture: lambda_function sets it, mtls_api passes it to each call, the stack to the module', async () => {
  const resources = await blocks('infra/modules/lambda_function', 'resource');
  const fn = asList(resources.aws_lambda_function.this)[0];
  for (const arch of ['arm64', 'x86_64']) {
    assert.deepStrictEqual(fn.architectures.map((a) => evaluateSource(a, { var: { architecture: arch } })), [arch]);
  }
  const calls = await blocks('infra/modules/mtls_api', 'module');
  const lambdaCalls = Object.entries(calls).filter(([, c]) => c.source === '../lambda_function');
  assert.deepStrictEqual(lambdaCalls.map(([name]) => name).sort(), ['functions', 'pre_token_function', 'watcher_function']);
  for (const [name, call] of lambdaCalls) {
    assert.strictEqual(evaluateSource(call.architecture, { var: { architecture: 'x86_64' } }), 'x86_64', name);
  }
  const stack = await blocks('infra/stacks/environment', 'module');
  assert.strictEqual(stack.mtls_api.architecture, '${var.architecture}');
  assert.strictEqual(stack.mtls_api.token_cache, '${var.token_cache}');
});

// The images must be built for the functions' architecture: lambda-build picks the runner and the
// platform from one variable, LAMBDA_ARCHITECTURE, arm64 unless it says x86_64, natively (an arm64
// runner for arm64 images, never emulation); the Dockerfile checks TARGETARCH against its build stage.
test('lambda-build builds linux/arm64 images on an arm64 runner unless LAMBDA_ARCHITECTURE is x86_64', () => {
  const yaml = require('yaml');
  const wf = yaml.parse(fs.readFileSync(dir('.github/workflows/lambda-build.yml'), 'utf8'));
  const job = wf.jobs.build;
  const publish = job.steps.find((s) => (s.run || '').includes('scripts/ci/publish-images'));
  // ${{ vars.LAMBDA_ARCHITECTURE == 'x86_64' && A || B }}: A for x86_64, B otherwise.
  const choose = (expr, arch) => {
    const m = /^\$\{\{ vars\.LAMBDA_ARCHITECTURE == 'x86_64' && '([^']+)' \|\| '([^']+)' \}\}$/.exec(expr);
    assert.ok(m, expr);
    return arch === 'x86_64' ? m[1] : m[2];
  };
  for (const [arch, runner, platform] of [['', 'ubuntu-24.04-arm', 'linux/arm64'], ['arm64', 'ubuntu-24.04-arm', 'linux/arm64'], ['x86_64', 'ubuntu-24.04', 'linux/amd64']]) {
    assert.strictEqual(choose(job['runs-on'], arch), runner, arch);
    assert.strictEqual(choose(publish.env.PLATFORM, arch), platform, arch);
  }
  const dockerfile = fs.readFileSync(dir('docker/Dockerfile'), 'utf8');
  assert.match(dockerfile, /^ARG TARGETARCH$/m);
  assert.match(dockerfile, /amd64\/x86_64\|arm64\/aarch64\) ;;/);
  // The check runs before the build, in the build stage.
  assert.ok(dockerfile.indexOf('ARG TARGETARCH') < dockerfile.indexOf('RUN make package'));
  assert.match(fs.readFileSync(dir('scripts/ci/publish-images'), 'utf8'), /^PLATFORM=\$\{PLATFORM:-linux\/arm64\}$/m);
});
