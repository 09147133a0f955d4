# infra/stacks/environment inputs for the prod environment (example).
aws_region  = "eu-west-1"
environment = "prod"
name_prefix = "mtls-prod" # must equal the ecr stack's

domain_name    = "api.example.com"
hosted_zone_id = "Z9876543210EXAMPLE"

truststore_parameter_name = "/mtls-prod/truststore"

# The PKI (infra/modules/pki): the CA-operator role of the ca-bootstrap, client-provision and
# ca-rotate workflows, and the read-only role of the pull request plans (docs/deploy.md, step 1.4).
# Clients are declared in clients/prod.json, not here.
pki_operator_role_arns = ["arn:aws:iam::222222222222:role/mtls-prod-ca-operator"]
pki_planner_role_arns  = ["arn:aws:iam::222222222222:role/mtls-prod-pki-plan"]

cert_bound_tokens             = true
log_level                     = "info"
log_retention_days            = 90
function_memory_mb            = 256
user_pool_deletion_protection = true
table_deletion_protection     = true
force_destroy                 = false
throttling_burst_limit        = 200
throttling_rate_limit         = 100
