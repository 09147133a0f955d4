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

output "domain_target" {
  description = "Regional target of the custom domain, for a CNAME/alias when DNS is not in Route 53."
  value       = aws_apigatewayv2_domain_name.this.domain_name_configuration[0].target_domain_name
}

output "domain_hosted_zone_id" {
  description = "Route 53 hosted zone id of the regional target, for an alias record made elsewhere."
  value       = aws_apigatewayv2_domain_name.this.domain_name_configuration[0].hosted_zone_id
}

output "authorizer_id" {
  description = "Id of the Lambda authorizer; null when no route uses it."
  value       = one(aws_apigatewayv2_authorizer.this[*].id)
}

output "route_ids" {
  description = "Route id by route key."
  value       = { for k, r in aws_apigatewayv2_route.this : k => r.id }
}

output "stage_arn" {
  description = "ARN of the $default stage."
  value       = aws_apigatewayv2_stage.default.arn
}

output "access_log_group" {
  description = "Access log group name."
  value       = aws_cloudwatch_log_group.access.name
}
