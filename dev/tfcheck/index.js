#!/usr/bin/env node
'use strict';
// Usage: node dev/tfcheck/index.js [--json] DIR...
// Checks every Terraform module directory under each DIR against the AWS provider schema of the
// pinned @cdktf/provider-aws package. Prints one line per finding; exits 1 when there is any,
// 2 on bad usage or when the schema cannot be loaded.

const path = require('path');
const { loadSchema } = require('./schema');
const { checkTree } = require('./check');

async function main(argv) {
  const json = argv.includes('--json');
  const dirs = argv.filter((a) => a !== '--json');
  if (dirs.length === 0 || dirs.some((d) => d.startsWith('-'))) {
    process.stderr.write('usage: tfcheck [--json] DIR...\n');
    return 2;
  }
  let schema;
  try {
    schema = loadSchema(path.resolve(__dirname, '..', '..'));
  } catch (e) {
    process.stderr.write(`tfcheck: ${e.message}\n`);
    return 2;
  }
  const findings = await checkTree(dirs.map((d) => path.resolve(d)), schema);
  if (json) {
    process.stdout.write(`${JSON.stringify(findings, null, 1)}\n`);
  } else {
    for (const f of findings) process.stdout.write(`${f.file}: ${f.where}: ${f.message}\n`);
  }
  if (findings.length > 0) {
    process.stderr.write(`tfcheck: ${findings.length} finding(s)\n`);
    return 1;
  }
  if (!json) process.stdout.write(`tfcheck: ${dirs.join(' ')}: no findings (AWS provider ${schema.providerVersion})\n`);
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  process.stderr.write(`tfcheck: ${e.stack || e}\n`);
  process.exit(2);
});
