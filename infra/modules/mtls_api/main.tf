# The whole mTLS API of one environment, for a caller's own root module (no provider or backend
# here: the caller has them):
#
#   registry table --> functions (token, authorizer, health, pre-token) <-- ECR images (<prefix>-<function>)
#   pre-token function --> Cognito (trigger) --> token/authorizer env
#   truststore (SSM -> S3 object version) + certificate --> HTTP API custom domain (mTLS)
#   routes (built in + var.routes) --> HTTP API routes, and the authorizer's ROUTE_SCOPES
#   pki: KMS key + policies for the CA and clients in SSM (mtlsctl), and mtlsctl's settings
#   EventBridge Scheduler (daily) --> watcher function --> registry (Scan), truststore (S3),
#     the domain's truststore warnings (GetDomainName) --> EMF metrics, one SNS message when due

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition

  image_tag_parameter       = "/${var.name_prefix}/lambda/image-tag"
  truststore_parameter_name = var.truststore_file == null ? coalesce(var.truststore_parameter_name, "/${var.name_prefix}/truststore") : null
  truststore_bucket_name    = coalesce(var.truststore_bucket_name, "${var.name_prefix}-truststore-${local.account_id}")
  cognito_domain_prefix     = coalesce(var.cognito_domain_prefix, "${var.name_prefix}-${local.account_id}")
}

# --- scopes and routes ---------------------------------------------------------------------------

locals {
  # The resource server's scopes, and the one place a short name becomes a full one.
  resource_server_scopes = merge(var.health_route_enabled ? { (var.health_scope) = "Read the health endpoint" } : {}, var.scopes)
  full_scope             = { for s in keys(local.resource_server_scopes) : s => "${var.resource_server_identifier}/${s}" }

  # Route key -> the full scope names a token needs, for every route behind the authorizer. The
  # authorizer's ROUTE_SCOPES is written from this map and a route is CUSTOM (sent to the
  # authorizer) exactly when its key is in it, so no route reaches the authorizer unknown to it.
  route_scopes = merge(
    { for k, r in var.routes : k => [for s in r.scopes : local.full_scope[s]] if r.authorization == "mtls" },
    { for k, s in { "GET /health" = [var.health_scope] } : k => [for n in s : local.full_scope[n]] if var.health_route_enabled },
  )
  route_scopes_env  = join(";", [for k in sort(keys(local.route_scopes)) : "${k}=${join(" ", local.route_scopes[k])}"])
  authorizer_needed = length(local.route_scopes) > 0

  # The functions this module deploys: the health function with GET /health, the authorizer when
  # a route uses it, the watcher unless watcher_enabled is false. Every one of them has an image
  # repository (infra/stacks/ecr).
  functions = toset(["token", "authorizer", "health", "pre-token", "watcher"])
  deployed_functions = setsubtract(local.functions, concat(
    var.health_route_enabled ? [] : ["health"],
    local.authorizer_needed ? [] : ["authorizer"],
    var.watcher_enabled ? [] : ["watcher"],
  ))

  # Every route of the API in http_api's shape: the team's, then the built-in ones.
  api_routes = merge(
    {
      for k, r in var.routes : k => {
        integration = {
          type            = r.integration.type
          uri             = r.integration.type == "lambda" ? r.integration.function_arn : r.integration.url
          vpc_link_id     = r.integration.vpc_link_id
          tls_server_name = r.integration.tls_server_name
          timeout_ms      = r.integration.timeout_ms
        }
        authorization = contains(keys(local.route_scopes), k) ? "mtls" : "none"
        throttling    = r.throttling
      }
    },
    {
      # No authorizer on POST /token: the token function checks certificate and client itself.
      # API Gateway waits as long as the function may run.
      "POST /token" = {
        integration   = { type = "lambda", uri = module.functions["token"].arn, timeout_ms = 1000 * local.function_settings.token.timeout }
        authorization = "none"
        # Token issuance calls Cognito (billed per request): throttled harder than the default.
        throttling = { burst_limit = var.token_throttling_burst_limit, rate_limit = var.token_throttling_rate_limit }
      }
    },
    {
      # The collection is evaluated before the `if`: it must not read a health function that is
      # not deployed (an unselected conditional branch is not an error).
      for k, r in {
        "GET /health" = {
          integration   = { type = "lambda", uri = var.health_route_enabled ? module.functions["health"].arn : null, timeout_ms = 1000 * local.health_timeout_seconds }
          authorization = "mtls"
        }
      } : k => r if var.health_route_enabled
    },
  )
}

# --- images --------------------------------------------------------------------------------------

