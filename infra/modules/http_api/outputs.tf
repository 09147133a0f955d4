output "api_id" {
  description = "HTTP API id."
  value       = aws_apigatewayv2_api.this.id
}

output "execution_arn" {
  description = "Execution ARN of the API."
  value       = aws_apigatewayv2_api.this.execution_arn
}

output "api_url" {
  description = "Base URL of the API on the custom domain (the only way in: the default endpoint is disabled)."
  value       = "https://${aws_apigatewayv2_domain_name.this.domain_name}"
}

output "token_url" {
  description = "URL of POST /token."
  value       = "https://${aws_apigatewayv2_domain_name.this.domain_name}/token"
}

output "health_url" {
  description = "URL of GET /health."
  value       = "https://${aws_apigatewayv2_domain_name.this.domain_name}/health"
}

output "domain_target" {
  description = "Regional target of the custom domain, for a CNAME/alias when DNS is not in Route 53."
  value       = aws_apigatewayv2_domain_name.this.domain_name_configuration[0].target_domain_name
}

output "access_log_group" {
  description = "Access log group name."
  value       = aws_cloudwatch_log_group.access.name
}
