output "api_url" {
  description = "Base URL of the API (custom domain, mutual TLS)."
  value       = module.api.api_url
}

output "token_url" {
  description = "POST /token URL."
  value       = module.api.token_url
}

output "health_url" {
  description = "GET /health URL."
  value       = module.api.health_url
}

output "domain_target" {
  description = "Regional target of the custom domain (for DNS outside Route 53)."
  value       = module.api.domain_target
}

output "user_pool_id" {
  description = "Cognito user pool id (COGNITO_USER_POOL_ID for mtlsctl)."
  value       = module.cognito.user_pool_id
}

output "issuer" {
  description = "Issuer (iss) of the access tokens; JWKS at <issuer>/.well-known/jwks.json."
  value       = module.cognito.issuer
}

output "cognito_token_url" {
  description = "Cognito's own token endpoint (reachable only by the token function in practice)."
  value       = module.cognito.token_url
}

output "client_ids" {
  description = "Cognito app client ids by name."
  value       = module.cognito.client_ids
}

output "table_name" {
  description = "Certificate registry table (CERT_TABLE_NAME)."
  value       = module.registry.name
}

output "truststore_bucket" {
  description = "Truststore bucket."
  value       = module.truststore.bucket
}

output "truststore_key" {
  description = "Truststore object key."
  value       = module.truststore.key
}

output "truststore_version" {
  description = "Truststore object version the domain uses."
  value       = module.truststore.version_id
}

output "function_names" {
  description = "Lambda function names by function."
  value = merge(
    { for k, m in module.functions : k => m.function_name },
    { "pre-token" = module.pre_token_function.function_name },
  )
}

output "image_tag" {
  description = "Image tag (commit) deployed."
  value       = local.image_tag
}

output "image_uris" {
  description = "Image each function runs, by digest (<repository>@sha256:...); the deploy workflow tags these deployed-<environment>."
  value       = local.image_uris
}
