'use strict';
// Evaluates a subset of Terraform's expression language, so that the checker and the tests can run
// a module's `validation` and `precondition` conditions on given variable values without a
// terraform binary (none can be installed here). @cdktf/hcl2json hands expressions over as their
// source text ("${...}"); this parses that text and evaluates it against { var, local }.
//
// Supported: literals, templates with ${...} interpolation, lists, objects, var/local references,
// attribute and index access, the operators (! - * / % + - < <= > >= == != && || ?:), list and
// object `for` expressions with `if`, and the built-in functions in FUNCTIONS below. Anything
// else raises Unsupported, which `can()` and `try()` do NOT swallow: a check that cannot be
// evaluated is reported as such, never as passed or failed. Errors Terraform itself would raise
// (a regex that does not match, an index out of range, a type mismatch) raise EvalError, which
// `can()` turns into false as Terraform does. && and || short-circuit (Terraform >= 1.12 does;
// for the conditions in this repository, which guard with `x == null || ...`, the result is the
// same either way).
//
// UNKNOWN stands for a value Terraform only knows during apply (a resource attribute, a module
// output) or that the caller has not given: anything computed from it is UNKNOWN too (can() and
// try() included, as in Terraform), so a condition that depends on it is neither passed nor
// failed. Only scopes that ask for it (unknownRefs) turn references to undeclared roots
// (aws_x.y, data.x.y, module.x.y, each.value) into UNKNOWN; elsewhere they stay Unsupported.

const fs = require('fs');

class EvalError extends Error {}
class Unsupported extends Error {}
// Raised where an operation meets UNKNOWN; evaluate() turns it into an UNKNOWN result.
class UnknownValue extends Error {}

const UNKNOWN = Object.freeze({ unknown: '(known after apply)' });
const isUnknown = (v) => v === UNKNOWN;
function containsUnknown(v) {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v !== null && typeof v === 'object') return Object.values(v).some(containsUnknown);
  return false;
}
// A scope in which references to roots it does not define are UNKNOWN.
const UNKNOWN_REFS = Symbol('unknownRefs');

// --- tokens ------------------------------------------------------------------------------------

const PUNCT = ['...', '=>', '==', '!=', '<=', '>=', '&&', '||', '(', ')', '[', ']', '{', '}', ',', '.',
  ':', '?', '<', '>', '!', '+', '-', '*', '/', '%', '='];

function tokenize(src) {
  const out = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '#' || (c === '/' && src[i + 1] === '/')) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i));
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (c === '"') {
      const { parts, end } = readTemplate(src, i + 1);
      out.push({ t: 'str', parts });
      i = end;
      continue;
    }
    if (c === '<' && src[i + 1] === '<') throw new Unsupported('heredoc strings');
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (!p) throw new Unsupported(`character ${JSON.stringify(c)}`);
    out.push({ t: 'p', v: p });
    i += p.length;
  }
  out.push({ t: 'eof' });
  return out;
}

// A quoted template from just after its opening quote: literal text and ${...} sources.
function readTemplate(src, start) {
  const parts = [];
  let text = '';
  let i = start;
  const esc = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
  while (i < src.length) {
    const c = src[i];
    if (c === '"') {
      if (text) parts.push(text);
      return { parts, end: i + 1 };
    }
    if (c === '\\') {
      const n = src[i + 1];
      if (esc[n] !== undefined) { text += esc[n]; i += 2; continue; }
      if (n === 'u') { text += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16)); i += 6; continue; }
      throw new Unsupported(`string escape \\${n}`);
    }
    if ((c === '$' || c === '%') && src[i + 1] === c && src[i + 2] === '{') { text += `${c}{`; i += 3; continue; }
    if (c === '%' && src[i + 1] === '{') throw new Unsupported('template directives');
    if (c === '$' && src[i + 1] === '{') {
      if (text) parts.push(text);
      text = '';
      const j = interpolationEnd(src, i + 2);
      parts.push({ expr: src.slice(i + 2, j) });
      i = j + 1;
      continue;
    }
    text += c;
    i++;
  }
  throw new EvalError('unterminated string');
}

