'use strict';
// Module calls evaluated as `terraform plan` evaluates them, without terraform: each argument of a
// call to a local module is computed from the caller's values (its variables, its locals; a
// resource attribute, a data source or a module output is UNKNOWN), converted to the called
// module's variable type, and then that module's variable validations and resource preconditions
// run on the result, and the same for the calls inside it. A condition that depends on an UNKNOWN
// value is deferred, as Terraform defers it; only a condition that is known to be false is a
// finding. So a route naming an undefined scope, written as a literal in a root module or in an
// env/<env>.tfvars file, is refused here as `terraform plan` refuses it.

const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');
const { evaluateSource, convert, EvalError, Unsupported, UNKNOWN, UNKNOWN_REFS } = require('./expr');
const { loadVariables, variableValue, variableValues, evalCondition, renderMessage } = require('./conditions');

const MODULE_META = new Set(['source', 'version', 'count', 'for_each', 'depends_on', 'providers']);
const asList = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const PENDING = Symbol('pending');

// A parsed HCL value (hcl2json: literals decoded, expressions as "${...}" strings) evaluated in
// `scope`, leaf by leaf: a leaf that cannot be evaluated here is UNKNOWN, not the whole value.
function evalValue(raw, scope) {
  if (typeof raw === 'string') {
    try {
      return evaluateSource(raw, scope);
    } catch (e) {
      if (e instanceof Unsupported || e instanceof EvalError) return UNKNOWN;
      throw e;
    }
  }
  if (Array.isArray(raw)) return raw.map((v) => evalValue(v, scope));
  if (isObject(raw)) {
    const out = {};
    for (const [k, v] of Object.entries(raw)) {
      const key = k.includes('${') ? evalValue(k, scope) : k;
      if (typeof key !== 'string') return UNKNOWN;
      out[key] = evalValue(v, scope);
    }
    return out;
  }
  return raw;
}

// Declarations of one module directory: variables (conditions.loadVariables), locals, module
// calls and resource preconditions, each with its file.
async function loadModule(dir) {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return null;
  const files = fs.readdirSync(dir).filter((n) => n.endsWith('.tf')).sort();
  if (files.length === 0) return null;
  const mod = { dir, locals: {}, calls: [], preconditions: [] };
  for (const f of files) {
    const file = path.join(dir, f);
    let body;
    try {
      body = await hcl.parse(f, fs.readFileSync(file, 'utf8'));
    } catch (e) {
      return null; // the syntax error is reported by check.js
    }
    for (const l of asList(body.locals)) Object.assign(mod.locals, l);
    for (const [name, blocks] of Object.entries(body.module || {})) {
      for (const b of asList(blocks)) mod.calls.push({ name, file, body: b });
    }
    for (const [type, byName] of Object.entries(body.resource || {})) {
      for (const [name, blocks] of Object.entries(byName)) {
        for (const b of asList(blocks)) {
          for (const l of asList(b.lifecycle)) {
            for (const c of asList(l.precondition)) mod.preconditions.push({ where: `resource "${type}" "${name}"`, file, ...c });
          }
        }
      }
    }
  }
  try {
    mod.variables = await loadVariables(dir);
  } catch (e) {
    return null;
  }
  return mod;
}

// The scope a module's expressions are evaluated in: its variables' values, its locals (each
// evaluated when first read), path.*, and UNKNOWN for everything else.
function moduleScope(mod, values) {
  const local = {};
  const scope = { var: values, local, path: { module: mod.dir, root: process.cwd(), cwd: process.cwd() }, [UNKNOWN_REFS]: true };
  const state = new Map();
  for (const [name, raw] of Object.entries(mod.locals)) {
    Object.defineProperty(local, name, {
      enumerable: true,
      get() {
        if (state.has(name)) return state.get(name) === PENDING ? UNKNOWN : state.get(name);
        state.set(name, PENDING);
        const v = evalValue(raw, scope);
        state.set(name, v);
        return v;
      },
    });
  }
  return scope;
}

