'use strict';
// Static checks of Terraform configurations without a terraform binary: HCL is parsed with
// @cdktf/hcl2json, resources are checked against the AWS provider schema (schema.js), and the
// module-level wiring (variables, locals, references, module calls) is checked here.
//
// A finding is { file, where, message }: `file` is the .tf file (or the module directory when
// the finding is about a module as a whole), `where` names the block (resource "aws_x" "name"
// > nested_block > ...).

const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');
const { normaliseName } = require('./schema');
const { loadVariables, runValidations, variableValues } = require('./conditions');
const { loadModule, unknownValues, checkModuleCalls, describe } = require('./calls');
const { EvalError, UNKNOWN, quoteTemplate, interpolationEnd } = require('./expr');
const { MIN_TERRAFORM, lowerBound, versionAtLeast } = require('./versions');

const RESOURCE_META = new Set(
    ['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);
const DATA_META = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle']);
const LIFECYCLE_ARGS = new Set([
  'create_before_destroy', 'prevent_destroy', 'ignore_changes', 'replace_triggered_by',
  'precondition', 'postcondition', 'action_trigger'
]);
const CONDITION_ARGS = new Set(['condition', 'error_message']);
const VARIABLE_ARGS =
    new Set(['type', 'description', 'default', 'sensitive', 'nullable', 'validation', 'ephemeral']);
const OUTPUT_ARGS =
    new Set(['value', 'description', 'sensitive', 'depends_on', 'precondition', 'ephemeral']);
const MODULE_META = new Set(['source', 'version', 'count', 'for_each', 'depends_on', 'providers']);
const TOP_LEVEL = new Set([
  'terraform', 'provider', 'variable', 'locals', 'output', 'resource', 'data', 'module', 'check',
  'moved', 'import', 'removed', 'ephemeral'
]);
// Terraform 1.11's built-in functions (provider-defined ones are called provider::NAME::FN).
const BUILTIN_FUNCTIONS = new Set(`abs abspath alltrue anytrue base64decode base64encode base64gzip
  base64sha256 base64sha512 basename bcrypt can ceil chomp chunklist cidrhost cidrnetmask cidrsubnet
  cidrsubnets coalesce coalescelist compact concat contains csvdecode dirname distinct element
  endswith ephemeralasnull file filebase64 filebase64sha256 filebase64sha512 fileexists filemd5
  fileset filesha1 filesha256 filesha512 flatten floor format formatdate formatlist indent index
  issensitive join jsondecode jsonencode keys length log lookup lower matchkeys max md5 merge min
  nonsensitive one parseint pathexpand plantimestamp pow range regex regexall replace reverse
  rsadecrypt sensitive setintersection setproduct setsubtract setunion sha1 sha256 sha512 signum
  slice sort split startswith strcontains strrev substr sum templatefile templatestring
  textdecodebase64 textencodebase64 timeadd timecmp timestamp title tobool tolist tomap tonumber
  toset tostring transpose trim trimprefix trimspace trimsuffix try upper urlencode uuid uuidv5
  values yamldecode yamlencode zipmap`.split(/\s+/));

// Words of the expression syntax that an opening parenthesis may follow (`k if (a || b)`).
const KEYWORDS = new Set(['if', 'in', 'for', 'and', 'or']);

// The ${...} expressions of a template string, each without its quoted string literals (whose
// text is not code), e.g. "a-${format("%s(x)", var.b)}" -> [`format(, var.b)`].
function templateExpressions(template) {
  const out = [];
  for (let i = template.indexOf('${'); i >= 0; i = template.indexOf('${', i)) {
    let depth = 0;
    let j = i + 2;
    let code = '';
    for (; j < template.length; j++) {
      const c = template[j];
      if (c === '"') { // skip a string literal, escapes and nested templates included
        let k = j + 1;
        let nest = 0;
        for (; k < template.length; k++) {
          if (template[k] === '\\') { k++; continue; }
          if (template[k] === '$' && template[k + 1] === '{') nest++;
          else if (template[k] === '}' && nest > 0) nest--;
          else if (template[k] === '"' && nest === 0) break;
        }
        code += ' ';
        j = k;
        continue;
      }
      if (c === '{') depth++;
      if (c === '}') {
        if (depth === 0) break;
        depth--;
      }
      code += c;
    }
    out.push(code);
    i = j + 1;
  }
  return out;
}

// The source of each ${...} interpolation of a template, string literals inside it included.
function interpolations(template) {
  const out = [];
  for (let i = template.indexOf('${'); i >= 0; i = template.indexOf('${', i + 2)) {
    if (template[i - 1] === '$') continue;
    try {
      const end = interpolationEnd(template, i + 2);
      out.push(template.slice(i + 2, end));
      i = end - 1;
    } catch (e) {
      break;
    }
  }
  return out;
}

function unknownFunctions(value) {
  const names = new Set();
  for (const s of collectStrings(value, [])) {
    for (const expr of templateExpressions(s)) {
      // Comments inside a multi-line expression are not code (string literals are already out).
      const code = expr.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(#|\/\/)[^\n]*/g, ' ');
      for (const m of code.matchAll(/(^|[^\w.:])([a-z_][a-z0-9_]*)\s*\(/g)) {
        if (!BUILTIN_FUNCTIONS.has(m[2]) && !KEYWORDS.has(m[2])) names.add(m[2]);
      }
    }
  }
  return [...names];
}

// Roots of references that are not declarations of the module.
const BUILTIN_ROOTS = new Set(['path', 'terraform', 'each', 'count', 'self']);

function asList(v) {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// Every string in a parsed value (attribute values are strings with "${...}" templates).
function collectStrings(value, out) {
  if (typeof value === 'string') {
    if (value.includes('${')) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, out);
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('${')) out.push(k);
      collectStrings(v, out);
    }
  }
  return out;
}

class ModuleCheck {
  constructor(dir, schema, findings, loadModule, loadDecls) {
    this.dir = dir;
    this.schema = schema;
    this.findings = findings;
    this.loadModule = loadModule;
    this.loadDecls = loadDecls;
  }

  report(file, where, message) {
    this.findings.push({ file, where, message });
  }

  // --- declarations -------------------------------------------------------------------------

  collect(files) {
    this.files = files; // [{file, body}]
    this.variables = new Map();
    this.locals = new Map();
    this.outputs = new Map();
    this.resources = new Map(); // "type.name" -> {file, body}
    this.data = new Map();
    this.modules = new Map();
    for (const { file, body } of files) {
      for (const key of Object.keys(body)) {
        if (!TOP_LEVEL.has(key)) this.report(file, key, `unknown top-level block "${key}"`);
      }
      for (const [name, blocks] of Object.entries(body.variable || {})) {
        this.variables.set(name, { file, body: asList(blocks)[0] || {} });
      }
      for (const l of asList(body.locals)) {
        for (const [name, value] of Object.entries(l)) this.locals.set(name, { file, value });
      }
      for (const [name, blocks] of Object.entries(body.output || {})) {
        this.outputs.set(name, { file, body: asList(blocks)[0] || {} });
      }
      for (const [type, byName] of Object.entries(body.resource || {})) {
        for (const [name, blocks] of Object.entries(byName)) {
          this.resources.set(`${type}.${name}`, { file, type, name, body: asList(blocks)[0] || {} });
        }
      }
      const addData = (byType, scope) => {
        for (const [type, byName] of Object.entries(byType || {})) {
          for (const [name, blocks] of Object.entries(byName)) {
            this.data.set(`${type}.${name}`, { file, type, name, scope, body: asList(blocks)[0] || {} });
          }
        }
      };
      addData(body.data, null);
      for (const [checkName, blocks] of Object.entries(body.check || {})) {
        for (const c of asList(blocks)) addData(c.data, checkName);
      }
      for (const [name, blocks] of Object.entries(body.module || {})) {
        this.modules.set(name, { file, body: asList(blocks)[0] || {} });
      }
    }
  }

  // --- schema checks ------------------------------------------------------------------------

  checkBlock(file, where, body, block, meta) {
    if (!isObject(body)) return; // an expression for the whole block: nothing to check
    const given = new Set();
    for (const [key, value] of Object.entries(body)) {
      if (meta && meta.has(key)) {
        if (key === 'lifecycle') this.checkLifecycle(file, `${where} > lifecycle`, value);
        continue;
      }
      if (key === 'dynamic') {
        for (const [name, dyns] of Object.entries(value || {})) {
          const attr = block.attrs.get(name);
          if (!attr || !attr.block) {
            this.report(file, `${where} > dynamic "${name}"`, `unknown block "${name}"`);
            continue;
          }
          given.add(name);
          for (const d of asList(dyns)) {
            for (const k of Object.keys(d)) {
              if (!['for_each', 'iterator', 'labels', 'content'].includes(k)) {
                this.report(file, `${where} > dynamic "${name}"`, `unknown argument "${k}"`);
              }
            }
            if (d.for_each === undefined) {
              this.report(file, `${where} > dynamic "${name}"`, 'missing required argument "for_each"');
            }
            for (const c of asList(d.content)) {
              this.checkBlock(file, `${where} > dynamic "${name}" > content`, c, attr.block, null);
            }
          }
        }
        continue;
      }
      const attr = block.attrs.get(key);
      if (!attr) {
        this.report(file, where, `unknown argument or block "${key}"`);
        continue;
      }
      given.add(key);
      // A block parses as a list of objects. `x = {...}` or `x = <expression>` for a block is an
      // error in Terraform ("An argument named x is not expected here").
      if (attr.isBlock && !Array.isArray(value)) {
        this.report(file, where, `"${key}" is a block: write ${key} { ... } (or dynamic "${key}"), not ${key} = ...`);
        continue;
      }
      if (attr.kind) {
        const problem = literalMismatch(attr.kind, value);
        if (problem) this.report(file, where, `argument "${key}": ${problem}`);
      }
      if (attr.block) {
        // A block parses as a list of objects; an object-typed attribute as an object.
        for (const item of asList(value)) {
          if (isObject(item)) this.checkBlock(file, `${where} > ${key}`, item, attr.block, null);
        }
      }
    }
    for (const [name, attr] of block.attrs) {
      if (attr.required && !given.has(name)) {
        const what = attr.block ? 'block' : 'argument';
        this.report(file, where, `missing required ${what} "${name}"`);
      }
    }
  }

  checkLifecycle(file, where, value) {
    for (const l of asList(value)) {
      if (!isObject(l)) continue;
      for (const [k, v] of Object.entries(l)) {
        if (!LIFECYCLE_ARGS.has(k)) this.report(file, where, `unknown argument "${k}"`);
        if (k === 'precondition' || k === 'postcondition') {
          this.checkConditions(file, `${where} > ${k}`, v);
        }
      }
    }
  }

  checkConditions(file, where, value) {
    for (const c of asList(value)) {
      if (!isObject(c)) continue;
      for (const k of Object.keys(c)) {
        if (!CONDITION_ARGS.has(k)) this.report(file, where, `unknown argument "${k}"`);
      }
      for (const k of CONDITION_ARGS) {
        if (c[k] === undefined) this.report(file, where, `missing required argument "${k}"`);
      }
    }
  }

  checkSchemas() {
    for (const r of this.resources.values()) {
      const where = `resource "${r.type}" "${r.name}"`;
      const s = this.schema.resources.get(r.type);
      if (!s) {
        this.report(r.file, where, `unknown resource type "${r.type}" (AWS provider ${this.schema.providerVersion})`);
        continue;
      }
      this.checkBlock(r.file, where, r.body, s, RESOURCE_META);
    }
    for (const d of this.data.values()) {
      const where = `data "${d.type}" "${d.name}"`;
      const s = this.schema.dataSources.get(d.type);
      if (!s) {
        this.report(d.file, where, `unknown data source type "${d.type}" (AWS provider ${this.schema.providerVersion})`);
        continue;
      }
      this.checkBlock(d.file, where, d.body, s, DATA_META);
    }
    for (const { file, body } of this.files) {
      for (const [name, blocks] of Object.entries(body.provider || {})) {
        for (const p of asList(blocks)) {
          if (name !== 'aws') {
            this.report(file, `provider "${name}"`, 'only the aws provider is checked; unexpected provider');
            continue;
          }
          this.checkBlock(file, 'provider "aws"', p, this.schema.provider, new Set(['alias']));
        }
      }
      for (const [name, blocks] of Object.entries(body.check || {})) {
        for (const c of asList(blocks)) {
          for (const k of Object.keys(c)) {
            if (k !== 'data' && k !== 'assert') this.report(file, `check "${name}"`, `unknown block "${k}"`);
          }
          if (!c.assert) this.report(file, `check "${name}"`, 'missing required block "assert"');
          this.checkConditions(file, `check "${name}" > assert`, c.assert);
        }
      }
    }
  }

  // --- module-level checks ------------------------------------------------------------------

  checkVariablesAndOutputs() {
    for (const [name, v] of this.variables) {
      const where = `variable "${name}"`;
      for (const k of Object.keys(v.body)) {
        if (!VARIABLE_ARGS.has(k)) this.report(v.file, where, `unknown argument "${k}"`);
      }
      if (v.body.type === undefined) this.report(v.file, where, 'variable without a type');
      if (typeof v.body.description !== 'string' || v.body.description.trim() === '') {
        this.report(v.file, where, 'variable without a description');
      }
      this.checkConditions(v.file, `${where} > validation`, v.body.validation);
    }
    for (const [name, o] of this.outputs) {
      const where = `output "${name}"`;
      for (const k of Object.keys(o.body)) {
        if (!OUTPUT_ARGS.has(k)) this.report(o.file, where, `unknown argument "${k}"`);
      }
      if (o.body.value === undefined) this.report(o.file, where, 'missing required argument "value"');
      this.checkConditions(o.file, `${where} > precondition`, o.body.precondition);
    }
  }

  checkModuleCalls() {
    for (const [name, m] of this.modules) {
      const where = `module "${name}"`;
      const source = m.body.source;
      if (typeof source !== 'string') {
        this.report(m.file, where, 'missing required argument "source"');
        continue;
      }
      if (!source.startsWith('./') && !source.startsWith('../')) continue; // registry module
      const target = path.resolve(this.dir, source);
      const mod = this.loadModule(target);
      if (!mod) {
        this.report(m.file, where, `module source "${source}" has no .tf files`);
        continue;
      }
      m.target = mod;
      for (const key of Object.keys(m.body)) {
        if (MODULE_META.has(key)) continue;
        if (!mod.variables.has(key)) {
          this.report(m.file, where, `argument "${key}" is not a variable of module ${source}`);
        }
      }
      for (const [vname, v] of mod.variables) {
        if (v.body.default === undefined && m.body[vname] === undefined) {
          this.report(m.file, where, `required variable "${vname}" of module ${source} not given`);
        }
      }
    }
  }

  // --- references ---------------------------------------------------------------------------

  async checkReferences() {
    const visit = async (file, where, value, iterators) => {
      for (const fn of unknownFunctions(value)) {
        this.report(file, where, `call to unknown function "${fn}" (not a Terraform 1.11 built-in)`);
      }
      for (const s of collectStrings(value, [])) {
        let refs;
        try {
          refs = await hcl.getReferencesInExpression(file, quoteTemplate(s));
        } catch (e) {
          this.report(file, where, `cannot parse expression ${JSON.stringify(s)}: ${e.message}`);
          continue;
        }
        for (const r of refs) this.checkReference(file, where, r.value, iterators);
        // hcl2json does not report references inside nested `for` expressions: find var.X and
        // local.X in the code of the interpolations as well.
        const seen = new Set(refs.map((r) => r.value.split('.').slice(0, 2).join('.')));
        for (const code of interpolations(s)) {
          for (const m of code.matchAll(/(?<![\w.])(var|local)\.([A-Za-z_][A-Za-z0-9_-]*)/g)) {
            if (!seen.has(`${m[1]}.${m[2]}`)) {
              seen.add(`${m[1]}.${m[2]}`);
              this.checkReference(file, where, `${m[1]}.${m[2]}`, iterators);
            }
          }
        }
      }
    };
    for (const { file, body } of this.files) {
      for (const [key, value] of Object.entries(body)) {
        if (key === 'variable') {
          for (const [name, blocks] of Object.entries(value)) {
            // Types (string, number, ...) are not references; validations are. A variable's own
            // validation does not make it used (tflint's terraform_unused_declarations neither).
            for (const b of asList(blocks)) {
              const self = `var.${name}`;
              const before = this.used.has(self);
              await visit(file, `variable "${name}"`, { default: b.default, validation: b.validation }, new Set());
              if (!before) this.used.delete(self);
            }
          }
        } else if (key === 'resource' || key === 'data') {
          for (const [type, byName] of Object.entries(value)) {
            for (const [name, blocks] of Object.entries(byName)) {
              const iterators = dynamicIterators(blocks, new Set());
              await visit(file, `${key === 'data' ? 'data ' : 'resource '}"${type}" "${name}"`, blocks, iterators);
            }
          }
        } else if (key === 'terraform' || key === 'moved' || key === 'removed') {
          continue; // moved, removed: addresses, not references (checkMoved, checkRemoved)
        } else if (key === 'locals') {
          for (const l of asList(value)) {
            for (const [name, v] of Object.entries(l)) await visit(file, `local "${name}"`, v, new Set());
          }
        } else if ((key === 'module' || key === 'output' || key === 'check') && isObject(value)) {
          for (const [name, blocks] of Object.entries(value)) {
            await visit(file, `${key} "${name}"`, blocks, dynamicIterators(blocks, new Set()));
          }
        } else {
          await visit(file, key, value, new Set());
        }
      }
    }
  }

  checkReference(file, where, ref, iterators) {
    const parts = ref.split('.');
    const root = parts[0];
    if (parts.length < 2 || BUILTIN_ROOTS.has(root) || iterators.has(root)) return;
    const unq = (p) => (p || '').replace(/^"|"$/g, '');
    if (root === 'var' || root === 'local') this.used.add(`${root}.${parts[1]}`);
    if (root === 'var') {
      if (!this.variables.has(parts[1])) this.report(file, where, `reference to undeclared variable "var.${parts[1]}"`);
    } else if (root === 'local') {
      if (!this.locals.has(parts[1])) this.report(file, where, `reference to undeclared local "local.${parts[1]}"`);
    } else if (root === 'module') {
      const m = this.modules.get(parts[1]);
      if (!m) {
        this.report(file, where, `reference to undeclared module "module.${parts[1]}"`);
        return;
      }
      if (!m.target || parts.length < 3) return;
      let i = 2;
      if (m.body.for_each !== undefined || m.body.count !== undefined) {
        if (parts.length < 4) return; // the whole instance, e.g. module.x["key"]
        i = 3;
      }
      const out = unq(parts[i]);
      if (!m.target.outputs.has(out)) {
        this.report(file, where, `reference to "module.${parts[1]}.${out}": the module has no such output`);
      }
    } else if (root === 'data') {
      if (parts.length < 3) return;
      const key = `${parts[1]}.${parts[2]}`;
      const d = this.data.get(key);
      if (!d) {
        this.report(file, where, `reference to undeclared data source "data.${key}"`);
        return;
      }
      this.checkAttribute(file, where, `data.${key}`, d, this.schema.dataSources.get(d.type), parts.slice(3));
    } else {
      const key = `${root}.${parts[1]}`;
      const r = this.resources.get(key);
      if (!r) {
        this.report(file, where, `reference to undeclared resource "${key}"`);
        return;
      }
      this.checkAttribute(file, where, key, r, this.schema.resources.get(r.type), parts.slice(2));
    }
  }

  checkAttribute(file, where, label, decl, schema, rest) {
    if (!schema || rest.length === 0) return;
    let attr = rest[0];
    if (decl.body.count !== undefined || decl.body.for_each !== undefined) {
      if (rest.length < 2) return;
      attr = rest[1];
    }
    attr = attr.replace(/^"|"$/g, '');
    if (/^[0-9]+$/.test(attr) || attr === '*') return;
    if (!schema.exported.has(normaliseName(attr))) {
      this.report(file, where, `reference to "${label}.${attr}": ${decl.type} has no attribute "${attr}"`);
    }
  }

  // moved { from = OLD, to = NEW }: NEW must be declared (a module call, or a resource of the
  // module the address leads to) and OLD must not be (Terraform refuses to move an object that is
  // still in the configuration), unless NEW is an instance of OLD (count or for_each added). An
  // instance key needs for_each (string) or count (number).
  async checkMoved() {
    for (const { file, body } of this.files) {
      for (const m of asList(body.moved)) {
        if (!isObject(m)) continue;
        for (const k of Object.keys(m)) if (k !== 'from' && k !== 'to') this.report(file, 'moved', `unknown argument "${k}"`);
        const addr = (v) => (typeof v === 'string' ? v.replace(/^\$\{([\s\S]*)\}$/, '$1').trim() : null);
        const from = addr(m.from);
        const to = addr(m.to);
        if (!from || !to) {
          this.report(file, 'moved', 'needs "from" and "to" addresses');
          continue;
        }
        const target = await this.resolveAddress(to);
        if (target.error) this.report(file, `moved to ${to}`, target.error);
        // Adding count or for_each to a resource moves it to an instance of itself: allowed.
        const unkeyed = (a) => a.replace(/\[[^\]]*\]/g, '');
        const old = unkeyed(from) === unkeyed(to) ? { error: 'same object' } : await this.resolveAddress(from);
        if (!old.error) this.report(file, `moved from ${from}`, 'the "from" address is still declared: Terraform refuses to move an object that is still in the configuration');
      }
    }
  }

  // removed { from = OLD  lifecycle { destroy = BOOL } } (Terraform 1.7): OLD must no longer be
  // declared (Terraform refuses to remove what the configuration still has) and names the whole
  // resource or module, without instance keys; the lifecycle block with destroy is required.
  async checkRemoved() {
    for (const { file, body } of this.files) {
      for (const r of asList(body.removed)) {
        if (!isObject(r)) continue;
        for (const k of Object.keys(r)) {
          if (!['from', 'lifecycle', 'connection', 'provisioner'].includes(k)) this.report(file, 'removed', `unknown argument "${k}"`);
        }
        const from = typeof r.from === 'string' ? r.from.replace(/^\$\{([\s\S]*)\}$/, '$1').trim() : null;
        if (!from) {
          this.report(file, 'removed', 'needs a "from" address');
          continue;
        }
        const where = `removed from ${from}`;
        if (from.includes('[')) this.report(file, where, 'the "from" address names a whole resource or module, without instance keys');
        const lifecycle = asList(r.lifecycle);
        if (lifecycle.length !== 1 || typeof lifecycle[0].destroy !== 'boolean') {
          this.report(file, where, 'needs lifecycle { destroy = false } (forget, keep the object) or destroy = true');
        } else {
          for (const k of Object.keys(lifecycle[0])) if (k !== 'destroy') this.report(file, `${where} > lifecycle`, `unknown argument "${k}"`);
        }
        const still = await this.resolveAddress(from.replace(/\[[^\]]*\]/g, ''));
        if (!still.error) this.report(file, where, 'the "from" address is still declared: Terraform refuses to remove what the configuration declares');
      }
    }
  }

  // { ok: true } when `address` names a declared module call or resource (through module calls),
  // else { error }.
  async resolveAddress(address) {
    const parts = [];
    const re = /([A-Za-z_][A-Za-z0-9_-]*)(\[("(?:[^"\\]|\\.)*"|[0-9]+)\])?\.?/gy;
    let m;
    while (re.lastIndex < address.length && (m = re.exec(address))) parts.push({ name: m[1], key: m[3] });
    if (parts.length === 0 || re.lastIndex < address.length) return { error: `cannot read the address ${address}` };
    let decl = this;
    let i = 0;
    const keyFits = (body, key) => key === undefined
      || (key.startsWith('"') ? body.for_each !== undefined : body.count !== undefined);
    while (parts[i] && parts[i].name === 'module' && parts[i + 1]) {
      const call = decl.modules.get(parts[i + 1].name);
      if (!call) return { error: `module.${parts[i + 1].name} is not a module call of ${path.relative(process.cwd(), decl.dir) || '.'}` };
      if (!keyFits(call.body, parts[i + 1].key)) return { error: `module.${parts[i + 1].name} has no for_each or count for the key ${parts[i + 1].key}` };
      const source = call.body.source;
      i += 2;
      if (i === parts.length) return { ok: true };
      if (typeof source !== 'string' || !/^\.\.?\//.test(source)) return { ok: true }; // not a local module: unchecked
      decl = await this.loadDecls(path.resolve(decl.dir, source));
      if (!decl) return { error: `module source ${source} has no .tf files` };
    }
    const rest = parts.slice(i);
    const isData = rest[0] && rest[0].name === 'data';
    const [type, name] = isData ? rest.slice(1) : rest;
    if (!type || !name || rest.length !== (isData ? 3 : 2)) return { error: `cannot read the address ${address}` };
    const r = (isData ? decl.data : decl.resources).get(`${type.name}.${name.name}`);
    if (!r) return { error: `${isData ? 'data.' : ''}${type.name}.${name.name} is not declared in ${path.relative(process.cwd(), decl.dir) || '.'}` };
    if (!keyFits(r.body, name.key)) return { error: `${type.name}.${name.name} has no for_each or count for the key ${name.key}` };
    return { ok: true };
  }

  // Every module pins Terraform and the AWS provider; a stack also declares its S3 backend.
  checkVersions() {
    const terraformBlocks = this.files.flatMap(({ file, body }) => asList(body.terraform).map((t) => ({ file, t })));
    const dirLabel = path.join(this.dir, '(module)');
    if (terraformBlocks.length === 0) {
      this.report(dirLabel, 'terraform', 'no terraform block (required_version, required_providers)');
      return;
    }
    const has = (pred) => terraformBlocks.some(({ t }) => pred(t));
    const versions = terraformBlocks.map(({ t }) => t.required_version).filter((v) => typeof v === 'string');
    if (versions.length === 0) {
      this.report(dirLabel, 'terraform', 'missing required_version');
    } else if (!versions.some((v) => versionAtLeast(lowerBound(v), MIN_TERRAFORM))) {
      this.report(dirLabel, 'terraform',
        `required_version "${versions.join('", "')}" admits Terraform older than ${MIN_TERRAFORM.slice(0, 2).join('.')} (S3-native state locking, use_lockfile, is generally available from 1.11)`);
    }
    const awsUsed = this.resources.size > 0 || this.data.size > 0;
    if (awsUsed && !has((t) => asList(t.required_providers).some((rp) => rp.aws && rp.aws.version))) {
      this.report(dirLabel, 'terraform > required_providers', 'aws provider without a version constraint');
    }
  }

  // Declared but never referenced (tflint's terraform_unused_declarations would fail the PR),
  // unless the line right above the block says `# tflint-ignore: terraform_unused_declarations`
  // (tflint's annotation covers the line after it, where the finding starts).
  checkUnused() {
    const ignored = (file, head) => {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      const i = lines.findIndex((l) => l.startsWith(head));
      return i > 0 && /^\s*(#|\/\/)\s*tflint-ignore:.*\bterraform_unused_declarations\b/.test(lines[i - 1]);
    };
    for (const [name, v] of this.variables) {
      if (!this.used.has(`var.${name}`) && !ignored(v.file, `variable "${name}" {`)) this.report(v.file, `variable "${name}"`, 'variable declared but never used');
    }
    for (const [name, l] of this.locals) {
      if (!this.used.has(`local.${name}`)) this.report(l.file, `local "${name}"`, 'local declared but never used');
    }
  }

  async run() {
    this.used = new Set();
    if (!this.partial) this.checkVersions();
    this.checkSchemas();
    this.checkVariablesAndOutputs();
    this.checkModuleCalls();
    await this.checkReferences();
    await this.checkMoved();
    await this.checkRemoved();
    if (!this.partial) this.checkUnused();
  }
}

// A literal value Terraform could not convert to the argument's type (expressions are not
// judged: their type is only known to Terraform).
function literalMismatch(kind, value) {
  const isExpr = typeof value === 'string' && value.includes('${');
  if (isExpr || value === null) return null;
  const what = Array.isArray(value) ? 'a list' : isObject(value) ? 'an object' : `${JSON.stringify(value)}`;
  switch (kind) {
    case 'list':
      return Array.isArray(value) ? null : `a list is required, not ${what}`;
    case 'map':
      return isObject(value) ? null : `a map is required, not ${what}`;
    case 'string':
      return Array.isArray(value) || isObject(value) ? `a string is required, not ${what}` : null;
    case 'number':
      if (typeof value === 'number') return null;
      if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return null;
      return `a number is required, not ${what}`;
    case 'bool':
      if (typeof value === 'boolean' || value === 'true' || value === 'false') return null;
      return `a bool is required, not ${what}`;
    default:
      return null;
  }
}

// Names that `dynamic` blocks bind (the label, or `iterator`), usable inside their content.
function dynamicIterators(value, out) {
  if (Array.isArray(value)) {
    for (const v of value) dynamicIterators(v, out);
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'dynamic' && isObject(v)) {
        for (const [name, dyns] of Object.entries(v)) {
          out.add(name);
          for (const d of asList(dyns)) if (typeof d.iterator === 'string') out.add(d.iterator.replace(/^\$\{|\}$/g, ''));
        }
      }
      dynamicIterators(v, out);
    }
  }
  return out;
}

function tfFiles(dir) {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.tf')).sort().map((f) => path.join(dir, f));
}

// All directories under root (root included) that hold .tf files, skipping .terraform.
function moduleDirs(root) {
  const out = [];
  const walk = (d) => {
    const entries = fs.readdirSync(d, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name.endsWith('.tf'))) out.push(d);
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.')) walk(path.join(d, e.name));
    }
  };
  walk(root);
  return out.sort();
}

