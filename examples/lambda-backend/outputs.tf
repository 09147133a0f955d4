output "token_url" {
  description = "Where clients get their access tokens (POST, mTLS, HTTP Basic)."
  value       = module.mtls_api.token_url
}

output "orders_url" {
  description = "GET and POST /orders."
  value       = "${module.mtls_api.api_url}/orders"
}

output "route_scopes" {
  description = "Full scope names each route requires."
  value       = module.mtls_api.route_scopes
}

output "user_pool_id" {
  description = "COGNITO_USER_POOL_ID for mtlsctl."
  value       = module.mtls_api.user_pool_id
}

output "table_name" {
  description = "CERT_TABLE_NAME for mtlsctl."
  value       = module.mtls_api.table_name
}
