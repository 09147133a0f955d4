# S3 backend of the prod environment (example: its own account and state bucket).
# The key is given per stack: -backend-config=key=prod/<stack>.tfstate
bucket       = "mtls-tfstate-222222222222-eu-west-1"
region       = "eu-west-1"
encrypt      = true
use_lockfile = true