async function parseFile(file, findings) {
  try {
    return await hcl.parse(file, fs.readFileSync(file, 'utf8'));
  } catch (e) {
    findings.push({ file, where: '(file)', message: `HCL parse error: ${e.message || e}` });
    return null;
  }
}

// infra/env/<env>.tfvars feeds stacks/environment, <env>.ecr.tfvars feeds stacks/ecr, and
// <env>.backend.hcl configures the S3 backend of both: every tfvars key must be a variable of its
// stack, every required variable must be set, and the backend must lock with use_lockfile.
async function checkEnvironments(root, findings, loadDecls, callCache) {
  const validations = new Map();
  const loadValidations = async (dir) => {
    if (!validations.has(dir)) validations.set(dir, await loadVariables(dir));
    return validations.get(dir);
  };
  const envDir = path.join(root, 'env');
  if (!fs.existsSync(envDir)) return;
  const names = fs.readdirSync(envDir).sort();
  const envs = new Set();
  for (const f of names) {
    const file = path.join(envDir, f);
    let m;
    if ((m = /^([a-z0-9-]+?)(\.ecr)?\.tfvars$/.exec(f))) {
      envs.add(m[1]);
      const stack = await loadDecls(path.join(root, 'stacks', m[2] ? 'ecr' : 'environment'));
      const body = await parseFile(file, findings);
      if (!stack || !body) continue;
      for (const key of Object.keys(body)) {
        if (!stack.variables.has(key)) findings.push({ file, where: key, message: `"${key}" is not a variable of ${path.relative(root, stack.dir)}` });
      }
      for (const [name, v] of stack.variables) {
        if (v.body.default === undefined && body[name] === undefined) {
          findings.push({ file, where: name, message: `required variable "${name}" of ${path.relative(root, stack.dir)} not set` });
        }
      }
      // The values must pass the stack's own validations, as `terraform plan` would check them.
      const given = Object.fromEntries(Object.entries(body).filter(([k]) => stack.variables.has(k)));
      const { failed } = runValidations(await loadValidations(stack.dir), given);
      for (const f of failed) {
        findings.push({ file, where: f.variable, message: `fails the validation of ${path.relative(root, stack.dir)}: ${f.error_message}` });
      }
      // ... and what the stack passes on must pass the validations of the modules it calls.
      const mod = await loadModule(stack.dir);
      if (mod && failed.length === 0) {
        let values;
        try {
          values = variableValues(mod.variables, given, UNKNOWN);
        } catch (e) {
          if (!(e instanceof EvalError)) throw e;
        }
        if (values) {
          await checkModuleCalls(mod, values, (r) => findings.push({ file, where: `module.${r.chain[0]}`, message: describe(r) }), { cache: callCache });
        }
      }
    } else if ((m = /^([a-z0-9-]+)\.backend\.hcl$/.exec(f))) {
      envs.add(m[1]);
      const body = await parseFile(file, findings);
      if (!body) continue;
      for (const key of ['bucket', 'region']) {
        if (typeof body[key] !== 'string') findings.push({ file, where: 'backend', message: `missing "${key}"` });
      }
      if (body.use_lockfile !== true) findings.push({ file, where: 'backend', message: 'use_lockfile must be true (S3 native state locking)' });
      if (body.dynamodb_table !== undefined) findings.push({ file, where: 'backend', message: 'dynamodb_table locking is deprecated; use use_lockfile' });
    }
  }
  for (const env of envs) {
    for (const f of [`${env}.tfvars`, `${env}.ecr.tfvars`, `${env}.backend.hcl`]) {
      if (!names.includes(f)) findings.push({ file: envDir, where: env, message: `environment "${env}" has no ${f}` });
    }
  }
}