// The index of the "}" that closes the interpolation whose expression starts at `start` (braces
// and quoted strings inside the expression are skipped).
function interpolationEnd(src, start) {
  let depth = 0;
  for (let j = start; j < src.length; j++) {
    if (src[j] === '"') { j = readTemplate(src, j + 1).end - 1; continue; }
    if (src[j] === '{') depth++;
    if (src[j] === '}') { if (depth === 0) return j; depth--; }
  }
  throw new EvalError('unterminated interpolation');
}

// --- parser ------------------------------------------------------------------------------------

class Parser {
  constructor(src) {
    this.toks = tokenize(src);
    this.i = 0;
  }
  peek(k = 0) { return this.toks[this.i + k]; }
  isP(v, k = 0) { const t = this.peek(k); return t.t === 'p' && t.v === v; }
  isId(v, k = 0) { const t = this.peek(k); return t.t === 'id' && t.v === v; }
  next() { return this.toks[this.i++]; }
  expect(v) {
    if (!this.isP(v)) throw new EvalError(`expected "${v}"`);
    return this.next();
  }

  parseAll() {
    const e = this.expr();
    if (this.peek().t !== 'eof') throw new EvalError('unexpected text after the expression');
    return e;
  }

  expr() {
    const cond = this.binary(0);
    if (this.isP('?')) {
      this.next();
      const a = this.expr();
      this.expect(':');
      const b = this.expr();
      return { k: 'cond', cond, a, b };
    }
    return cond;
  }

  binary(level) {
    const LEVELS = [['||'], ['&&'], ['==', '!='], ['<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];
    if (level === LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    while (this.peek().t === 'p' && LEVELS[level].includes(this.peek().v)) {
      const op = this.next().v;
      left = { k: 'bin', op, left, right: this.binary(level + 1) };
    }
    return left;
  }

  unary() {
    if (this.isP('!') || this.isP('-')) {
      const op = this.next().v;
      return { k: 'un', op, e: this.unary() };
    }
    return this.postfix(this.primary());
  }

  postfix(e) {
    for (;;) {
      if (this.isP('.')) {
        this.next();
        const t = this.next();
        if (t.t === 'p' && t.v === '*') throw new Unsupported('splat expressions');
        if (t.t === 'num') { e = { k: 'index', e, key: { k: 'lit', v: t.v } }; continue; }
        if (t.t !== 'id') throw new EvalError('expected an attribute name');
        e = { k: 'attr', e, name: t.v };
      } else if (this.isP('[')) {
        this.next();
        if (this.isP('*')) throw new Unsupported('splat expressions');
        const key = this.expr();
        this.expect(']');
        e = { k: 'index', e, key };
      } else {
        return e;
      }
    }
  }

  primary() {
    const t = this.next();
    if (t.t === 'num') return { k: 'lit', v: t.v };
    if (t.t === 'str') return { k: 'tpl', parts: t.parts.map((p) => (typeof p === 'string' ? p : new Parser(p.expr).parseAll())) };
    if (t.t === 'id') {
      if (t.v === 'true') return { k: 'lit', v: true };
      if (t.v === 'false') return { k: 'lit', v: false };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (this.isP(':') && this.isP(':', 1)) throw new Unsupported('provider-defined functions');
      if (this.isP('(')) {
        this.next();
        const args = [];
        let expand = false;
        while (!this.isP(')')) {
          args.push(this.expr());
          if (this.isP('...')) { this.next(); expand = true; }
          if (!this.isP(')')) this.expect(',');
        }
        this.next();
        return { k: 'call', name: t.v, args, expand };
      }
      return { k: 'ref', name: t.v };
    }
    if (t.t === 'p' && t.v === '(') {
      const e = this.expr();
      this.expect(')');
      return e;
    }
    if (t.t === 'p' && t.v === '[') return this.list();
    if (t.t === 'p' && t.v === '{') return this.object();
    throw new EvalError(`unexpected ${t.t === 'p' ? `"${t.v}"` : t.t}`);
  }

  forHead() {
    this.next(); // for
    const names = [this.next().v];
    if (this.isP(',')) { this.next(); names.push(this.next().v); }
    if (!this.isId('in')) throw new EvalError('expected "in"');
    this.next();
    const coll = this.expr();
    this.expect(':');
    return { names, coll };
  }

  list() {
    if (this.isId('for')) {
      const head = this.forHead();
      const body = this.expr();
      let cond = null;
      if (this.isId('if')) { this.next(); cond = this.expr(); }
      this.expect(']');
      return { k: 'forlist', ...head, body, cond };
    }
    const items = [];
    while (!this.isP(']')) {
      items.push(this.expr());
      if (!this.isP(']')) this.expect(',');
    }
    this.next();
    return { k: 'list', items };
  }

  object() {
    if (this.isId('for')) {
      const head = this.forHead();
      const key = this.expr();
      this.expect('=>');
      const value = this.expr();
      if (this.isP('...')) throw new Unsupported('grouping for expressions');
      let cond = null;
      if (this.isId('if')) { this.next(); cond = this.expr(); }
      this.expect('}');
      return { k: 'forobj', ...head, key, value, cond };
    }
    const items = [];
    while (!this.isP('}')) {
      let key;
      const t = this.peek();
      if (t.t === 'id' && (this.isP('=', 1) || this.isP(':', 1))) {
        this.next();
        key = { k: 'lit', v: t.v };
      } else {
        key = this.expr();
      }
      if (this.isP('=') || this.isP(':')) this.next();
      else throw new EvalError('expected "=" in an object');
      items.push({ key, value: this.expr() });
      if (this.isP(',')) this.next();
    }
    this.next();
    return { k: 'object', items };
  }
}

// --- values ------------------------------------------------------------------------------------

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (isObj(v)) return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

function equal(a, b) {
  if (containsUnknown(a) || containsUnknown(b)) throw new UnknownValue();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return equal(ka, kb) && ka.every((k) => equal(a[k], b[k]));
  }
  return a === b;
}

function need(v, type, what) {
  if (v === UNKNOWN) throw new UnknownValue();
  const ok = type === 'number' ? typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)))
    : type === 'string' ? ['string', 'number', 'boolean'].includes(typeof v)
      : type === 'bool' ? typeof v === 'boolean' || v === 'true' || v === 'false'
        : type === 'list' ? Array.isArray(v)
          : type === 'collection' ? Array.isArray(v) || isObj(v) : true;
  if (!ok) throw new EvalError(`${what}: a ${type} is required, got ${typeName(v)}`);
  if (type === 'number') return Number(v);
  if (type === 'string') return String(v);
  if (type === 'bool') return v === true || v === 'true';
  return v;
}

