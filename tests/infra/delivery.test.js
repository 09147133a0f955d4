'use strict';
// node --test tests/infra/delivery.test.js: the pieces of the delivery chain agree with each other.
// The function list, the repository names and the image tag parameter appear in the ecr stack,
// the environment stack, the Dockerfile, the image scripts (scripts/ci) and the workflows; a
// function or a name missing from one of them would only show up in AWS.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');
const yaml = require('yaml');

const root = path.resolve(__dirname, '..', '..');
const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
const FUNCTIONS = ['authorizer', 'health', 'pre-token', 'token', 'watcher'];

async function localFunctions(dir) {
  const body = await hcl.parse('main.tf', read(`${dir}/main.tf`));
  const locals = Object.assign({}, ...body.locals);
  const m = /toset\(\[([^\]]*)\]\)/.exec(locals.functions);
  assert.ok(m, `${dir}: local.functions is not toset([...])`);
  return m[1].split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter(Boolean).sort();
}

test('the ecr stack makes a repository for each of the five functions the mtls_api module deploys', async () => {
  assert.deepStrictEqual(await localFunctions('infra/stacks/ecr'), FUNCTIONS);
  assert.deepStrictEqual(await localFunctions('infra/modules/mtls_api'), FUNCTIONS);
  // The environment stack deploys through the module, not functions of its own (observability
  // only watches them).
  const stack = await hcl.parse('main.tf', read('infra/stacks/environment/main.tf'));
  assert.deepStrictEqual(Object.keys(stack.module).sort(), ['mtls_api', 'observability']);
  assert.strictEqual(stack.module.observability[0].source, '../../modules/observability');
  assert.strictEqual(stack.module.mtls_api[0].source, '../../modules/mtls_api');
  assert.strictEqual(stack.resource, undefined);
  assert.strictEqual(stack.data, undefined);
});

test('the Dockerfile accepts exactly those functions', () => {
  const m = /^\s*([a-z|-]+)\) ;; \\$/m.exec(read('docker/Dockerfile'));
  assert.ok(m, 'no FUNCTION case list in docker/Dockerfile');
  assert.deepStrictEqual(m[1].split('|').sort(), FUNCTIONS);
});

test('lambda-build builds and pushes each function to <prefix>-<function>, through scripts/ci/publish-images', () => {
  const lib = read('scripts/ci/lib.sh');
  const m = /^DEFAULT_FUNCTIONS="([^"]+)"$/m.exec(lib);
  assert.ok(m, 'no DEFAULT_FUNCTIONS in scripts/ci/lib.sh');
  assert.deepStrictEqual(m[1].split(' ').sort(), FUNCTIONS);
  const script = read('scripts/ci/publish-images');
  assert.ok(script.includes('repo="${NAME_PREFIX}-${fn}"'));
  assert.ok(script.includes('--tag "${REGISTRY}/${repo}:${IMAGE_TAG}" --push'));
  const wf = yaml.parse(read('.github/workflows/lambda-build.yml'));
  const steps = wf.jobs.build.steps;
  assert.ok(steps.some((st) => st.run === 'scripts/ci/publish-images'), 'lambda-build does not run scripts/ci/publish-images');
  // No per-workflow build steps or shared "already pushed?" flag any more: the script decides per image.
  assert.ok(!steps.some((st) => String(st.uses || '').startsWith('docker/build-push-action')));
  assert.ok(!steps.some((st) => st.if), 'a step of lambda-build is conditional again');
});

test('the image tag parameter has one name everywhere', () => {
  const name = '/${var.name_prefix}/lambda/image-tag';
  assert.ok(read('infra/stacks/ecr/outputs.tf').includes(`"${name}"`));
  assert.ok(read('infra/modules/mtls_api/main.tf').includes('image_tag_parameter       = "/${var.name_prefix}/lambda/image-tag"'));
  for (const script of ['scripts/ci/publish-images', 'scripts/ci/promote-images']) {
    assert.ok(read(script).includes('aws ssm put-parameter --name "/${NAME_PREFIX}/lambda/image-tag"'), script);
  }
});