// Checks every module directory under each root. Returns the findings, paths relative to cwd.
async function checkTree(roots, schema) {
  const findings = [];
  const callCache = new Map(); // dir -> calls.loadModule
  const loaded = new Map(); // dir -> ModuleCheck (declarations only)
  const loadDecls = async (dir) => {
    if (loaded.has(dir)) return loaded.get(dir);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory() || tfFiles(dir).length === 0) {
      loaded.set(dir, null);
      return null;
    }
    const files = [];
    for (const file of tfFiles(dir)) {
      const body = await parseFile(file, []);
      if (body) files.push({ file, body });
    }
    const m = new ModuleCheck(dir, schema, [], null, loadDecls);
    m.collect(files);
    loaded.set(dir, m);
    return m;
  };
  for (const root of roots) {
    for (const dir of moduleDirs(root)) {
      const files = [];
      let unparsed = 0;
      for (const file of tfFiles(dir)) {
        const body = await parseFile(file, findings);
        if (body) files.push({ file, body });
        else unparsed += 1;
      }
      // Module calls resolve their sources first (async), then the synchronous checks use them.
      const targets = new Map();
      for (const { body } of files) {
        for (const blocks of Object.values(body.module || {})) {
          for (const b of asList(blocks)) {
            if (typeof b.source === 'string' && /^\.\.?\//.test(b.source)) {
              const t = path.resolve(dir, b.source);
              targets.set(t, await loadDecls(t));
            }
          }
        }
      }
      const m = new ModuleCheck(dir, schema, findings, (t) => targets.get(t) || null, loadDecls);
      m.collect(files);
      m.partial = unparsed > 0; // declarations may be missing: do not report their absence
      await m.run();
      // The module calls' literal arguments against the called modules' validations and
      // preconditions (the module's own inputs are not known here: they come from its callers).
      const mod = unparsed === 0 ? await loadModule(dir) : null;
      if (mod) {
        await checkModuleCalls(mod, unknownValues(mod), (r) => findings.push({ file: r.call.file, where: `module "${r.call.name}"`, message: describe(r) }), { cache: callCache });
      }
    }
  }
  for (const root of roots) await checkEnvironments(root, findings, loadDecls, callCache);
  for (const f of findings) f.file = path.relative(process.cwd(), f.file) || '.';
  return findings;
}

module.exports = { checkTree, moduleDirs };