function toRegExp(pattern) {
  // Terraform's regex is RE2; the patterns of this repository are also valid JavaScript regular
  // expressions with the same meaning. RE2-only syntax is refused rather than misread.
  if (/\(\?[a-zA-Z]|\\[pPzA]|\(\?P</.test(pattern)) throw new Unsupported(`RE2 syntax in ${pattern}`);
  try {
    return new RegExp(pattern, 'u');
  } catch (e) {
    throw new EvalError(`invalid regular expression ${pattern}: ${e.message}`);
  }
}

const FUNCTIONS = {
  can: null, // special: see evaluate
  try: null,
  regex(pattern, s) {
    const m = toRegExp(need(pattern, 'string', 'regex')).exec(need(s, 'string', 'regex'));
    if (!m) throw new EvalError('regex: no match');
    if (m.groups) return { ...m.groups };
    return m.length > 1 ? m.slice(1) : m[0];
  },
  regexall(pattern, s) {
    const re = new RegExp(toRegExp(need(pattern, 'string', 'regexall')).source, 'gu');
    return [...need(s, 'string', 'regexall').matchAll(re)].map((m) => (m.length > 1 ? m.slice(1) : m[0]));
  },
  strcontains: (s, sub) => need(s, 'string', 'strcontains').includes(need(sub, 'string', 'strcontains')),
  startswith: (s, p) => need(s, 'string', 'startswith').startsWith(need(p, 'string', 'startswith')),
  endswith: (s, p) => need(s, 'string', 'endswith').endsWith(need(p, 'string', 'endswith')),
  lower: (s) => need(s, 'string', 'lower').toLowerCase(),
  upper: (s) => need(s, 'string', 'upper').toUpperCase(),
  length(v) {
    if (typeof v === 'string') return [...v].length;
    return Array.isArray(v) ? v.length : Object.keys(need(v, 'collection', 'length')).length;
  },
  contains: (coll, v) => need(coll, 'list', 'contains').some((x) => equal(x, v)),
  keys: (m) => Object.keys(need(m, 'collection', 'keys')).sort(),
  values: (m) => Object.keys(need(m, 'collection', 'values')).sort().map((k) => m[k]),
  alltrue: (l) => need(l, 'list', 'alltrue').every((x) => need(x, 'bool', 'alltrue')),
  anytrue: (l) => need(l, 'list', 'anytrue').some((x) => need(x, 'bool', 'anytrue')),
  floor: (n) => Math.floor(need(n, 'number', 'floor')),
  ceil: (n) => Math.ceil(need(n, 'number', 'ceil')),
  abs: (n) => Math.abs(need(n, 'number', 'abs')),
  min: (...ns) => { if (ns.length === 0) throw new EvalError('min: no arguments'); return Math.min(...ns.map((n) => need(n, 'number', 'min'))); },
  max: (...ns) => { if (ns.length === 0) throw new EvalError('max: no arguments'); return Math.max(...ns.map((n) => need(n, 'number', 'max'))); },
  coalesce(...vs) {
    const v = vs.find((x) => x !== null && x !== '');
    if (v === undefined) throw new EvalError('coalesce: no non-null, non-empty argument');
    return v;
  },
  tostring: (v) => (v === null ? null : need(v, 'string', 'tostring')),
  tonumber: (v) => (v === null ? null : need(v, 'number', 'tonumber')),
  tobool: (v) => (v === null ? null : need(v, 'bool', 'tobool')),
  toset: (l) => [...new Map(need(l, 'list', 'toset').map((x) => [JSON.stringify(x), x])).values()],
  tolist: (l) => need(l, 'list', 'tolist'),
  concat: (...ls) => ls.flatMap((l) => need(l, 'list', 'concat')),
  distinct: (l) => FUNCTIONS.toset(l),
  join: (sep, l) => need(l, 'list', 'join').map((x) => need(x, 'string', 'join')).join(need(sep, 'string', 'join')),
  split: (sep, s) => need(s, 'string', 'split').split(need(sep, 'string', 'split')),
  // A substring in slashes is a regular expression (RE2 in Terraform; $1 refers to a group).
  replace(s, from, to) {
    const [text, sub, by] = [s, from, to].map((x) => need(x, 'string', 'replace'));
    const re = /^\/(.+)\/$/.exec(sub);
    if (re) return text.replace(new RegExp(toRegExp(re[1]).source, 'gu'), by.replace(/\$\{(\d+)\}/g, '$$$1'));
    return text.split(sub).join(by);
  },
  merge: (...ms) => Object.assign({}, ...ms.map((m) => (m === null ? {} : need(m, 'collection', 'merge')))),
  lookup(m, k, ...def) {
    if (Object.prototype.hasOwnProperty.call(need(m, 'collection', 'lookup'), k)) return m[k];
    if (def.length) return def[0];
    throw new EvalError(`lookup: no key ${k}`);
  },
  flatten: function flatten(l) {
    // An unknown element might be a list: the result is unknown.
    return need(l, 'list', 'flatten').flatMap((x) => (x === UNKNOWN ? need(x) : Array.isArray(x) ? flatten(x) : [x]));
  },
  setsubtract: (a, b) => FUNCTIONS.toset(need(a, 'list', 'setsubtract')).filter((x) => !need(b, 'list', 'setsubtract').some((y) => equal(x, y))),
  sort: (l) => need(l, 'list', 'sort').map((x) => need(x, 'string', 'sort')).sort(),
  compact: (l) => need(l, 'list', 'compact').filter((x) => x !== null && need(x, 'string', 'compact') !== ''),
  trimprefix: (s, p) => { const t = need(s, 'string', 'trimprefix'); const q = need(p, 'string', 'trimprefix'); return t.startsWith(q) ? t.slice(q.length) : t; },
  trimsuffix: (s, p) => { const t = need(s, 'string', 'trimsuffix'); const q = need(p, 'string', 'trimsuffix'); return q && t.endsWith(q) ? t.slice(0, -q.length) : t; },
  substr(s, offset, length) {
    const chars = [...need(s, 'string', 'substr')];
    let o = need(offset, 'number', 'substr');
    const n = need(length, 'number', 'substr');
    if (o < 0) o += chars.length;
    return chars.slice(o, n < 0 ? undefined : o + n).join('');
  },
  // %s, %d and %v of Terraform's format (flags and widths are not supported).
  format(spec, ...args) {
    let i = 0;
    return need(spec, 'string', 'format').replace(/%([%sdv]|[^%sdv])/g, (all, verb) => {
      if (verb === '%') return '%';
      if (!'sdv'.includes(verb)) throw new Unsupported(`format verb %${verb}`);
      if (i >= args.length) throw new EvalError('format: not enough arguments');
      const v = args[i++];
      return verb === 'd' ? String(Math.trunc(need(v, 'number', 'format'))) : need(v, 'string', 'format');
    });
  },
  one(l) {
    const list = need(l, 'list', 'one');
    if (list.length > 1) throw new EvalError('one: more than one element');
    return list.length === 0 ? null : list[0];
  },
  md5: (s) => require('crypto').createHash('md5').update(need(s, 'string', 'md5'), 'utf8').digest('hex'),
  nonsensitive: (v) => v,
  sensitive: (v) => v,
  // The file path is resolved by the caller's scope (path.module); the template sees only `vars`.
  templatefile(file, vars) {
    let text;
    try {
      text = fs.readFileSync(need(file, 'string', 'templatefile'), 'utf8');
    } catch (e) {
      throw new EvalError(`templatefile: ${e.message}`);
    }
    return renderTemplateFile(text, need(vars, 'collection', 'templatefile'));
  },
};

// A template file: literal text with ${expr} interpolations ($${ is a literal "${"); the
// expressions see the template's variables as bare names, as in Terraform.
function renderTemplateFile(text, vars) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i) || text.startsWith('%%{', i)) { out += `${text[i]}{`; i += 3; continue; }
    if (text.startsWith('%{', i)) throw new Unsupported('template directives');
    if (text.startsWith('${', i)) {
      const j = interpolationEnd(text, i + 2);
      const v = evaluate(new Parser(text.slice(i + 2, j)).parseAll(), vars);
      out += need(v, 'string', 'template interpolation');
      i = j + 1;
      continue;
    }
    out += text[i];
    i++;
  }
  return out;
}

