# shellcheck shell=bash
# Shared by the image scripts of the workflows (scripts/ci/publish-images, promote-images,
# mark-deployed). Sourced, not run. Needs the AWS CLI v2 with credentials for the registry.

# The functions that ship as images (one ECR repository <name_prefix>-<function> each); the same
# list as local.functions in infra/stacks/ecr and infra/stacks/environment and the FUNCTION case
# in docker/Dockerfile (tests/infra/delivery.test.js keeps them equal).
# shellcheck disable=SC2034 # read by the scripts that source this file
DEFAULT_FUNCTIONS="token authorizer health pre-token watcher"

ci_die() {
  echo "${0##*/}: $*" >&2
  exit 1
}

ci_usage() {
  echo "${0##*/}: $*" >&2
  exit 2
}

# ci_require_match NAME VALUE REGEX: a usage error unless VALUE matches (inputs come from workflow
# variables and dispatch inputs, so they are checked before they reach a command line).
ci_require_match() {
  [[ "$2" =~ $3 ]] || ci_usage "$1 must match $3 (got '$2')"
}

# ci_image_digest REPOSITORY IMAGE_ID [REGISTRY_ID]: prints the digest of IMAGE_ID (imageTag=... or
# imageDigest=...) in REPOSITORY and returns 0; returns 1 when the image (or the repository) does
# not exist; returns 2 on any other error (credentials, throttling, network), which must not be
# mistaken for "missing".
ci_image_digest() {
  local repo=$1 id=$2 registry=${3:-} err out
  local args=(ecr describe-images --repository-name "$repo" --image-ids "$id"
    --query 'imageDetails[0].imageDigest' --output text)
  [[ -n "$registry" ]] && args+=(--registry-id "$registry")
  err=$(mktemp)
  if out=$(aws "${args[@]}" 2>"$err"); then
    rm -f "$err"
    printf '%s\n' "$out"
    return 0
  fi
  if grep -qE 'ImageNotFoundException|RepositoryNotFoundException' "$err"; then
    rm -f "$err"
    return 1
  fi
  echo "${0##*/}: describe-images $repo $id failed: $(cat "$err")" >&2
  rm -f "$err"
  return 2
}

# ci_summary LINE...: appended to the job summary when running in GitHub Actions, else printed.
ci_summary() {
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    printf '%s\n' "$@" >>"$GITHUB_STEP_SUMMARY"
  else
    printf '%s\n' "$@"
  fi
}

# --- the PKI workflows (ca-bootstrap, client-provision, ca-rotate) ------------------------------

# shellcheck disable=SC2034 # read by the scripts that source this file
ENVIRONMENT_RE='^[a-z][a-z0-9-]{1,15}$'
NAME_PREFIX_RE='^[a-z][a-z0-9-]{2,30}$'

# ci_require_mtlsctl: MTLSCTL names an executable mtlsctl (the workflows build it from this commit).
ci_require_mtlsctl() {
  [[ -n "${MTLSCTL:-}" ]] || ci_usage "MTLSCTL (the mtlsctl binary) is not set"
  [[ -x "$MTLSCTL" ]] || ci_usage "MTLSCTL=${MTLSCTL} is not an executable"
}

# ci_require_settings NAME...: the settings scripts/ci/pki-env exported must be there.
ci_require_settings() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || ci_usage "$name is not set (scripts/ci/pki-env reads it from /<prefix>/mtlsctl/settings)"
  done
}

# ci_require_bool NAME VALUE: "true" or "false", as workflow inputs give booleans to env.
ci_require_bool() {
  [[ "$2" == true || "$2" == false ]] || ci_usage "$1 must be true or false (got '$2')"
}

# ci_clients_file ENVIRONMENT: the environment's clients file (docs/contract.md section 10).
ci_clients_file() {
  local file="clients/$1.json"
  [[ -f "$file" ]] || ci_die "$file does not exist: declare the environment's clients there"
  printf '%s\n' "$file"
}

# ci_guard_output FILE...: fails when mtlsctl output looks like it carries a private key or a
# client secret; mtlsctl never prints one unless explicitly asked to, which no workflow does, so
# this only stops a regression from reaching a log or a pull request comment.
ci_guard_output() {
  if grep -Eqi 'PRIVATE KEY|client_secret' "$@"; then
    ci_die "mtlsctl output looks like it holds a private key or a client secret: withheld"
  fi
}
