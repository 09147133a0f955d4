output "api_url" {
  description = "Base URL of the API (custom domain, mutual TLS)."
  value       = module.mtls_api.api_url
}

output "token_url" {
  description = "POST /token URL."
  value       = module.mtls_api.token_url
}

output "health_url" {
  description = "GET /health URL (null when health_route_enabled is false)."
  value       = module.mtls_api.health_url
}

output "domain_target" {
  description = "Regional target of the custom domain (for DNS outside Route 53)."
  value       = module.mtls_api.domain_target
}

output "api_id" {
  description = "HTTP API id."
  value       = module.mtls_api.api_id
}

output "route_scopes" {
  description = "Full scope names by route key, for every route behind the authorizer."
  value       = module.mtls_api.route_scopes
}

output "user_pool_id" {
  description = "Cognito user pool id (COGNITO_USER_POOL_ID for mtlsctl)."
  value       = module.mtls_api.user_pool_id
}

output "issuer" {
  description = "Issuer (iss) of the access tokens; JWKS at <issuer>/.well-known/jwks.json."
  value       = module.mtls_api.issuer
}

output "cognito_token_url" {
  description = "Cognito's own token endpoint (reachable only by the token function in practice)."
  value       = module.mtls_api.cognito_token_url
}

output "table_name" {
  description = "Certificate registry table (CERT_TABLE_NAME)."
  value       = module.mtls_api.table_name
}

output "truststore_bucket" {
  description = "Truststore bucket."
  value       = module.mtls_api.truststore_bucket
}

output "truststore_key" {
  description = "Truststore object key."
  value       = module.mtls_api.truststore_key
}

output "truststore_version" {
  description = "Truststore object version the domain uses."
  value       = module.mtls_api.truststore_version
}

output "function_names" {
  description = "Lambda function names by function."
  value       = module.mtls_api.function_names
}

output "image_tag" {
  description = "Image tag (commit) deployed."
  value       = module.mtls_api.image_tag
}

output "image_uris" {
  description = "Image each function runs, by digest (<repository>@sha256:...); the deploy workflow tags these deployed-<environment>."
  value       = module.mtls_api.image_uris
}

output "pki_kms_key_arn" {
  description = "The PKI's KMS key (every SecureString mtlsctl writes)."
  value       = module.mtls_api.pki_kms_key_arn
}

output "pki_store" {
  description = "Where the CA lives, as mtlsctl's --store (ssm:/<prefix>/pki)."
  value       = module.mtls_api.pki_store
}

output "mtlsctl_env" {
  description = "mtlsctl's settings for this environment by environment variable (docs/operations.md section 0 exports them)."
  value       = module.mtls_api.mtlsctl_env
}

output "pki_policy_arns" {
  description = "The PKI's managed policies: ca_operator, planner, client_reader (attach client_reader to a client's role tagged mtls-client=<name>)."
  value       = module.mtls_api.pki_policy_arns
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the environment; null when observability_enabled is false."
  value       = var.observability_enabled ? module.observability[0].dashboard_name : null
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify; null when observability_enabled is false."
  value       = var.observability_enabled ? module.observability[0].topic_arn : null
}