test('images are built once, in one environment; the others get them by promotion, by digest', () => {
  const build = yaml.parse(read('.github/workflows/lambda-build.yml'));
  assert.strictEqual(build.jobs.build.environment, 'sandbox');
  assert.strictEqual((build.on.workflow_dispatch || {}).inputs, undefined, 'lambda-build can be pointed at another environment');
  const promote = yaml.parse(read('.github/workflows/image-promote.yml'));
  const steps = promote.jobs.promote.steps;
  assert.ok(steps.some((st) => String(st.run || '').includes('scripts/ci/promote-images')));
  assert.ok(!steps.some((st) => /docker|build-push/.test(String(st.uses || '') + String(st.run || ''))), 'image-promote builds');
  assert.ok(!promote.on.workflow_dispatch.inputs.environment.options.includes('sandbox'), 'sandbox is the build environment');
  // The environment (through mtls_api) deploys <repository>@<digest> of the tag, never the tag itself.
  const main = read('infra/modules/mtls_api/main.tf');
  assert.ok(main.includes('image_uris = { for f in local.deployed_functions : f => "${data.aws_ecr_repository.function[f].repository_url}@${data.aws_ecr_image.function[f].image_digest}" }'));
  assert.match(main, /data "aws_ecr_image" "function" \{\n  for_each        = local\.deployed_functions\n  repository_name = data\.aws_ecr_repository\.function\[each\.key\]\.name\n  image_tag       = local\.image_tag\n\}/);
  const functions = main.slice(main.indexOf('module "functions" {'), main.indexOf('\n}\n', main.indexOf('module "functions" {')));
  assert.match(functions, /\n  image_uri          = local\.image_uris\[each\.key\]\n/);
});

test('terraform-deploy tags what it deployed deployed-<env>, right after the apply', () => {
  const wf = yaml.parse(read('.github/workflows/terraform-deploy.yml'));
  const steps = wf.jobs.apply.steps;
  const apply = steps.findIndex((st) => st.run === 'terraform apply tfplan');
  const mark = steps.findIndex((st) => String(st.run || '').includes('scripts/ci/mark-deployed'));
  assert.ok(apply >= 0 && mark === apply + 1, 'mark-deployed does not follow terraform apply');
  assert.match(steps[mark].run, /terraform output -json image_uris/);
  assert.strictEqual(wf.env.ENVIRONMENT, '${{ inputs.environment }}');
  assert.match(read('infra/stacks/environment/outputs.tf'), /output "image_uris" \{[^}]*value {7}= module\.mtls_api\.image_uris/);
  assert.match(read('infra/modules/mtls_api/outputs.tf'), /output "image_uris" \{[^}]*value {7}= local\.image_uris/);
});

test('the function image: AWS\'s OS-only base for custom runtimes, the bundle at /var/runtime, the emulator entrypoint kept', () => {
  const df = read('docker/Dockerfile');
  const final = df.slice(df.lastIndexOf('\nFROM '));
  assert.match(final, /^\nFROM public\.ecr\.aws\/lambda\/provided:al2023(@sha256:[0-9a-f]{64})? AS function\n/);
  // bootstrap lands at /var/runtime/bootstrap, next to its bin/ and lib/ (the launcher finds them
  // from its own path).
  assert.match(final, /\nCOPY --from=bundle \/bundle\/ \/var\/runtime\/\n/);
  // No ENTRYPOINT: the base image's /lambda-entrypoint.sh runs the bootstrap under Lambda and the
  // Runtime Interface Emulator under `docker run`. It takes exactly one argument (the handler).
  assert.doesNotMatch(final, /\nENTRYPOINT/);
  const cmd = /\nCMD (\[.*\])\n/.exec(final);
  assert.ok(cmd, 'no CMD in exec form');
  assert.strictEqual(JSON.parse(cmd[1]).length, 1);
  const cert = /\nENV SSL_CERT_FILE=(\S+)\n/.exec(final);
  assert.ok(cert, 'SSL_CERT_FILE is not set');
  assert.ok(final.includes(`COPY --from=build /etc/ssl/certs/ca-certificates.crt ${cert[1]}\n`), 'SSL_CERT_FILE names no copied file');
  assert.match(final, /\nUSER [1-9][0-9]*:[1-9][0-9]*\n/);
  assert.doesNotMatch(final, /\nFROM scratch/);
  assert.match(df, /^FROM debian:12 AS build$/m);
  assert.match(df, /^RUN make package$/m);
  // The bundle launcher locates lib/ from /proc/self/exe and overrides any LD_LIBRARY_PATH.
  const launcher = read('src/functions/launcher/bundle_launcher.cpp');
  assert.ok(launcher.includes('readlink("/proc/self/exe"'));
  assert.ok(launcher.includes('"--library-path", lib_dir'));
});

test('the build context leaves out build output, dependencies and key material', () => {
  const ignore = read('.dockerignore').split('\n').map((l) => l.trim());
  for (const p of ['.git', 'build', 'dist', 'node_modules', '**/*.pem', '**/*.key', '**/*.tfstate']) {
    assert.ok(ignore.includes(p), `.dockerignore lacks ${p}`);
  }
});

test('the Dockerfile passes dockerfile-utils validation, which does catch mistakes', () => {
  const { validate } = require('dockerfile-utils');
  const problems = validate(read('docker/Dockerfile'), {}).map((d) => `${d.range.start.line + 1}: ${d.message}`);
  assert.deepStrictEqual(problems, []);
  const broken = 'FROM scratch\nCOPPY a b\nUSER\n';
  assert.deepStrictEqual(validate(broken, {}).map((d) => d.range.start.line + 1), [2, 3]);
});
