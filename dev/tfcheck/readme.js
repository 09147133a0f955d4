#!/usr/bin/env node
'use strict';
// Keeps the input and output tables of each infra/modules/<name>/README.md in step with its
// variables.tf and outputs.tf. The tables live between the markers below; the rest of the README
// is written by hand.
//
//   node dev/tfcheck/readme.js --write DIR...   rewrite the tables
//   node dev/tfcheck/readme.js --check DIR...   exit 1 when a README is missing or out of date

const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');

const BEGIN = '<!-- BEGIN_TF_DOCS -->';
const END = '<!-- END_TF_DOCS -->';

function unwrap(expr) {
  if (typeof expr !== 'string') return JSON.stringify(expr);
  const m = /^\$\{([\s\S]*)\}$/.exec(expr);
  return m ? m[1] : JSON.stringify(expr);
}

function cell(text) {
  return String(text).replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}

async function tables(dir) {
  const body = {};
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.tf')).sort()) {
    const parsed = await hcl.parse(f, fs.readFileSync(path.join(dir, f), 'utf8'));
    for (const key of ['variable', 'output']) Object.assign((body[key] ||= {}), parsed[key] || {});
  }
  const lines = ['## Inputs', '', '| name | type | default | required | description |', '| --- | --- | --- | --- | --- |'];
  for (const [name, blocks] of Object.entries(body.variable).sort()) {
    const v = blocks[0];
    const required = v.default === undefined;
    const def = required ? '' : `\`${cell(v.default === null ? 'null' : JSON.stringify(v.default))}\``;
    lines.push(`| \`${name}\` | \`${cell(unwrap(v.type))}\` | ${def} | ${required ? 'yes' : 'no'} | ${cell(v.description || '')} |`);
  }
  lines.push('', '## Outputs', '', '| name | description |', '| --- | --- |');
  for (const [name, blocks] of Object.entries(body.output).sort()) {
    lines.push(`| \`${name}\` | ${cell(blocks[0].description || '')} |`);
  }
  return `${BEGIN}\n${lines.join('\n')}\n${END}`;
}

async function main(argv) {
  const mode = argv[0];
  const dirs = argv.slice(1);
  if (!['--write', '--check'].includes(mode) || dirs.length === 0) {
    process.stderr.write('usage: readme.js --write|--check MODULE_DIR...\n');
    return 2;
  }
  let stale = 0;
  for (const dir of dirs) {
    const readme = path.join(dir, 'README.md');
    const generated = await tables(dir);
    const current = fs.existsSync(readme) ? fs.readFileSync(readme, 'utf8') : '';
    const start = current.indexOf(BEGIN);
    const end = current.indexOf(END);
    if (start < 0 || end < start) {
      if (mode === '--write') {
        fs.writeFileSync(readme, `${current.trimEnd()}\n\n${generated}\n`);
      } else {
        process.stdout.write(`${readme}: missing or without ${BEGIN} ... ${END}\n`);
        stale += 1;
      }
      continue;
    }
    const updated = current.slice(0, start) + generated + current.slice(end + END.length);
    if (updated === current) continue;
    if (mode === '--write') {
      fs.writeFileSync(readme, updated);
    } else {
      process.stdout.write(`${readme}: input/output tables out of date (node dev/tfcheck/readme.js --write ${dir})\n`);
      stale += 1;
    }
  }
  return stale > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  process.stderr.write(`readme.js: ${e.stack || e}\n`);
  process.exit(2);
});
