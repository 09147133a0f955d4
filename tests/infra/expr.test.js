'use strict';
// node --test tests/infra/expr.test.js: the Terraform expression evaluator (dev/tfcheck/expr.js)
// gives Terraform's answers, and refuses what it cannot evaluate instead of guessing.

const test = require('node:test');
const assert = require('node:assert');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const { evaluateSource, parseType, convert, EvalError, Unsupported } = require(path.join(root, 'dev/tfcheck/expr'));

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