function evaluate(node, scope) {
  try {
    return evaluateNode(node, scope);
  } catch (e) {
    if (e instanceof UnknownValue) return UNKNOWN;
    throw e;
  }
}

function evaluateNode(node, scope) {
  switch (node.k) {
    case 'lit':
      return node.v;
    case 'tpl': {
      if (node.parts.length === 1 && typeof node.parts[0] !== 'string') return evaluate(node.parts[0], scope);
      return node.parts.map((p) => {
        if (typeof p === 'string') return p;
        const v = evaluate(p, scope);
        if (v === null) throw new EvalError('null value in a string template');
        return need(v, 'string', 'template');
      }).join('');
    }
    case 'list':
      return node.items.map((e) => evaluate(e, scope));
    case 'object': {
      const o = {};
      for (const { key, value } of node.items) o[need(evaluate(key, scope), 'string', 'object key')] = evaluate(value, scope);
      return o;
    }
    case 'ref': {
      if (!Object.prototype.hasOwnProperty.call(scope, node.name)) {
        if (scope[UNKNOWN_REFS]) return UNKNOWN;
        throw new Unsupported(`reference to ${node.name}`);
      }
      return scope[node.name];
    }
    case 'attr': {
      const base = evaluate(node.e, scope);
      if (base === UNKNOWN) return UNKNOWN;
      if (base && base.__unsupported) throw new Unsupported(base.__unsupported);
      if (!isObj(base)) throw new EvalError(`cannot read .${node.name} of ${typeName(base)}`);
      if (!Object.prototype.hasOwnProperty.call(base, node.name)) {
        if (base === scope.var || base === scope.local) throw new Unsupported(`${node.e.name}.${node.name} is not given`);
        throw new EvalError(`no attribute ${node.name}`);
      }
      return base[node.name];
    }
    case 'index': {
      const base = evaluate(node.e, scope);
      const key = evaluate(node.key, scope);
      if (base === UNKNOWN || key === UNKNOWN) return UNKNOWN;
      if (Array.isArray(base)) {
        const i = need(key, 'number', 'index');
        if (i < 0 || i >= base.length) throw new EvalError(`index ${i} out of range`);
        return base[i];
      }
      if (isObj(base)) {
        const k = need(key, 'string', 'key');
        if (!Object.prototype.hasOwnProperty.call(base, k)) throw new EvalError(`no key ${k}`);
        return base[k];
      }
      throw new EvalError(`cannot index ${typeName(base)}`);
    }
    case 'un': {
      const v = evaluate(node.e, scope);
      return node.op === '!' ? !need(v, 'bool', '!') : -need(v, 'number', '-');
    }
    case 'bin': {
      const { op } = node;
      if (op === '&&' || op === '||') {
        const l = need(evaluate(node.left, scope), 'bool', op);
        if (op === '&&' && !l) return false;
        if (op === '||' && l) return true;
        return need(evaluate(node.right, scope), 'bool', op);
      }
      const l = evaluate(node.left, scope);
      const r = evaluate(node.right, scope);
      if (op === '==') return equal(l, r);
      if (op === '!=') return !equal(l, r);
      const a = need(l, 'number', op);
      const b = need(r, 'number', op);
      switch (op) {
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': if (b === 0) throw new EvalError('division by zero'); return a / b;
        default: if (b === 0) throw new EvalError('division by zero'); return a % b;
      }
    }
    case 'cond':
      return need(evaluate(node.cond, scope), 'bool', 'condition') ? evaluate(node.a, scope) : evaluate(node.b, scope);
    case 'forlist':
    case 'forobj': {
      const coll = evaluate(node.coll, scope);
      const entries = Array.isArray(coll) ? coll.map((v, i) => [i, v])
        : Object.keys(need(coll, 'collection', 'for')).sort().map((k) => [k, coll[k]]);
      const out = node.k === 'forlist' ? [] : {};
      for (const [k, v] of entries) {
        const inner = { ...scope };
        if (node.names.length === 2) { inner[node.names[0]] = k; inner[node.names[1]] = v; } else inner[node.names[0]] = v;
        if (node.cond && !need(evaluate(node.cond, inner), 'bool', 'for if')) continue;
        if (node.k === 'forlist') out.push(evaluate(node.body, inner));
        else out[need(evaluate(node.key, inner), 'string', 'for key')] = evaluate(node.value, inner);
      }
      return out;
    }
    case 'call': {
      if (node.name === 'can' || node.name === 'try') {
        for (const a of node.args) {
          try {
            const v = evaluate(a, scope);
            // Terraform: can() of a value not (wholly) known yet is unknown; try() returns it.
            if (node.name === 'can') return containsUnknown(v) ? UNKNOWN : true;
            return v;
          } catch (e) {
            if (!(e instanceof EvalError)) throw e;
          }
        }
        if (node.name === 'can') return false;
        throw new EvalError('try: no argument could be evaluated');
      }
      const fn = FUNCTIONS[node.name];
      if (!fn) throw new Unsupported(`function ${node.name}()`);
      let args = node.args.map((a) => evaluate(a, scope));
      if (args.some(isUnknown)) return UNKNOWN;
      if (node.expand) args = [...args.slice(0, -1), ...need(args[args.length - 1], 'list', '...')];
      return fn(...args);
    }
    default:
      throw new Unsupported(node.k);
  }
}

