'use strict';
// node --test tests/infra/workflows.test.js: the workflow checker (actionlint + shellcheck on run scripts) reports
// each mistake of the broken fixture and passes the real .github/workflows.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'tools/tfcheck/workflows.js');

function run(files) {
  return spawnSync(process.execPath, [cli, ...files], { cwd: root, encoding: 'utf8' });
}

test('the broken workflow fixture is reported', () => {
  const r = run(['tests/infra/workflow-fixtures/broken.yml']);
  assert.strictEqual(r.status, 1, r.stderr);
  const expected = [
    /broken\.yml:12:\d+: label "ubuntu-latst" is unknown/,
    /broken\.yml:\d+:\d+: input "fetch-depthh" is not defined/,
    /broken\.yml:\d+:\d+: property "nonexistent" is not defined/,
    /broken\.yml:22: shellcheck: .*SC2086/,
  ];
  for (const e of expected) assert.match(r.stdout, e);
  assert.strictEqual(r.stdout.trim().split('\n').length, expected.length, r.stdout);
});

test('the project workflows have no findings', () => {
  const dir = path.join(root, '.github/workflows');
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join('.github/workflows', f));
  assert.ok(files.length >= 5, `only ${files.length} workflows`);
  const r = run(files);
  assert.strictEqual(r.status, 0, r.stdout + r.stderr);
});

test('usage error without files', () => {
  assert.strictEqual(run([]).status, 2);
});
