'use strict';
// Stand-ins for the `aws`, `docker`, `skopeo` and `gh` commands the scripts of the workflows call
// (scripts/ci/*), for tests/infra/ci-scripts.test.js and pki-scripts.test.js: ECR, SSM and GitHub
// cannot run here. Only the calls
// those scripts make are understood; anything else fails loudly, so a script that starts calling
// something new cannot pass by accident. The registries live in a JSON file ($FAKE_STATE):
//   { repos: { "<account>/<repository>": { tags: { tag: digest }, manifests: { digest: { manifest, media } } } },
//     params: { name: value }, calls: [[command, ...args]],
//     fail: { build: [function], describe: { "<repository>": "AccessDeniedException" } }, alterCopies: false }
// ECR's behaviour that matters here is kept: the digest is the sha256 of the manifest, tags are
// immutable except deployed-*, put-image of an unchanged tag is ImageAlreadyExistsException, a
// missing image is ImageNotFoundException, batch-get-image of a missing image answers "None".
//
// Usage (through wrappers named aws/docker/skopeo on PATH): node fake-cli.js <command> args...

const fs = require('fs');
const crypto = require('crypto');

const stateFile = process.env.FAKE_STATE;
const account = process.env.FAKE_ACCOUNT || '222222222222';
const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
const [command, ...args] = process.argv.slice(2);
state.calls.push([command, ...args]);

function save() {
  fs.writeFileSync(stateFile, JSON.stringify(state, null, 1));
}

