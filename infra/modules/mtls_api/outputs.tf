# --- the API -------------------------------------------------------------------------------------

output "api_id" {
  description = "HTTP API id (the ApiId dimension of the AWS/ApiGateway metrics)."
  value       = module.api.api_id
}

output "api_execution_arn" {
  description = "Execution ARN of the API (arn:aws:execute-api:<region>:<account>:<api id>), for invoke permissions of your own."
  value       = module.api.execution_arn
}

output "api_url" {
  description = "Base URL of the API (custom domain, mutual TLS; the default endpoint is disabled)."
  value       = module.api.api_url
}

output "token_url" {
  description = "POST /token URL: where clients get their access tokens."
  value       = "${module.api.api_url}/token"
}

output "health_url" {
  description = "GET /health URL; null when health_route_enabled is false."
  value       = var.health_route_enabled ? "${module.api.api_url}/health" : null
}

output "domain_target" {
  description = "Regional target of the custom domain (for a CNAME or alias record when DNS is not in the given hosted zone)."
  value       = module.api.domain_target
}

output "domain_hosted_zone_id" {
  description = "Route 53 hosted zone id of domain_target, for an alias record made outside the module."
  value       = module.api.domain_hosted_zone_id
}

output "authorizer_id" {
  description = "Id of the Lambda authorizer; null when no route uses it."
  value       = module.api.authorizer_id
}

output "route_ids" {
  description = "Route id by route key, built-in routes included."
  value       = module.api.route_ids
}

output "route_scopes" {
  description = "Full scope names by route key, for every route behind the authorizer: what its ROUTE_SCOPES holds."
  value       = local.route_scopes
}

output "access_log_group" {
  description = "Access log group of the API."
  value       = module.api.access_log_group
}

# --- functions -----------------------------------------------------------------------------------

output "function_arns" {
  description = "Lambda function ARNs by function (token, authorizer, health, pre-token, watcher; only those deployed)."
  value = merge(
    { for k, m in module.functions : k => m.arn },
    { "pre-token" = module.pre_token_function.arn },
    { for m in module.watcher_function : "watcher" => m.arn },
  )
}

output "function_names" {
  description = "Lambda function names by function."
  value = merge(
    { for k, m in module.functions : k => m.function_name },
    { "pre-token" = module.pre_token_function.function_name },
    { for m in module.watcher_function : "watcher" => m.function_name },
  )
}

output "function_log_groups" {
  description = "Log group of each function."
  value = merge(
    { for k, m in module.functions : k => m.log_group_name },
    { "pre-token" = module.pre_token_function.log_group_name },
    { for m in module.watcher_function : "watcher" => m.log_group_name },
  )
}

output "watcher_schedule_arn" {
  description = "EventBridge Scheduler schedule that runs the watcher; null when watcher_enabled is false."
  value       = one(aws_scheduler_schedule.watcher[*].arn)
}

output "image_tag" {
  description = "Image tag (commit) deployed."
  value       = local.image_tag
}

output "image_uris" {
  description = "Image each function runs, by digest (<repository>@sha256:...); the deploy workflow tags these deployed-<environment>."
  value       = local.image_uris
}

# --- registry, Cognito, truststore ---------------------------------------------------------------

output "table_name" {
  description = "Certificate registry table (CERT_TABLE_NAME for mtlsctl)."
  value       = module.registry.name
}

output "table_arn" {
  description = "Certificate registry table ARN."
  value       = module.registry.arn
}

output "user_pool_id" {
  description = "Cognito user pool id (COGNITO_USER_POOL_ID for mtlsctl)."
  value       = module.cognito.user_pool_id
}

output "user_pool_arn" {
  description = "Cognito user pool ARN."
  value       = module.cognito.user_pool_arn
}

output "issuer" {
  description = "Issuer (iss) of the access tokens; JWKS at <issuer>/.well-known/jwks.json."
  value       = module.cognito.issuer
}

output "cognito_token_url" {
  description = "Cognito's own token endpoint (the token function's COGNITO_TOKEN_URL)."
  value       = module.cognito.token_url
}

output "scope_identifiers" {
  description = "Full scope names of the resource server (<resource_server_identifier>/<scope>)."
  value       = module.cognito.scope_identifiers
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

# --- PKI -------------------------------------------------------------------------------------------

output "pki_kms_key_arn" {
  description = "The PKI's KMS key (every SecureString mtlsctl writes)."
  value       = module.pki.kms_key_arn
}

output "pki_store" {
  description = "Where the CA lives, as mtlsctl's --store (ssm:/<prefix>/pki)."
  value       = "ssm:${module.pki.pki_parameter_path}"
}

output "clients_parameter_path" {
  description = "SSM path of each client's certificate, key and secret (/<prefix>/clients/<name>/...)."
  value       = module.pki.clients_parameter_path
}

output "mtlsctl_env" {
  description = "mtlsctl's settings for this environment by environment variable (also in the SSM parameter /<prefix>/mtlsctl/settings)."
  value       = module.pki.mtlsctl_env
}

output "pki_policy_arns" {
  description = "The PKI's managed policies: ca_operator, planner, client_reader (attach client_reader to a client's role tagged mtls-client=<name>)."
  value = {
    ca_operator   = module.pki.ca_operator_policy_arn
    planner       = module.pki.planner_policy_arn
    client_reader = module.pki.client_reader_policy_arn
  }
}