// Every variable of `mod` set to UNKNOWN: a module whose inputs come from outside.
function unknownValues(mod) {
  return Object.fromEntries([...mod.variables.keys()].map((n) => [n, UNKNOWN]));
}

// Evaluates the calls of `mod` (whose variables have `values`) and reports each known failure as
// report({ chain: [call names, outermost first], call (the outermost call), variable, kind, message }),
// kind being 'type', 'validation' or 'precondition'.
async function checkModuleCalls(mod, values, report, options = {}) {
  const cache = options.cache || new Map();
  const load = async (dir) => {
    if (!cache.has(dir)) cache.set(dir, await loadModule(dir));
    return cache.get(dir);
  };
  const visit = async (m, scope, chain, outer, depth) => {
    if (depth > 8) return;
    for (const call of m.calls) {
      const source = call.body.source;
      if (typeof source !== 'string' || !/^\.\.?\//.test(source)) continue;
      const target = await load(path.resolve(m.dir, source));
      if (!target) continue;
      const here = chain.concat(call.name);
      const site = outer || call;
      const given = {};
      for (const [k, raw] of Object.entries(call.body)) {
        if (!MODULE_META.has(k) && target.variables.has(k)) given[k] = evalValue(raw, scope);
      }
      const values = {};
      for (const [name, v] of target.variables) {
        try {
          const value = variableValue(v, given[name], name);
          values[name] = value === undefined ? UNKNOWN : value;
        } catch (e) {
          if (!(e instanceof EvalError)) throw e;
          values[name] = UNKNOWN;
          report({ chain: here, call: site, source, variable: name, kind: 'type', message: e.message });
        }
      }
      const inner = moduleScope(target, values);
      for (const [name, v] of target.variables) {
        for (const val of v.validations) {
          const r = evalCondition(val.condition, inner);
          if (r.ok === false) report({ chain: here, call: site, source, variable: name, kind: 'validation', message: renderMessage(val.error_message, inner) });
        }
      }
      for (const c of target.preconditions) {
        const r = evalCondition(c.condition, inner);
        if (r.ok === false) report({ chain: here, call: site, source, variable: c.where, kind: 'precondition', message: renderMessage(c.error_message, inner) });
      }
      await visit(target, inner, here, site, depth + 1);
    }
  };
  await visit(mod, moduleScope(mod, values), [], null, 0);
}

// One line for a report: `argument "routes" fails a validation of ../modules/mtls_api: ...`, with
// the path of nested calls (module.api.module.cognito) when the failure is deeper down.
function describe(r) {
  const where = r.chain.length > 1 ? `in module.${r.chain.join('.module.')}: ` : '';
  if (r.kind === 'type') return `${where}argument "${r.variable}" does not fit the type of ${r.source}: ${r.message}`;
  if (r.kind === 'precondition') return `${where}precondition of ${r.variable} in ${r.source} fails: ${r.message}`;
  return `${where}argument "${r.variable}" fails a validation of ${r.source}: ${r.message}`;
}

// The scope of module `dir` for the given variable values (converted; defaults for the rest,
// UNKNOWN for a required one not given), with `extra` roots in it (stubs of module outputs or
// resources), for tests and tools that evaluate a module's locals and arguments.
async function evaluateModule(dir, given, extra = {}) {
  const mod = await loadModule(dir);
  if (!mod) throw new Error(`no Terraform module in ${dir}`);
  const values = variableValues(mod.variables, given, UNKNOWN);
  const scope = Object.assign(moduleScope(mod, values), extra);
  const strict = (raw, sc) => {
    if (typeof raw === 'string') return evaluateSource(raw, sc);
    if (Array.isArray(raw)) return raw.map((v) => strict(v, sc));
    if (isObject(raw)) return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.includes('${') ? evaluateSource(k, sc) : k, strict(v, sc)]));
    return raw;
  };
  // evaluate(): a parsed HCL value in this scope (plus `more`, e.g. each); errors are raised.
  return { mod, values, scope, evaluate: (raw, more = {}) => strict(raw, { ...scope, ...more }) };
}

module.exports = { loadModule, moduleScope, evalValue, unknownValues, checkModuleCalls, describe, evaluateModule };
