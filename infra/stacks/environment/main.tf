# Environment stack: one deployment of the mTLS API, from infra/env/<env>.tfvars. Everything is in
# infra/modules/mtls_api; this root adds the provider (with default tags), the S3 backend
# (versions.tf) and the moves that keep the state of a wave-1 deployment where it is.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(var.tags, {
      Project     = "aws-api-gateway-mtls"
      Environment = var.environment
      Stack       = "environment"
      ManagedBy   = "terraform"
    })
  }
}

module "mtls_api" {
  source = "../../modules/mtls_api"

  name_prefix = var.name_prefix

  routes               = var.routes
  scopes               = var.scopes
  health_route_enabled = var.health_route_enabled
  health_scope         = var.health_scope

  domain_name                            = var.domain_name
  hosted_zone_id                         = var.hosted_zone_id
  certificate_arn                        = var.certificate_arn
  certificate_type                       = var.certificate_type
  ownership_verification_certificate_arn = var.ownership_verification_certificate_arn

  truststore_parameter_name = var.truststore_parameter_name
  truststore_file           = var.truststore_file
  truststore_bucket_name    = var.truststore_bucket_name

  image_tag                  = var.image_tag
  architecture               = var.architecture
  function_memory_mb         = var.function_memory_mb
  function_timeout_seconds   = var.function_timeout_seconds
  log_level                  = var.log_level
  log_retention_days         = var.log_retention_days
  registry_cache_ttl_seconds = var.registry_cache_ttl_seconds
  clock_skew_seconds         = var.clock_skew_seconds

  cognito_domain_prefix         = var.cognito_domain_prefix
  resource_server_identifier    = var.resource_server_identifier
  cert_bound_tokens             = var.cert_bound_tokens
  token_cache                   = var.token_cache
  user_pool_deletion_protection = var.user_pool_deletion_protection

  table_deletion_protection    = var.table_deletion_protection
  force_destroy                = var.force_destroy
  authorizer_cache_ttl_seconds = var.authorizer_cache_ttl_seconds
  throttling_burst_limit       = var.throttling_burst_limit
  throttling_rate_limit        = var.throttling_rate_limit
  token_throttling_burst_limit = var.token_throttling_burst_limit
  token_throttling_rate_limit  = var.token_throttling_rate_limit

  pki_operator_role_arns = var.pki_operator_role_arns
  pki_planner_role_arns  = var.pki_planner_role_arns

  watcher_enabled             = var.watcher_enabled
  watcher_schedule_expression = var.watcher_schedule_expression
  expiry_warning_days         = var.expiry_warning_days
  # The watcher's message goes where the alarms go; without observability it only writes metrics.
  watcher_alert_topic_arn         = var.observability_enabled ? module.observability[0].topic_arn : null
  watcher_alert_topic_kms_key_arn = var.observability_enabled ? var.alarm_topic_kms_key_arn : null
}

# The dashboard and alarms (infra/modules/observability); off for a team with its own. Its topic
# also gets the watcher's messages (above): the topic depends on nothing of module.mtls_api, so
# the two modules feed each other without a cycle.
module "observability" {
  source = "../../modules/observability"
  count  = var.observability_enabled ? 1 : 0

  name_prefix               = var.name_prefix
  api_id                    = module.mtls_api.api_id
  function_names            = module.mtls_api.function_names
  alarm_email               = var.alarm_email
  server_error_rate_percent = var.alarm_server_error_rate_percent
  deny_spike_threshold      = var.alarm_deny_spike_threshold
  certificate_expiry_days   = var.alarm_certificate_expiry_days
  ca_expiry_alarm_days      = var.alarm_ca_expiry_days
  topic_kms_key_arn         = var.alarm_topic_kms_key_arn
}

# Before the module, these modules were called from this stack directly.
moved {
  from = module.registry
  to   = module.mtls_api.module.registry
}

moved {
  from = module.pre_token_function
  to   = module.mtls_api.module.pre_token_function
}

moved {
  from = module.cognito
  to   = module.mtls_api.module.cognito
}

moved {
  from = module.functions
  to   = module.mtls_api.module.functions
}

moved {
  from = module.truststore
  to   = module.mtls_api.module.truststore
}

moved {
  from = module.certificate
  to   = module.mtls_api.module.certificate
}

moved {
  from = module.api
  to   = module.mtls_api.module.api
}
