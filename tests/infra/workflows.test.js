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