# The lambda-build workflow writes the tag it pushed (the commit SHA) to this parameter. Reading
# the whole path never fails, so the postcondition below can say what to do when it is missing.
data "aws_ssm_parameters_by_path" "lambda" {
  count = var.image_tag == null ? 1 : 0
  path  = "/${var.name_prefix}/lambda"

  lifecycle {
    postcondition {
      condition     = contains(self.names, local.image_tag_parameter)
      error_message = "SSM parameter ${local.image_tag_parameter} does not exist yet: apply infra/stacks/ecr (ecr-deploy workflow) and build the images (lambda-build workflow) first, or set image_tag."
    }
  }
}

# Read after the image tag lookup, so that a missing ecr stack is reported by the message above
# rather than by a bare RepositoryNotFoundException.
data "aws_ecr_repository" "function" {
  for_each = local.deployed_functions
  name     = "${var.name_prefix}-${each.key}"

  depends_on = [data.aws_ssm_parameters_by_path.lambda]
}

# The image each function runs, by digest: the tag (the commit) resolves to the digest it was
# pushed with, and the function is deployed as <repository>@sha256:... A tag is immutable in these
# repositories, and image-promote copies an image between environments digest for digest, so every
# environment that deploys a commit runs the same bytes (docs/deploy.md, "Promote, don't rebuild").
data "aws_ecr_image" "function" {
  for_each        = local.deployed_functions
  repository_name = data.aws_ecr_repository.function[each.key].name
  image_tag       = local.image_tag
}

locals {
  # An image tag is not a secret; the data source marks every parameter value sensitive.
  image_tag = var.image_tag != null ? var.image_tag : try(nonsensitive(zipmap(
    data.aws_ssm_parameters_by_path.lambda[0].names,
    data.aws_ssm_parameters_by_path.lambda[0].values,
  )[local.image_tag_parameter]), "")
  image_uris = { for f in local.deployed_functions : f => "${data.aws_ecr_repository.function[f].repository_url}@${data.aws_ecr_image.function[f].image_digest}" }
}

# --- registry --------------------------------------------------------------------------------------

module "registry" {
  source = "../registry_table"

  name                = "${var.name_prefix}-cert-registry"
  deletion_protection = var.table_deletion_protection
  tags                = var.tags
}

# --- functions -------------------------------------------------------------------------------------

# Separate from the other functions: Cognito needs its ARN, and the others need Cognito.
module "pre_token_function" {
  source = "../lambda_function"

  function_name      = "${var.name_prefix}-pre-token"
  description        = "Cognito pre token generation (V3_0): binds access tokens to the client certificate"
  image_uri          = local.image_uris["pre-token"]
  architecture       = var.architecture
  memory_size        = var.function_memory_mb
  timeout_seconds    = 5
  log_level          = var.log_level
  log_retention_days = var.log_retention_days
  registry_table_arn = module.registry.arn
  environment = {
    CERT_TABLE_NAME = module.registry.name
  }
  tags = var.tags
}

module "cognito" {
  source = "../cognito"

  name                       = "${var.name_prefix}-clients"
  domain_prefix              = local.cognito_domain_prefix
  deletion_protection        = var.user_pool_deletion_protection
  resource_server_identifier = var.resource_server_identifier
  scopes                     = local.resource_server_scopes
  # Without binding the token function sends no certificate thumbprint, and the trigger would
  # refuse every token: attach it only when binding is on.
  pre_token_function_arn  = var.cert_bound_tokens ? module.pre_token_function.arn : null
  pre_token_function_name = var.cert_bound_tokens ? module.pre_token_function.function_name : null
  tags                    = var.tags
}

locals {
  health_timeout_seconds = 5

  # reads_registry: whether the function gets the table name and a dynamodb:GetItem grant on it.
  function_settings_all = {
    token = {
      description    = "POST /token: checks the client certificate, then client_credentials at Cognito"
      timeout        = var.function_timeout_seconds
      reads_registry = true
      environment = {
        CERT_TABLE_NAME   = module.registry.name
        COGNITO_TOKEN_URL = module.cognito.token_url
        CERT_BOUND_TOKENS = tostring(var.cert_bound_tokens)
        TOKEN_CACHE       = tostring(var.token_cache)
      }
    }
    authorizer = {
      description = "Lambda authorizer: certificate, registry and access token checks"
      # API Gateway waits at most 10 s for a Lambda authorizer (HTTP API quota, not adjustable):
      # a longer timeout would only keep the function running after the request was refused.
      timeout        = min(var.function_timeout_seconds, 10)
      reads_registry = true
      environment = {
        CERT_TABLE_NAME            = module.registry.name
        COGNITO_USER_POOL_ID       = module.cognito.user_pool_id
        ROUTE_SCOPES               = local.route_scopes_env
        REQUIRE_CERT_BOUND_TOKEN   = tostring(var.cert_bound_tokens)
        REGISTRY_CACHE_TTL_SECONDS = tostring(var.registry_cache_ttl_seconds)
        CLOCK_SKEW_SECONDS         = tostring(var.clock_skew_seconds)
      }
    }
    # The authorizer has checked the certificate against the registry before health runs; health
    # only reports what it was given, so it gets neither the table name nor a grant on it.
    health = {
      description    = "GET /health: reports the approved client certificate"
      timeout        = local.health_timeout_seconds
      reads_registry = false
      environment    = {}
    }
  }
  function_settings = { for k, v in local.function_settings_all : k => v if contains(local.deployed_functions, k) }
}

