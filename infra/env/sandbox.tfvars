# infra/stacks/environment inputs for the sandbox environment.
aws_region  = "eu-west-1"
environment = "sandbox"
name_prefix = "mtls-sandbox" # must equal the ecr stack's

domain_name    = "api.sandbox.example.com"
hosted_zone_id = "Z0123456789EXAMPLE" # validates the new ACM certificate, gets the alias record

# Truststore: `mtlsctl truststore store --file truststore.pem --parameter /mtls-sandbox/truststore`
truststore_parameter_name = "/mtls-sandbox/truststore"

clients = {
  demo = { scopes = ["health.read"], access_token_validity_minutes = 60 }
}

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
