'use strict';
// node --test tests/infra/expr.test.js: the Terraform expression evaluator (dev/tfcheck/expr.js)
// gives Terraform's answers, and refuses what it cannot evaluate instead of guessing.

const test = require('node:test');
const assert = require('node:assert');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const { evaluateSource, renderTemplate, parseType, convert, EvalError, Unsupported, UNKNOWN, UNKNOWN_REFS } = require(path.join(root, 'dev/tfcheck/expr'));

const ev = (src, vars = {}, local = {}) => evaluateSource(`\${${src}}`, { var: vars, local });

test('operators, precedence and conditionals', () => {
  assert.strictEqual(ev('1 + 2 * 3'), 7);
  assert.strictEqual(ev('(1 + 2) * 3'), 9);
  assert.strictEqual(ev('10 % 4 == 2 && !false'), true);
  assert.strictEqual(ev('var.a >= 3 && var.a * 1000 <= 30000', { a: 30 }), true);
  assert.strictEqual(ev('var.a >= 3 && var.a * 1000 <= 30000', { a: 31 }), false);
  assert.strictEqual(ev('var.x == null ? "none" : var.x', { x: null }), 'none');
  assert.strictEqual(ev('-var.a < 0', { a: 1 }), true);
  assert.strictEqual(ev('"a-${var.b}-c"', { b: 'x' }), 'a-x-c');
  assert.deepStrictEqual(ev('{ a = 1, "b" = [1, 2] }'), { a: 1, b: [1, 2] });
});

test('functions: regex in can(), strcontains, contains, keys, alltrue over for expressions', () => {
  assert.strictEqual(ev('can(regex("^[a-z]+$", "abc"))'), true);
  assert.strictEqual(ev('can(regex("^[a-z]+$", "ABC"))'), false);
  assert.strictEqual(ev('can(regex("^\\\\d+$", var.x))', { x: null }), false); // null argument: an error, so false
  assert.strictEqual(ev('strcontains("my-amazon-x", "amazon")'), true);
  assert.strictEqual(ev('contains(["a", "b"], "b")'), true);
  assert.deepStrictEqual(ev('keys({ b = 1, a = 2 })'), ['a', 'b']);
  assert.strictEqual(ev('alltrue([for w in ["aws", "amazon"] : !strcontains(var.p, w)])', { p: 'mtls-x' }), true);
  assert.strictEqual(ev('alltrue([for w in ["aws", "amazon"] : !strcontains(var.p, w)])', { p: 'amazonia' }), false);
  assert.deepStrictEqual(ev('[for k, v in { a = 1, b = 2 } : "${k}=${v}" if v > 1]'), ['b=2']);
  assert.deepStrictEqual(ev('{ for k in ["x", "y"] : k => upper(k) }'), { x: 'X', y: 'Y' });
  assert.strictEqual(ev('1000 * max(local.t.token.timeout, local.t.health.timeout)', {}, { t: { token: { timeout: 12 }, health: { timeout: 5 } } }), 12000);
  assert.strictEqual(ev('min(30, 10)'), 10);
  assert.strictEqual(ev('try(var.m["missing"], "default")', { m: {} }), 'default');
});

test('errors Terraform raises are EvalError; what the evaluator does not know is Unsupported, even inside can()', () => {
  assert.throws(() => ev('[1][3]'), EvalError);
  assert.throws(() => ev('"a" + 1'), EvalError);
  assert.throws(() => ev('can(nosuchfunction("x"))'), Unsupported);
  assert.throws(() => ev('can(aws_s3_bucket.b.arn)'), Unsupported);
  assert.throws(() => ev('var.not_given'), Unsupported);
  assert.throws(() => ev('[for b in var.l : b.*.id]', { l: [] }), Unsupported);
});

test('types: optional attributes get their defaults, and values that do not fit are refused', () => {
  const t = parseType('${map(object({\n  scopes = list(string)\n  minutes = optional(number, 60)\n}))}');
  assert.deepStrictEqual(convert({ a: { scopes: ['s'] } }, t), { a: { scopes: ['s'], minutes: 60 } });
  assert.deepStrictEqual(convert({ a: { scopes: ['s'], minutes: '15' } }, t), { a: { scopes: ['s'], minutes: 15 } });
  assert.throws(() => convert({ a: { scopes: 's' } }, t), EvalError);
  assert.throws(() => convert({ a: { scopes: ['s'], extra: 1 } }, t), EvalError);
  assert.throws(() => convert('yes', parseType('${bool}')), EvalError);
});

test('values known only during apply: what depends on them is UNKNOWN, what does not is evaluated', () => {
  const scope = { var: { routes: { a: { arn: UNKNOWN, scopes: ['x'] } }, n: UNKNOWN }, local: {}, [UNKNOWN_REFS]: true };
  const u = (src) => evaluateSource(`\${${src}}`, scope);
  assert.strictEqual(u('aws_lambda_function.f.arn'), UNKNOWN);
  assert.strictEqual(u('module.m.out'), UNKNOWN);
  assert.strictEqual(u('var.n + 1'), UNKNOWN);
  assert.strictEqual(u('can(regex("^arn:", var.routes.a.arn))'), UNKNOWN);
  assert.strictEqual(u('alltrue([for r in values(var.routes) : contains(["x"], r.scopes[0])])'), true);
  assert.strictEqual(u('alltrue([for r in values(var.routes) : can(regex("^arn:", r.arn))])'), UNKNOWN);
  assert.strictEqual(u('false && var.n > 1'), false);
  assert.strictEqual(u('length(var.routes)'), 1);
  assert.strictEqual(u('var.n == null ? 1 : 2'), UNKNOWN);
  // Without UNKNOWN_REFS, an undeclared root is still Unsupported.
  assert.throws(() => evaluateSource('${aws_x.y.z}', { var: {} }), Unsupported);
  assert.strictEqual(convert(UNKNOWN, parseType('${map(string)}')), UNKNOWN);
});

test('replace() with a /regex/, format(), one(), flatten(), and messages rendered where they can be', () => {
  assert.strictEqual(ev('replace("/orders/{id}/x/{p+}", "/\\\\{[^}]*\\\\}/", "*")'), '/orders/*/x/*');
  assert.strictEqual(ev('replace("a.b.c", ".", "-")'), 'a-b-c');
  assert.strictEqual(ev('replace("ab", "/(a)(b)/", "$2$1")'), 'ba');
  assert.strictEqual(ev('format("*/%s%s", "GET", "/x")'), '*/GET/x');
  assert.strictEqual(ev('one([])'), null);
  assert.deepStrictEqual(ev('flatten([[1], [[2, 3]], 4])'), [1, 2, 3, 4]);
  assert.deepStrictEqual(ev('setsubtract(["a", "b", "c"], ["b"])'), ['a', 'c']);
  assert.strictEqual(renderTemplate('route ${var.k} names "${join(", ", var.s)}" at ${var.u}', { var: { k: 'GET /x', s: ['a', 'b'], u: UNKNOWN } }),
    'route GET /x names "a, b" at ${var.u}');
});
