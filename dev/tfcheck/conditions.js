'use strict';
// A module's variable validations and lifecycle preconditions, run on given variable values with
// the expression evaluator (expr.js). Used by the checker (every env/<env>.tfvars value must pass
// its stack's validations) and by the tests of infra/ (a validation or precondition must refuse
// what AWS would refuse, and accept what it accepts).

const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');
const { evaluateSource, parseType, convert, EvalError, Unsupported } = require('./expr');

const asList = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

async function parseModule(dir) {
  const bodies = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.tf')).sort()) {
    bodies.push(await hcl.parse(f, fs.readFileSync(path.join(dir, f), 'utf8')));
  }
  return bodies;
}

// name -> { type (parsed, or null when unsupported), default, validations: [{condition, error_message}] }
async function loadVariables(dir) {
  const vars = new Map();
  for (const body of await parseModule(dir)) {
    for (const [name, blocks] of Object.entries(body.variable || {})) {
      const b = asList(blocks)[0] || {};
      let type = null;
      try {
        type = parseType(b.type);
      } catch (e) {
        if (!(e instanceof Unsupported || e instanceof EvalError)) throw e;
      }
      vars.set(name, { type, default: b.default, hasDefault: b.default !== undefined, validations: asList(b.validation) });
    }
  }
  return vars;
}

// Every lifecycle precondition/postcondition of the module's resources and data sources:
// [{ where: 'resource "aws_x" "y"', kind, condition, error_message }].
async function loadConditions(dir) {
  const out = [];
  for (const body of await parseModule(dir)) {
    for (const kind of ['resource', 'data']) {
      for (const [type, byName] of Object.entries(body[kind] || {})) {
        for (const [name, blocks] of Object.entries(byName)) {
          for (const b of asList(blocks)) {
            for (const l of asList(b.lifecycle)) {
              for (const which of ['precondition', 'postcondition']) {
                for (const c of asList(l[which])) {
                  out.push({ where: `${kind === 'data' ? 'data ' : 'resource '}"${type}" "${name}"`, kind: which, ...c });
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

// The values Terraform would give the module's variables: `given` converted to each variable's
// type, defaults (converted) for the rest. A required variable that is not given is left out (an
// expression reading it is then Unsupported, not a pass or a failure).
function variableValues(vars, given) {
  const values = {};
  for (const [name, v] of vars) {
    const raw = Object.prototype.hasOwnProperty.call(given, name) ? given[name] : v.hasDefault ? v.default : undefined;
    if (raw === undefined) continue;
    values[name] = v.type ? convert(raw, v.type, `var.${name}`) : raw;
  }
  return values;
}

// Runs the validations of the variables in `names` (default: all given ones) with the values
// above. Returns { failed: [{variable, error_message}], unsupported: [{variable, reason}] }.
function runValidations(vars, given, names = Object.keys(given)) {
  const failed = [];
  const unsupported = [];
  let values;
  try {
    values = variableValues(vars, given);
  } catch (e) {
    if (e instanceof EvalError) return { failed: [{ variable: '(type)', error_message: e.message }], unsupported };
    throw e;
  }
  for (const name of names) {
    const v = vars.get(name);
    if (!v) continue;
    for (const val of v.validations) {
      const r = evalCondition(val.condition, { var: values });
      if (r.unsupported) unsupported.push({ variable: name, reason: r.unsupported });
      else if (!r.ok) failed.push({ variable: name, error_message: val.error_message });
    }
  }
  return { failed, unsupported };
}

// { ok: boolean } or { unsupported: reason }. An EvalError in a condition is a failed condition
// (Terraform reports it as an error too).
function evalCondition(condition, scope) {
  try {
    const v = evaluateSource(condition, scope);
    if (typeof v !== 'boolean') return { ok: false };
    return { ok: v };
  } catch (e) {
    if (e instanceof Unsupported) return { unsupported: e.message };
    if (e instanceof EvalError) return { ok: false };
    throw e;
  }
}

module.exports = { loadVariables, loadConditions, variableValues, runValidations, evalCondition };