// "${expr}" (as hcl2json gives it) or plain source text -> value.
function evaluateSource(source, scope) {
  const text = typeof source === 'string' && /^\$\{[\s\S]*\}$/.test(source) && balancedOuter(source) ? source.slice(2, -1) : null;
  if (text === null) {
    if (typeof source !== 'string') return source; // a literal hcl2json already decoded
    return evaluate(new Parser(quoteTemplate(source)).parseAll(), scope);
  }
  return evaluate(new Parser(text).parseAll(), scope);
}

// A template (an error message) with each interpolation evaluated; one that cannot be (an UNKNOWN
// value, an unsupported expression) stays as written, ${...}.
function renderTemplate(template, scope) {
  const { parts } = readTemplate(`${quoteTemplate(template).slice(1)}`, 0);
  return parts.map((p) => {
    if (typeof p === 'string') return p;
    try {
      const v = evaluate(new Parser(p.expr).parseAll(), scope);
      if (v === UNKNOWN || v === null || typeof v === 'object') return `\${${p.expr}}`;
      return String(v);
    } catch (e) {
      if (e instanceof EvalError || e instanceof Unsupported) return `\${${p.expr}}`;
      throw e;
    }
  }).join('');
}

// A template as hcl2json gives it (literal parts decoded, ${...} interpolations as written) back
// as a quoted HCL template: quotes, backslashes and newlines escaped outside the interpolations.
function quoteTemplate(template) {
  let out = '"';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if ((c === '$' || c === '%') && template[i + 1] === c && template[i + 2] === '{') {
      out += `${c}${c}{`;
      i += 2;
    } else if ((c === '$' || c === '%') && template[i + 1] === '{') {
      const end = interpolationEnd(template, i + 2);
      out += template.slice(i, end + 1);
      i = end;
    } else {
      out += { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' }[c] || c;
    }
  }
  return `${out}"`;
}