module "functions" {
  source   = "../lambda_function"
  for_each = local.function_settings

  function_name      = "${var.name_prefix}-${each.key}"
  description        = each.value.description
  image_uri          = local.image_uris[each.key]
  architecture       = var.architecture
  memory_size        = var.function_memory_mb
  timeout_seconds    = each.value.timeout
  log_level          = var.log_level
  log_retention_days = var.log_retention_days
  registry_table_arn = each.value.reads_registry ? module.registry.arn : null
  environment        = each.value.environment
  tags               = var.tags
}

# --- truststore, certificate, API ----------------------------------------------------------------

module "truststore" {
  source = "../truststore"

  bucket_name        = local.truststore_bucket_name
  object_key         = "truststore.pem"
  ssm_parameter_name = local.truststore_parameter_name
  truststore_file    = var.truststore_file
  force_destroy      = var.force_destroy
  tags               = var.tags
}

# The PKI: its key encrypts the CA and client parameters mtlsctl writes, and the truststore
# parameter above. It depends on nothing the custom domain needs, so `terraform apply
# -target=module.mtls_api.module.pki` (terraform-deploy with target pki) can create it before
# the first CA exists (docs/deploy.md, step 1.8).
module "pki" {
  source = "../pki"

  name_prefix                = var.name_prefix
  registry_table_name        = module.registry.name
  user_pool_id               = module.cognito.user_pool_id
  resource_server_identifier = var.resource_server_identifier
  # The domain's name, not module.api's URL: the PKI must not wait for the domain.
  token_url                 = "https://${var.domain_name}/token"
  truststore_bucket_name    = local.truststore_bucket_name
  truststore_parameter_name = local.truststore_parameter_name
  route_scopes              = local.authorizer_needed ? local.route_scopes_env : null
  cognito_token_url         = module.cognito.token_url
  operator_role_arns        = var.pki_operator_role_arns
  planner_role_arns         = var.pki_planner_role_arns
  tags                      = var.tags
}

module "certificate" {
  source = "../certificate"

  domain_name     = var.domain_name
  certificate_arn = var.certificate_arn
  hosted_zone_id  = var.hosted_zone_id
  tags            = var.tags
}

module "api" {
  source = "../http_api"

  name                                   = "${var.name_prefix}-api"
  domain_name                            = var.domain_name
  certificate_arn                        = module.certificate.certificate_arn
  certificate_type                       = var.certificate_type
  ownership_verification_certificate_arn = var.ownership_verification_certificate_arn
  hosted_zone_id                         = var.hosted_zone_id
  truststore_uri                         = module.truststore.uri
  truststore_version                     = module.truststore.version_id

  routes              = local.api_routes
  authorizer_function = local.authorizer_needed ? { function_name = module.functions["authorizer"].function_name, invoke_arn = module.functions["authorizer"].invoke_arn } : null

  authorizer_cache_ttl_seconds = var.authorizer_cache_ttl_seconds
  throttling_burst_limit       = var.throttling_burst_limit
  throttling_rate_limit        = var.throttling_rate_limit
  log_retention_days           = var.log_retention_days
  tags                         = var.tags
}

# --- the watcher: what is about to expire, daily (issue 18) ------------------------------------

