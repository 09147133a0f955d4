'use strict';
// node --test tests/infra/workflows.test.js: the workflow checker (actionlint + shellcheck on run scripts) reports
// each mistake of the broken fixture and passes the real .github/workflows.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dev/tfcheck/workflows.js');

function run(files) {
  return spawnSync(process.execPath, [cli, ...files], { cwd: root, encoding: 'utf8' });
}

const { checkWorkflows } = require(cli);

test('the broken workflow fixture is reported', async () => {
  const findings = await checkWorkflows([path.join(root, 'tests/infra/workflow-fixtures/broken.yml')]);
  const r = { stdout: `${findings.join('\n')}\n` };
  const expected = [
    /broken\.yml:12:\d+: label "ubuntu-latst" is unknown/,
    /broken\.yml:\d+:\d+: input "fetch-depthh" is not defined/,
    /broken\.yml:\d+:\d+: property "nonexistent" is not defined/,
    /broken\.yml:22: shellcheck: .*SC2086/,
  ];
  for (const e of expected) assert.match(r.stdout, e);
  assert.strictEqual(r.stdout.trim().split('\n').length, expected.length, r.stdout);
});

test('the project workflows have no findings', async () => {
  const dir = path.join(root, '.github/workflows');
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f));
  assert.ok(files.length >= 5, `only ${files.length} workflows`);
  assert.deepStrictEqual(await checkWorkflows(files), []);
});

test('the command exits 1 on findings and 2 without files', () => {
  assert.strictEqual(run(['tests/infra/workflow-fixtures/broken.yml']).status, 1);
  assert.strictEqual(run([]).status, 2);
});

// --- Terraform version (S3-native locking) and Dependabot -----------------------------------------

const yaml = require('yaml');
const { MIN_TERRAFORM, lowerBound, versionAtLeast } = require(path.join(root, 'dev/tfcheck/versions'));
const workflowFiles = () => fs.readdirSync(path.join(root, '.github/workflows')).filter((f) => /\.ya?ml$/.test(f));

test('every workflow installs the same Terraform, 1.11 or later (use_lockfile is GA from 1.11)', () => {
  const versions = new Set();
  let setups = 0;
  for (const f of workflowFiles()) {
    const wf = yaml.parse(fs.readFileSync(path.join(root, '.github/workflows', f), 'utf8'));
    for (const [id, job] of Object.entries(wf.jobs)) {
      for (const step of job.steps || []) {
        if (!String(step.uses || '').startsWith('hashicorp/setup-terraform@')) continue;
        setups += 1;
        let v = String((step.with || {}).terraform_version || '');
        const m = /^\$\{\{ env\.([A-Z_]+) \}\}$/.exec(v);
        if (m) v = String({ ...(wf.env || {}), ...(job.env || {}) }[m[1]] || '');
        assert.match(v, /^[0-9]+\.[0-9]+\.[0-9]+$/, `${f} ${id}: terraform_version "${v}" is not an exact version`);
        assert.ok(versionAtLeast(lowerBound(v), MIN_TERRAFORM), `${f} ${id}: Terraform ${v} is older than ${MIN_TERRAFORM.join('.')}`);
        versions.add(v);
      }
    }
  }
  assert.ok(setups >= 5, `only ${setups} setup-terraform steps`);
  assert.strictEqual(versions.size, 1, `different Terraform versions: ${[...versions].join(', ')}`);
});

test('Dependabot watches the actions, the npm tooling and every Dockerfile\'s base images', () => {
  const file = path.join(root, '.github/dependabot.yml');
  assert.ok(fs.existsSync(file), '.github/dependabot.yml is missing');
  const cfg = yaml.parse(fs.readFileSync(file, 'utf8'));
  assert.strictEqual(cfg.version, 2);
  const has = (eco, dir) => cfg.updates.some((u) => u['package-ecosystem'] === eco && (u.directory === dir || (u.directories || []).includes(dir)));
  for (const u of cfg.updates) {
    assert.ok(['github-actions', 'npm', 'docker'].includes(u['package-ecosystem']), u['package-ecosystem']);
    assert.ok(['daily', 'weekly', 'monthly'].includes(u.schedule.interval));
  }
  assert.ok(has('github-actions', '/'));
  assert.ok(fs.existsSync(path.join(root, 'package-lock.json')) && has('npm', '/'));
  // Every directory holding a Dockerfile (outside node_modules and build output) is covered.
  const dockerDirs = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
      if (e.isDirectory() && !['node_modules', 'build', 'dist', '.git'].includes(e.name) && !e.name.startsWith('.')) walk(path.join(d, e.name));
      else if (e.isFile() && /^Dockerfile/.test(e.name)) dockerDirs.push(`/${d}`.replace(/\/$/, '') || '/');
    }
  };
  walk('');
  assert.ok(dockerDirs.length >= 1);
  for (const d of new Set(dockerDirs)) assert.ok(has('docker', d), `no docker entry for ${d}`);
});
