# infra/stacks/environment inputs for the sandbox environment.
aws_region  = "eu-west-1"
environment = "sandbox"
name_prefix = "mtls-sandbox" # must equal the ecr stack's

domain_name    = "api.sandbox.example.com"
hosted_zone_id = "Z0123456789EXAMPLE" # validates the new ACM certificate, gets the alias record

# Truststore: written by the ca-bootstrap and ca-rotate workflows (mtlsctl ca truststore).
truststore_parameter_name = "/mtls-sandbox/truststore"

# The PKI (infra/modules/pki): the CA-operator role of the ca-bootstrap, client-provision and
# ca-rotate workflows, and the read-only role of the pull request plans (docs/deploy.md, step 1.4).
# Clients are declared in clients/sandbox.json, not here.
pki_operator_role_arns = ["arn:aws:iam::111111111111:role/mtls-sandbox-ca-operator"]
pki_planner_role_arns  = ["arn:aws:iam::111111111111:role/mtls-sandbox-pki-plan"]

cert_bound_tokens             = true
log_level                     = "debug"
log_retention_days            = 7
user_pool_deletion_protection = false
table_deletion_protection     = false
force_destroy                 = true

# Your own routes behind the gateway (infra/modules/mtls_api/README.md), e.g.
#   scopes = { "orders.read" = "Read orders" }
#   routes = { "GET /orders" = { integration = { type = "http", url = "https://orders.example.com/orders" }, scopes = ["orders.read"] } }
scopes = {}
routes = {}