locals {
  watcher_name            = "${var.name_prefix}-watcher"
  watcher_timeout_seconds = 60
  # The custom domain's ARN as IAM names it for API Gateway's GET /v2/domainnames/{name}.
  domain_arn = "arn:${local.partition}:apigateway:${local.region}::/domainnames/${var.domain_name}"

  # Exactly what the watcher calls, nothing else: no dynamodb:GetItem (it lists, it never looks
  # up), the truststore object only (the current version, which the domain was last pointed at;
  # no s3:GetObjectVersion), the one domain, the one topic. The table and the bucket use AWS's own
  # keys (no customer managed key in this module), so only the topic's key, when it has one of
  # the caller's, needs a KMS grant: SNS encrypts a published message with a data key it asks KMS
  # for with the publisher's permissions.
  watcher_policy_statements = merge(
    {
      ScanRegistry       = { actions = ["dynamodb:Scan"], resources = [module.registry.arn] }
      ReadTruststore     = { actions = ["s3:GetObject"], resources = ["${module.truststore.bucket_arn}/${module.truststore.key}"] }
      ReadDomainWarnings = { actions = ["apigateway:GET"], resources = [local.domain_arn] }
    },
    var.watcher_alert_topic_arn == null ? {} : {
      PublishAlert = { actions = ["sns:Publish"], resources = [var.watcher_alert_topic_arn] }
    },
    var.watcher_alert_topic_kms_key_arn == null ? {} : {
      UseAlertTopicKey = {
        actions    = ["kms:GenerateDataKey", "kms:Decrypt"]
        resources  = [var.watcher_alert_topic_kms_key_arn]
        conditions = [{ test = "StringEquals", variable = "kms:ViaService", values = ["sns.${local.region}.amazonaws.com"] }]
      }
    },
  )

  # docs/contract.md section 5; src/functions/README.md. AWS_REGION is Lambda's own.
  watcher_environment = {
    CERT_TABLE_NAME     = module.registry.name
    EXPIRY_WARNING_DAYS = tostring(var.expiry_warning_days)
    TRUSTSTORE_URI      = module.truststore.uri
    DOMAIN_NAME         = var.domain_name
    ALERT_TOPIC_ARN     = var.watcher_alert_topic_arn == null ? "" : var.watcher_alert_topic_arn
  }
}

module "watcher_function" {
  source = "../lambda_function"
  count  = var.watcher_enabled ? 1 : 0

  function_name      = local.watcher_name
  description        = "Daily (EventBridge Scheduler): registry certificates and truststore CAs about to expire, the domain's truststore warnings"
  image_uri          = local.image_uris["watcher"]
  architecture       = var.architecture
  memory_size        = 256
  timeout_seconds    = local.watcher_timeout_seconds
  log_level          = var.log_level
  log_retention_days = var.log_retention_days
  policy_statements  = local.watcher_policy_statements
  environment        = local.watcher_environment
  tags               = var.tags
}

# One run a day, one message: a failed run is not run again by Lambda (its asynchronous retries
# would repeat the SNS message); it is the watcher's Errors alarm, and the next day's run is the
# retry. The Scheduler's own retry policy below covers getting the event to Lambda at all.
resource "aws_lambda_function_event_invoke_config" "watcher" {
  count = var.watcher_enabled ? 1 : 0

  function_name                = module.watcher_function[0].function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 3600
}

# The role EventBridge Scheduler assumes to invoke the watcher: lambda:InvokeFunction on that one
# function, for schedules of this account only.
data "aws_iam_policy_document" "watcher_scheduler_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "watcher_scheduler" {
  count = var.watcher_enabled ? 1 : 0

  name               = "${local.watcher_name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.watcher_scheduler_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "watcher_scheduler" {
  count = var.watcher_enabled ? 1 : 0

  statement {
    sid       = "InvokeWatcher"
    effect    = "Allow"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.watcher_function[0].arn]
  }
}

resource "aws_iam_role_policy" "watcher_scheduler" {
  count = var.watcher_enabled ? 1 : 0

  name   = "${local.watcher_name}-scheduler-policy"
  role   = aws_iam_role.watcher_scheduler[0].id
  policy = data.aws_iam_policy_document.watcher_scheduler[0].json
}

# Scheduler invokes a Lambda target asynchronously with the target's input as the event; the
# watcher reads none of it (the context attributes only make the invocation traceable).
resource "aws_scheduler_schedule" "watcher" {
  count = var.watcher_enabled ? 1 : 0

  name                         = local.watcher_name
  description                  = "Runs ${local.watcher_name}: certificates and CAs about to expire, truststore warnings"
  schedule_expression          = var.watcher_schedule_expression
  schedule_expression_timezone = "UTC"
  state                        = "ENABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = module.watcher_function[0].arn
    role_arn = aws_iam_role.watcher_scheduler[0].arn
    input = jsonencode({
      source         = "aws-api-gateway-mtls"
      schedule_arn   = "<aws.scheduler.schedule-arn>"
      scheduled_time = "<aws.scheduler.scheduled-time>"
    })

    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }
  }

  # The role may invoke before the schedule first fires.
  depends_on = [aws_iam_role_policy.watcher_scheduler]
}
