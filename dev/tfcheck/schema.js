'use strict';
// Builds the AWS provider schema the checker needs from the .jsii type file of the pinned
// @cdktf/provider-aws package (the prebuilt CDKTF bindings of one hashicorp/aws release). The
// .jsii file is large (~130 MB) but parses in about a second, so nothing generated is committed:
// the schema is extracted on every run.
//
// Schema shapes:
//   Block    = { attrs: Map<tfName, Attr> }
//   Attr     = { required: boolean, block: Block | null, isBlock: boolean,
//                kind: 'string' | 'number' | 'bool' | 'list' | 'map' | null }
//              (block: the nested struct, of a nested block or of an object-typed argument)
//   Resource = Block & { exported: Set<normalised attribute name> }   (for reference checks)

const fs = require('fs');
const path = require('path');

const PKG = '@cdktf/provider-aws';

function packageDir(projectRoot) {
  return path.join(projectRoot, 'node_modules', '@cdktf', 'provider-aws');
}

// Terraform attribute names appear in the jsii docs as "{@link https://...#bucket_prefix S3Bucket#bucket_prefix}".
function tfNameFromDocs(docs) {
  const text = `${(docs && docs.summary) || ''} ${(docs && docs.remarks) || ''}`;
  const m = /#([a-z0-9_]+) [A-Za-z0-9]+#[a-z0-9_]+\}/.exec(text);
  return m ? m[1] : null;
}

function snakeCase(camel) {
  return camel.replace(/([A-Z])/g, '_$1').toLowerCase();
}

// Compare attribute names without relying on CDKTF's exact camel-casing of digits
// (checksum_crc32c <-> checksumCrc32C).
function normaliseName(name) {
  return name.replace(/_/g, '').toLowerCase();
}

// The struct type a property refers to, whether written as T, T[] or IResolvable | T[].
function structFqn(type) {
  if (!type) return null;
  if (type.fqn && type.fqn.startsWith(`${PKG}.`)) return type.fqn;
  if (type.collection) return structFqn(type.collection.elementtype);
  if (type.union) {
    for (const t of type.union.types) {
      const f = structFqn(t);
      if (f) return f;
    }
  }
  return null;
}

// The value kind of a non-block argument: string, number, bool, list (list or set), map, or
// null when anything goes (any, unions of several kinds).
function valueKind(type) {
  if (!type) return null;
  if (type.primitive) {
    return { string: 'string', number: 'number', boolean: 'bool' }[type.primitive] || null;
  }
  if (type.collection) return type.collection.kind === 'map' ? 'map' : 'list';
  if (type.union) {
    const kinds = new Set(type.union.types.filter((t) => t.fqn !== 'cdktf.IResolvable').map(valueKind));
    return kinds.size === 1 ? [...kinds][0] : null;
  }
  return null;
}

function loadSchema(projectRoot) {
  const dir = packageDir(projectRoot);
  const jsiiPath = path.join(dir, '.jsii');
  if (!fs.existsSync(jsiiPath)) {
    throw new Error(`${jsiiPath} is missing: run npm ci (devDependency ${PKG})`);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const providerVersion = pkg.cdktf && pkg.cdktf.provider ? pkg.cdktf.provider.version : null;
  const jsii = JSON.parse(fs.readFileSync(jsiiPath, 'utf8'));
  const types = jsii.types;
  const blockCache = new Map();

  function block(fqn) {
    if (blockCache.has(fqn)) return blockCache.get(fqn);
    const b = { attrs: new Map() };
    blockCache.set(fqn, b); // set before recursing: some structs are recursive
    const t = types[fqn];
    if (!t) return b;
    // Config interfaces may extend other provider structs; never cdktf.TerraformMetaArguments,
    // whose members (count, for_each, ...) the checker knows itself.
    for (const parent of t.interfaces || []) {
      if (parent.startsWith(`${PKG}.`)) {
        for (const [k, v] of block(parent).attrs) b.attrs.set(k, v);
      }
    }
    for (const p of t.properties || []) {
      const name = tfNameFromDocs(p.docs) || snakeCase(p.name);
      const nested = structFqn(p.type);
      // CDKTF documents nested blocks as "<name> block."; nested attributes (object-typed
      // arguments of plugin-framework resources) have no such summary.
      const isBlock = Boolean(nested) && /\bblock\.$/.test((p.docs && p.docs.summary) || '');
      b.attrs.set(name, {
        required: !p.optional,
        block: nested ? block(nested) : null,
        isBlock,
        kind: nested ? null : valueKind(p.type),
      });
    }
    return b;
  }

  const resources = new Map();
  const dataSources = new Map();
  let provider = null;
  for (const t of Object.values(types)) {
    if (t.kind !== 'class' || !t.initializer) continue;
    const kind = t.base;
    if (kind !== 'cdktf.TerraformResource' && kind !== 'cdktf.TerraformDataSource' &&
        kind !== 'cdktf.TerraformProvider') {
      continue;
    }
    const configParam = (t.initializer.parameters || []).find((p) => p.name === 'config');
    if (!configParam) continue;
    const b = block(configParam.type.fqn);
    if (kind === 'cdktf.TerraformProvider') {
      provider = b;
      continue;
    }
    const m = /\{@link \S+\/docs\/(resources|data-sources)\/(\S+) (aws_[a-z0-9_]+)\}/.exec(
        t.docs.summary || '');
    if (!m) continue;
    const exported = new Set();
    for (const name of b.attrs.keys()) exported.add(normaliseName(name));
    for (const p of t.properties || []) {
      if (p.static || p.name.endsWith('Input') || p.name === 'overrideProvider') continue;
      exported.add(normaliseName(p.name));
      // CDKTF renames attributes that clash with construct members (e.g. "countAttribute").
      if (p.name.endsWith('Attribute')) exported.add(normaliseName(p.name.slice(0, -9)));
    }
    const entry = { attrs: b.attrs, exported };
    (m[1] === 'resources' ? resources : dataSources).set(m[3], entry);
  }
  if (!provider || resources.size < 100) {
    throw new Error(`unexpected layout of ${jsiiPath}: found ${resources.size} resources`);
  }
  return { providerVersion, resources, dataSources, provider };
}

module.exports = { loadSchema, normaliseName };
