output "user_pool_id" {
  description = "User pool id (the authorizer's COGNITO_USER_POOL_ID)."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "User pool ARN."
  value       = aws_cognito_user_pool.this.arn
}

output "issuer" {
  description = "Issuer (iss) of the pool's access tokens."
  value       = "https://cognito-idp.${data.aws_region.current.region}.amazonaws.com/${aws_cognito_user_pool.this.id}"
}

output "token_url" {
  description = "The pool's OAuth2 token endpoint (the token function's COGNITO_TOKEN_URL)."
  value       = "https://${aws_cognito_user_pool_domain.this.domain}.auth.${data.aws_region.current.region}.amazoncognito.com/oauth2/token"
}

output "scope_identifiers" {
  description = "Full scope names (<identifier>/<scope>)."
  value       = aws_cognito_resource_server.this.scope_identifiers
}
