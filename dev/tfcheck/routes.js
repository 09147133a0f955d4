#!/usr/bin/env node
'use strict';
// Usage: node dev/tfcheck/routes.js [--json] [FILE [MODULE_DIR]]
// Checks the route definition the local stack reads (docs/contract.md section 9; FILE defaults to
// local/routes.tfvars.json) against the Terraform module that deploys routes (MODULE_DIR defaults
// to infra/modules/mtls_api): the file's `routes` and `scopes` must have the types of the module's
// variables of those names and pass their validations, evaluated from the module's own .tf files,
// so the local file and Terraform cannot drift apart. Locally an integration is `http` (url) or
// `function` (binary: a Runtime API program); a `function` route is checked as the `lambda` route
// it stands for. Prints one line per finding and exits 1 when there is any, 2 on bad usage.
// --json prints what the module derives from the file instead: the routes with their defaults, the
// full scope names by route and the authorizer's ROUTE_SCOPES.

const fs = require('fs');
const path = require('path');
const { EvalError, UNKNOWN, isUnknown, evaluateSource } = require('./expr');
const { variableValue, evalCondition, renderMessage } = require('./conditions');
const { loadModule, moduleScope } = require('./calls');

const root = path.resolve(__dirname, '..', '..');
const DEFAULT_FILE = path.join(root, 'local', 'routes.tfvars.json');
const DEFAULT_MODULE = path.join(root, 'infra', 'modules', 'mtls_api');
// The variables the file holds (the rest of the module's inputs keep their defaults locally).
const FILE_VARIABLES = ['scopes', 'routes'];
// What a local `function` route is checked as: a Lambda function ARN the module accepts.
const LOCAL_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:local-function';

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// The file's routes as Terraform would see them, and the findings that only the local stack has.
function localToTerraform(routes, report) {
  if (!isObject(routes)) return routes;
  const out = {};
  for (const [key, r] of Object.entries(routes)) {
    if (!isObject(r) || !isObject(r.integration)) {
      out[key] = r;
      continue;
    }
    const { binary, ...integration } = r.integration;
    if (integration.type === 'function') {
      if (typeof binary !== 'string' || binary.trim() === '') report(`routes["${key}"]`, 'a function integration needs "binary": the path of a program that speaks the Lambda Runtime API');
      out[key] = { ...r, integration: { ...integration, type: 'lambda', function_arn: LOCAL_FUNCTION_ARN } };
      continue;
    }
    if (binary !== undefined) report(`routes["${key}"]`, '"binary" is for an integration of type "function"');
    if (integration.type === 'lambda' || integration.type === 'vpc_link') {
      report(`routes["${key}"]`, `the local stack has no "${integration.type}" integration: use "http" (url) or "function" (binary) here, and ${integration.type} in Terraform`);
    }
    out[key] = { ...r, integration };
  }
  return out;
}

// Returns { findings: [{ file, where, message }], derived } for the route file `file`.
async function checkRoutesFile(file, moduleDir = DEFAULT_MODULE) {
  const findings = [];
  const report = (where, message) => findings.push({ file, where, message });
  let data;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    report('(file)', e.code === 'ENOENT' ? 'no such file' : `not JSON: ${e.message}`);
    return { findings };
  }
  if (!isObject(data)) {
    report('(file)', 'the file must hold a JSON object with "scopes" and "routes"');
    return { findings };
  }
  for (const k of Object.keys(data)) {
    if (!FILE_VARIABLES.includes(k)) report(k, `"${k}" is not part of the route definition (only ${FILE_VARIABLES.join(' and ')})`);
  }
  const mod = await loadModule(moduleDir);
  if (!mod) throw new Error(`no Terraform module in ${moduleDir}`);
  const given = { ...data, routes: localToTerraform(data.routes, report) };
  const values = {};
  for (const [name, v] of mod.variables) {
    try {
      const value = variableValue(v, FILE_VARIABLES.includes(name) ? given[name] : undefined, name);
      values[name] = value === undefined ? UNKNOWN : value;
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      values[name] = UNKNOWN;
      report(name, `does not fit the type of the module's variable: ${e.message}`);
    }
  }
  const scope = moduleScope(mod, values);
  for (const name of FILE_VARIABLES) {
    if (isUnknown(values[name])) continue;
    for (const val of mod.variables.get(name).validations) {
      const r = evalCondition(val.condition, scope);
      if (r.unsupported) throw new Error(`cannot evaluate a validation of ${name}: ${r.unsupported}`);
      if (r.ok === false) report(name, renderMessage(val.error_message, scope));
    }
  }
  if (findings.length > 0) return { findings };
  // The routes with the module's defaults, each integration back in its local form.
  const routes = {};
  for (const [key, r] of Object.entries(values.routes)) {
    const local = data.routes[key].integration;
    routes[key] = local.type === 'function'
      ? { ...r, integration: { type: 'function', binary: local.binary, timeout_ms: r.integration.timeout_ms } }
      : r;
  }
  const derived = {
    routes,
    scopes: evaluateSource('${local.full_scope}', scope),
    route_scopes: evaluateSource('${local.route_scopes}', scope),
    route_scopes_env: evaluateSource('${local.route_scopes_env}', scope),
  };
  return { findings, derived };
}

async function main(argv) {
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  if (args.length > 2 || args.some((a) => a.startsWith('-'))) {
    process.stderr.write('usage: routes.js [--json] [FILE [MODULE_DIR]]\n');
    return 2;
  }
  const file = path.resolve(args[0] || DEFAULT_FILE);
  const { findings, derived } = await checkRoutesFile(file, args[1] ? path.resolve(args[1]) : DEFAULT_MODULE);
  for (const f of findings) process.stdout.write(`${path.relative(process.cwd(), f.file)}: ${f.where}: ${f.message}\n`);
  if (findings.length > 0) {
    process.stderr.write(`routes.js: ${findings.length} finding(s)\n`);
    return 1;
  }
  if (json) process.stdout.write(`${JSON.stringify(derived, null, 2)}\n`);
  else process.stdout.write(`routes.js: ${path.relative(process.cwd(), file)}: ${Object.keys(derived.routes).length} route(s), no findings\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`routes.js: ${e.stack || e}\n`);
    process.exit(2);
  });
}

module.exports = { checkRoutesFile, LOCAL_FUNCTION_ARN };