// True when "${...}" is one interpolation spanning the whole string (not "${a}-${b}").
function balancedOuter(s) {
  const parts = readTemplate(`${s}"`, 0).parts;
  return parts.length === 1 && typeof parts[0] !== 'string';
}

// --- types -------------------------------------------------------------------------------------

// Parses a type constraint (string, number, bool, any, list(T), set(T), map(T), tuple([...]),
// object({ name = T, name = optional(T, default) })) as hcl2json gives it ("${map(object({...}))}").
function parseType(source) {
  const text = typeof source === 'string' ? source.replace(/^\$\{([\s\S]*)\}$/, '$1') : 'any';
  const p = new Parser(text);
  const t = typeNode(p);
  if (p.peek().t !== 'eof') throw new Unsupported(`type ${text}`);
  return t;
}

function typeNode(p) {
  const t = p.next();
  if (t.t !== 'id') throw new Unsupported('type expression');
  if (['string', 'number', 'bool', 'any'].includes(t.v)) return { kind: t.v };
  p.expect('(');
  let node;
  if (['list', 'set', 'map'].includes(t.v)) {
    node = { kind: t.v, of: typeNode(p) };
  } else if (t.v === 'object') {
    p.expect('{');
    const attrs = {};
    while (!p.isP('}')) {
      const name = p.next().v;
      p.expect('=');
      if (p.isId('optional')) {
        p.next();
        p.expect('(');
        const type = typeNode(p);
        let def = null;
        if (p.isP(',')) { p.next(); def = evaluate(p.expr(), {}); }
        p.expect(')');
        attrs[name] = { type, optional: true, def };
      } else {
        attrs[name] = { type: typeNode(p), optional: false };
      }
      if (p.isP(',')) p.next();
    }
    p.next();
    node = { kind: 'object', attrs };
  } else {
    throw new Unsupported(`type ${t.v}`);
  }
  p.expect(')');
  return node;
}