function fail(message, code = 254) {
  save();
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function out(text) {
  save();
  process.stdout.write(`${text}\n`);
  process.exit(0);
}

function opt(name, list = args) {
  const i = list.indexOf(name);
  return i >= 0 ? list[i + 1] : undefined;
}

const sha = (text) => `sha256:${crypto.createHash('sha256').update(text).digest('hex')}`;

function repo(acct, name, create = false) {
  const key = `${acct}/${name}`;
  if (!state.repos[key] && create) state.repos[key] = { tags: {}, manifests: {} };
  return state.repos[key];
}

// Stores a manifest and points the tag at it, with the repositories' tag mutability.
function push(r, tag, manifest, media) {
  const digest = sha(manifest);
  if (r.tags[tag] && r.tags[tag] !== digest && !tag.startsWith('deployed-')) {
    fail(`An error occurred (ImageTagAlreadyExistsException) when calling the PutImage operation: The image tag '${tag}' already exists and cannot be overwritten because the repository is immutable.`);
  }
  if (r.tags[tag] === digest) return { digest, unchanged: true };
  r.manifests[digest] = { manifest, media };
  r.tags[tag] = digest;
  return { digest, unchanged: false };
}

// <account>.dkr.ecr.<region>.amazonaws.com/<repository>(:tag|@digest)
function parseRef(ref) {
  const m = /^(?:docker:\/\/)?([0-9]{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/([^:@]+)(?::([^@]+)|@(sha256:[0-9a-f]{64}))$/.exec(ref);
  if (!m) fail(`fake: bad image reference ${ref}`, 99);
  return { acct: m[1], name: m[2], tag: m[3], digest: m[4] };
}

function aws() {
  const [service, op] = args;
  const rest = args.slice(2);
  if (service === 'ssm' && op === 'get-parameter') {
    const name = opt('--name', rest);
    if (opt('--query', rest) !== 'Parameter.Value' || opt('--output', rest) !== 'text') fail('fake: get-parameter without --query Parameter.Value --output text', 99);
    if (!(name in state.params)) fail(`An error occurred (ParameterNotFound) when calling the GetParameter operation: Parameter ${name} not found.`);
    return out(state.params[name]);
  }
  if (service === 'ssm' && op === 'put-parameter') {
    if (opt('--type', rest) !== 'String' || !rest.includes('--overwrite')) fail('fake: put-parameter without --type String --overwrite', 99);
    state.params[opt('--name', rest)] = opt('--value', rest);
    return out('{"Version": 1, "Tier": "Standard"}');
  }
  if (service !== 'ecr') fail(`fake aws: unsupported ${service} ${op}`, 99);
  const name = opt('--repository-name', rest);
  const acct = opt('--registry-id', rest) || account;
  const id = opt('--image-ids', rest) || '';
  const r = repo(acct, name);
  const query = opt('--query', rest);
  if (op === 'describe-images') {
    const denied = (state.fail.describe || {})[name];
    if (denied) fail(`An error occurred (${denied}) when calling the DescribeImages operation: User is not authorized`);
    if (!r) fail(`An error occurred (RepositoryNotFoundException) when calling the DescribeImages operation: The repository with name '${name}' does not exist in the registry with id '${acct}'`);
    const [kind, value] = id.split('=');
    const digest = kind === 'imageTag' ? r.tags[value] : r.manifests[value] ? value : undefined;
    if (!digest) fail(`An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {${kind}:'${value}'} does not exist within the repository with name '${name}' in the registry with id '${acct}'`);
    if (opt('--output', rest) !== 'text') fail('fake: describe-images without --output text', 99);
    if (query === 'imageDetails[0].imageDigest') return out(digest);
    if (query === 'imageDetails[0].imageTags') return out(Object.keys(r.tags).filter((t) => r.tags[t] === digest).sort().join('\t'));
    fail(`fake: unsupported query ${query}`, 99);
  }
  if (op === 'batch-get-image') {
    const digest = id.replace(/^imageDigest=/, '');
    const m = r && r.manifests[digest];
    if (query === 'images[0].imageManifest') return out(m ? m.manifest : 'None');
    if (query === 'images[0].imageManifestMediaType') return out(m ? m.media : 'None');
    fail(`fake: unsupported query ${query}`, 99);
  }
  if (op === 'put-image') {
    if (!r) fail('An error occurred (RepositoryNotFoundException) when calling the PutImage operation');
    const manifest = opt('--image-manifest', rest);
    const expected = opt('--image-digest', rest);
    if (expected && sha(manifest) !== expected) fail('An error occurred (ImageDigestDoesNotMatchException) when calling the PutImage operation');
    const { unchanged } = push(r, opt('--image-tag', rest), manifest, opt('--image-manifest-media-type', rest));
    if (unchanged) fail('An error occurred (ImageAlreadyExistsException) when calling the PutImage operation: Image with digest and tag already exists');
    return out('{}');
  }
  return fail(`fake aws: unsupported ecr ${op}`, 99);
}

function docker() {
  if (args[0] !== 'buildx' || args[1] !== 'build' || !args.includes('--push')) fail(`fake docker: unsupported ${args.join(' ')}`, 99);
  const fn = (opt('--build-arg') || '').replace(/^FUNCTION=/, '');
  if ((state.fail.build || []).includes(fn)) fail(`ERROR: failed to solve: process "make package" did not complete successfully (${fn})`, 1);
  const ref = parseRef(opt('--tag'));
  const r = repo(ref.acct, ref.name);
  if (!r) fail(`ERROR: failed to push: repository ${ref.name} not found`, 1);
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', fn, platform: opt('--platform'), tag: ref.tag });
  push(r, ref.tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
  return out(`pushed ${ref.name}:${ref.tag}`);
}

function skopeo() {
  if (args[0] !== 'copy') fail(`fake skopeo: unsupported ${args[0]}`, 99);
  const refs = args.filter((a) => a.startsWith('docker://'));
  const src = parseRef(refs[0]);
  const dst = parseRef(refs[1]);
  const from = repo(src.acct, src.name);
  const digest = src.digest || (from && from.tags[src.tag]);
  if (!from || !from.manifests[digest]) fail(`FATA[0000] initializing source ${refs[0]}: manifest unknown`, 1);
  const to = repo(dst.acct, dst.name);
  if (!to) fail(`FATA[0001] trying to reuse blob: repository ${dst.name} not found`, 1);
  let { manifest, media } = from.manifests[digest];
  // A copy that converts the manifest changes the digest; --preserve-digests makes skopeo refuse.
  if (state.alterCopies || !args.includes('--preserve-digests')) manifest = `${manifest} `;
  push(to, dst.tag, manifest, media);
  return out('Writing manifest to image destination');
}

// GitHub releases: state.releases = { tag: { flags: [...], assets: { name: sha256 } } }.
function gh() {
  const [group, op, tag] = args;
  if (group !== 'release') fail(`fake gh: unsupported ${group}`, 99);
  state.releases = state.releases || {};
  const files = args.slice(3).filter((a) => !a.startsWith('--') && fs.existsSync(a));
  const attach = (rel) => {
    for (const f of files) rel.assets[f.split('/').pop()] = crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  };
  if (op === 'view') {
    if (!state.releases[tag]) fail('release not found', 1);
    return out(tag);
  }
  if (op === 'create') {
    if (state.releases[tag]) fail(`a release with the same tag name already exists: ${tag}`, 1);
    if (!args.includes('--verify-tag')) fail('fake gh: create without --verify-tag', 99);
    state.releases[tag] = { flags: args.filter((a) => a.startsWith('--')), title: opt('--title'), assets: {} };
    attach(state.releases[tag]);
    return out(`https://github.com/o/r/releases/tag/${tag}`);
  }
  if (op === 'upload') {
    if (!state.releases[tag]) fail('release not found', 1);
    if (!args.includes('--clobber')) fail('fake gh: upload without --clobber', 99);
    attach(state.releases[tag]);
    return out('');
  }
  return fail(`fake gh: unsupported release ${op}`, 99);
}

({ aws, docker, skopeo, gh }[command] || (() => fail(`fake: unknown command ${command}`, 99)))();
