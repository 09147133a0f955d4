output "api_url" {
  description = "Base URL of the API."
  value       = module.mtls_api.api_url
}

output "health_url" {
  description = "GET /health."
  value       = module.mtls_api.health_url
}

output "ownership_verification_certificate_arn" {
  description = "The public ACM certificate that proves ownership of the domain (keep it: removing it breaks the custom domain's mutual TLS)."
  value       = module.ownership_certificate.certificate_arn
}

output "user_pool_id" {
  description = "COGNITO_USER_POOL_ID for mtlsctl."
  value       = module.mtls_api.user_pool_id
}

output "table_name" {
  description = "CERT_TABLE_NAME for mtlsctl."
  value       = module.mtls_api.table_name
}