// Converts a value as Terraform does when it assigns it to a variable of that type: optional
// attributes get their defaults, numbers given as strings become numbers, and a value that does
// not fit raises EvalError.
function convert(value, type, where = 'value') {
  if (value === null || value === UNKNOWN) return value;
  switch (type.kind) {
    case 'any': return value;
    case 'string': case 'number': case 'bool': return need(value, type.kind, where);
    case 'list': case 'set': return need(value, 'list', where).map((v, i) => convert(v, type.of, `${where}[${i}]`));
    case 'map': {
      if (!isObj(value)) throw new EvalError(`${where}: a map is required, got ${typeName(value)}`);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, type.of, `${where}.${k}`)]));
    }
    default: {
      if (!isObj(value)) throw new EvalError(`${where}: an object is required, got ${typeName(value)}`);
      const out = {};
      for (const k of Object.keys(value)) {
        if (!type.attrs[k]) throw new EvalError(`${where}: unexpected attribute ${k}`);
      }
      for (const [k, a] of Object.entries(type.attrs)) {
        if (value[k] === undefined) {
          if (!a.optional) throw new EvalError(`${where}: attribute ${k} is required`);
          out[k] = a.def === null ? null : convert(a.def, a.type, `${where}.${k}`);
        } else {
          out[k] = convert(value[k], a.type, `${where}.${k}`);
        }
      }
      return out;
    }
  }
}

module.exports = { evaluateSource, renderTemplate, quoteTemplate, interpolationEnd, parseType, convert, EvalError, Unsupported, UNKNOWN, UNKNOWN_REFS, isUnknown, containsUnknown };
