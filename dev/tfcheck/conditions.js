'use strict';
// A module's variable validations and lifecycle preconditions, run on given variable values with
// the expression evaluator (expr.js). Used by the checker (every env/<env>.tfvars value must pass
// its stack's validations) and by the tests of infra/ (a validation or precondition must refuse
// what AWS would refuse, and accept what it accepts).

const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');
const { evaluateSource, renderTemplate, parseType, convert, EvalError, Unsupported, UNKNOWN } = require('./expr');

const asList = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

async function parseModule(dir) {
  const bodies = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.tf')).sort()) {
    bodies.push(await hcl.parse(f, fs.readFileSync(path.join(dir, f), 'utf8')));
  }
  return bodies;
}

// name -> { type (parsed, or null when unsupported), default, nullable, validations: [{condition, error_message}] }
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
      vars.set(name, {
        type, default: b.default, hasDefault: b.default !== undefined, nullable: b.nullable !== false, validations: asList(b.validation),
      });
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

// The value Terraform gives one variable: `raw` (undefined: not given) converted to its type, the
// default when not given, or when null is given to a variable with `nullable = false`.
function variableValue(v, raw, name) {
  let value = raw;
  if (value === undefined || (value === null && !v.nullable && v.hasDefault)) value = v.hasDefault ? v.default : undefined;
  if (value === undefined) return undefined;
  return v.type ? convert(value, v.type, `var.${name}`) : value;
}

// The values Terraform would give the module's variables: `given` converted to each variable's
// type, defaults (converted) for the rest. A required variable that is not given is left out (an
// expression reading it is then Unsupported, not a pass or a failure), or set to `missing` when
// one is given (UNKNOWN, for a module call whose argument cannot be known).
function variableValues(vars, given, missing) {
  const values = {};
  for (const [name, v] of vars) {
    const value = variableValue(v, Object.prototype.hasOwnProperty.call(given, name) ? given[name] : undefined, name);
    if (value !== undefined) values[name] = value;
    else if (missing !== undefined) values[name] = missing;
  }
  return values;
}

// Runs the validations of the variables in `names` (default: all given ones) with the values
// above. Returns { failed: [{variable, error_message}], unsupported: [{variable, reason}],
// deferred: [variable] } (deferred: the condition depends on a value not known before apply).
function runValidations(vars, given, names = Object.keys(given)) {
  const failed = [];
  const unsupported = [];
  const deferred = [];
  let values;
  try {
    values = variableValues(vars, given);
  } catch (e) {
    if (e instanceof EvalError) return { failed: [{ variable: '(type)', error_message: e.message }], unsupported, deferred };
    throw e;
  }
  for (const name of names) {
    const v = vars.get(name);
    if (!v) continue;
    for (const val of v.validations) {
      const r = evalCondition(val.condition, { var: values });
      if (r.unsupported) unsupported.push({ variable: name, reason: r.unsupported });
      else if (r.unknown) deferred.push(name);
      else if (!r.ok) failed.push({ variable: name, error_message: renderMessage(val.error_message, { var: values }) });
    }
  }
  return { failed, unsupported, deferred };
}

// An error message with its ${...} interpolations evaluated, as Terraform prints it; an
// interpolation that cannot be evaluated here stays as written.
function renderMessage(message, scope) {
  if (typeof message !== 'string') return String(message);
  try {
    return renderTemplate(message, scope);
  } catch (e) {
    if (e instanceof EvalError || e instanceof Unsupported) return message;
    throw e;
  }
}

// { ok: boolean }, { unknown: true } (it depends on a value known only during apply) or
// { unsupported: reason }. An EvalError in a condition is a failed condition (Terraform reports it
// as an error too).
function evalCondition(condition, scope) {
  try {
    const v = evaluateSource(condition, scope);
    if (v === UNKNOWN) return { unknown: true };
    if (typeof v !== 'boolean') return { ok: false };
    return { ok: v };
  } catch (e) {
    if (e instanceof Unsupported) return { unsupported: e.message };
    if (e instanceof EvalError) return { ok: false };
    throw e;
  }
}

module.exports = { loadVariables, loadConditions, variableValue, variableValues, runValidations, evalCondition, renderMessage };
