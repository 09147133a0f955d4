#!/usr/bin/env node
'use strict';
// Usage: node dev/tfcheck/fmt.js DIR...
// The parts of `terraform fmt -check` that hand-written HCL most often gets wrong, for machines
// without terraform (the terraform-plan workflow runs the real one): the `=` of consecutive
// one-line arguments at the same indentation aligned one space after the longest name, a single
// space around `=` for an argument whose value spans lines, two-space indentation, no tabs, no
// trailing whitespace, a final newline. Checks *.tf and *.tfvars under each DIR.

const fs = require('fs');
const path = require('path');

function files(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !e.name.startsWith('.')) out.push(...files(p));
    else if (e.isFile() && /\.(tf|tfvars)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

const ASSIGN = /^(\s*)([A-Za-z0-9_"\-.]+)(\s*)=(?!=)(\s*)(.*)$/;

function checkFile(file) {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const findings = [];
  const report = (i, msg) => findings.push(`${file}:${i + 1}: ${msg}`);
  let chain = [];
  const close = () => {
    if (chain.length > 1) {
      const width = Math.max(...chain.map((c) => c.m[2].length));
      for (const { i, m } of chain) {
        const want = `${m[1]}${m[2].padEnd(width)} = `;
        if (!lines[i].startsWith(want)) report(i, `align "=" of consecutive arguments: expected "${want.trim()} ..."`);
      }
    } else if (chain.length === 1) {
      const { i, m } = chain[0];
      if (m[3] !== ' ' || m[4] !== ' ') report(i, 'one space on each side of "="');
    }
    chain = [];
  };
  let inHeredoc = null;
  lines.forEach((line, i) => {
    if (inHeredoc) {
      if (line.trim() === inHeredoc) inHeredoc = null;
      return;
    }
    if (/\t/.test(line)) report(i, 'tab character (use two spaces)');
    if (line !== line.trimEnd()) report(i, 'trailing whitespace');
    const indent = /^ */.exec(line)[0].length;
    if (line.trim() && indent % 2 !== 0) report(i, 'indentation is not a multiple of two spaces');
    const m = ASSIGN.exec(line);
    const trimmed = line.trim();
    if (!m || trimmed.startsWith('#') || trimmed.startsWith('//')) {
      close();
      return;
    }
    const value = m[5].replace(/\s+#.*$/, '').trimEnd();
    const heredoc = /<<-?([A-Z_]+)$/.exec(value);
    if (heredoc) inHeredoc = heredoc[1];
    if (chain.length > 0 && chain[0].m[1].length !== m[1].length) close();
    if (/[{[(]$/.test(value) || heredoc) {
      // An argument whose value continues on the next lines is not aligned with its neighbours.
      close();
      if (m[3] !== ' ' || m[4] !== ' ') report(i, 'one space on each side of "="');
      return;
    }
    chain.push({ i, m });
  });
  close();
  if (text.length > 0 && !text.endsWith('\n')) report(lines.length - 1, 'no newline at end of file');
  if (text.endsWith('\n\n')) report(lines.length - 1, 'blank lines at end of file');
  return findings;
}

function main(dirs) {
  if (dirs.length === 0) {
    process.stderr.write('usage: fmt.js DIR...\n');
    return 2;
  }
  const findings = dirs.flatMap((d) => files(d)).flatMap(checkFile);
  for (const f of findings) process.stdout.write(`${f}\n`);
  if (findings.length > 0) {
    process.stderr.write(`fmt: ${findings.length} formatting finding(s)\n`);
    return 1;
  }
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
module.exports = { checkFile };
