# S3 backend of the sandbox environment. The state bucket is created once (docs/deploy.md,
# bootstrap); the key is given per stack: -backend-config=key=sandbox/<stack>.tfstate
bucket       = "mtls-tfstate-111111111111-eu-west-1"
region       = "eu-west-1"
encrypt      = true
use_lockfile = true
