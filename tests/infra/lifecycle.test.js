'use strict';
// node --test tests/infra/lifecycle.test.js: the ECR lifecycle policy of infra/modules/ecr_repository
// never expires an image a function runs. The policy is rendered from the module (its templatefile
// call, evaluated) and run through a model of ECR's documented evaluation:
//   - rules apply in rulePriority order, lowest number first; an image that matches the tag
//     selection of a rule cannot be expired by a rule with a higher number, so an image with several
//     tags belongs to the lowest-numbered rule that selects any of them;
//   - a rule still counts the images a higher-priority rule owns (imageCountMoreThan), newest
//     pushed first, and expires only its own images beyond the count;
//   - tagPatternList patterns are globs with `*`, ALL of a rule's patterns must match a tag of the
//     image, at most four wildcards per pattern; a tagStatus "any" rule must come last.
// (AmazonECR/latest/userguide/LifecyclePolicies.html and lifecycle_policy_parameters.html.)

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');

const root = path.resolve(__dirname, '..', '..');
const { evaluateSource } = require(path.join(root, 'dev/tfcheck/expr'));
const moduleDir = path.join(root, 'infra/modules/ecr_repository');
const DAY = 24 * 3600 * 1000;

async function moduleBody() {
  return hcl.parse('main.tf', fs.readFileSync(path.join(moduleDir, 'main.tf'), 'utf8'));
}

async function renderPolicy(keepImages) {
  const body = await moduleBody();
  const locals = Object.assign({}, ...body.locals);
  const policy = body.resource.aws_ecr_lifecycle_policy.this[0].policy;
  const text = evaluateSource(policy, { path: { module: moduleDir }, local: locals, var: { keep_images: keepImages } });
  return JSON.parse(text);
}

const glob = (pattern) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

function selects(rule, image) {
  const sel = rule.selection;
  if (sel.tagStatus === 'untagged') return image.tags.length === 0;
  if (sel.tagStatus === 'any') return true;
  if (image.tags.length === 0) return false;
  if (sel.tagPatternList) return sel.tagPatternList.every((p) => image.tags.some((t) => glob(p).test(t)));
  return sel.tagPrefixList.every((p) => image.tags.some((t) => t.startsWith(p)));
}

// The digests ECR would expire.
function evaluate(policy, images, now) {
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const owner = new Map(images.map((img) => [img.digest, rules.find((r) => selects(r, img))]));
  const expired = new Set();
  for (const rule of rules) {
    const matched = images.filter((img) => selects(rule, img)).sort((a, b) => b.pushedAt - a.pushedAt);
    const sel = rule.selection;
    const doomed = sel.countType === 'imageCountMoreThan' ? matched.slice(sel.countNumber)
      : matched.filter((img) => now - img.pushedAt > sel.countNumber * DAY);
    for (const img of doomed) if (owner.get(img.digest) === rule) expired.add(img.digest);
  }
  return expired;
}

// `count` images pushed a day apart (image 0 the oldest), tagged with their commit.
function history(count, now) {
  return Array.from({ length: count }, (_, i) => ({
    digest: `sha256:${String(i).padStart(64, '0')}`,
    tags: [`${String(i).padStart(2, '0')}`.repeat(20)],
    pushedAt: now - (count - i) * DAY,
  }));
}

test('the policy follows ECR\'s rules: unique priorities, the deployed-<env> rule first, "any" last', async () => {
  const policy = await renderPolicy(10);
  const priorities = policy.rules.map((r) => r.rulePriority);
  assert.strictEqual(new Set(priorities).size, priorities.length);
  const sorted = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const protect = sorted[0];
  assert.strictEqual(protect.selection.tagStatus, 'tagged');
  assert.deepStrictEqual(protect.selection.tagPatternList, ['deployed-*']);
  assert.strictEqual(sorted[sorted.length - 1].selection.tagStatus, 'any');
  assert.strictEqual(policy.rules.filter((r) => r.selection.tagStatus === 'any').length, 1);
  for (const r of policy.rules) {
    for (const p of r.selection.tagPatternList || []) assert.ok((p.match(/\*/g) || []).length <= 4, p);
    assert.strictEqual(r.action.type, 'expire');
  }
  // The pattern covers every environment's tag and no commit tag (those stay immutable).
  assert.ok(glob(protect.selection.tagPatternList[0]).test('deployed-sandbox'));
  assert.ok(glob(protect.selection.tagPatternList[0]).test('deployed-prod'));
  assert.ok(!glob(protect.selection.tagPatternList[0]).test('0123456789abcdef0123456789abcdef01234567'));
});

test('keep-last-N never expires the image an environment runs, however many pushes follow it', async () => {
  const now = Date.now();
  for (const keep of [1, 10]) {
    const policy = await renderPolicy(keep);
    const images = history(40, now);
    images[3].tags.push('deployed-sandbox'); // running since 37 pushes ago, e.g. after a rollback
    const untagged = { digest: 'sha256:untagged', tags: [], pushedAt: now - 50 * DAY };
    const expired = evaluate(policy, [...images, untagged], now);
    assert.ok(!expired.has(images[3].digest), `keep_images=${keep}: the deployed image is expired`);
    assert.ok(expired.has(untagged.digest), 'untagged images older than a day stay');
    // The newest `keep` images stay; every other image that no environment runs goes.
    const kept = images.filter((img) => !expired.has(img.digest)).map((img) => images.indexOf(img));
    const newest = Array.from({ length: keep }, (_, i) => 39 - i).reverse();
    assert.deepStrictEqual(kept, [3, ...newest.filter((i) => i !== 3)].sort((a, b) => a - b));
  }
});

test('the model is not trivially keeping everything: without the deployed-<env> rule the running image expires', async () => {
  const now = Date.now();
  const policy = await renderPolicy(10);
  const withoutProtection = { rules: policy.rules.filter((r) => !(r.selection.tagPatternList || []).includes('deployed-*')) };
  const images = history(30, now);
  images[0].tags.push('deployed-prod');
  assert.ok(evaluate(withoutProtection, images, now).has(images[0].digest));
  assert.ok(!evaluate(policy, images, now).has(images[0].digest));
});

test('deployed-<env> is the one mutable tag: commit tags stay immutable', async () => {
  const body = await moduleBody();
  const repo = body.resource.aws_ecr_repository.this[0];
  const locals = Object.assign({}, ...body.locals);
  assert.strictEqual(repo.image_tag_mutability, 'IMMUTABLE_WITH_EXCLUSION');
  const filters = repo.image_tag_mutability_exclusion_filter;
  assert.strictEqual(filters.length, 1);
  assert.strictEqual(filters[0].filter_type, 'WILDCARD');
  assert.strictEqual(evaluateSource(filters[0].filter, { local: locals }), 'deployed-*');
  // The deploy workflow's script writes exactly that tag.
  const script = fs.readFileSync(path.join(root, 'scripts/ci/mark-deployed'), 'utf8');
  assert.match(script, /tag="deployed-\$\{ENVIRONMENT\}"/);
});
