# --- where and what (this stack only) ------------------------------------------------------------

variable "aws_region" {
  type        = string
  description = "AWS region of the deployment (the same as the ecr stack's)."

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region name such as eu-west-1."
  }
}

variable "environment" {
  type        = string
  description = "Environment name (sandbox, prod, ...)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lowercase letters, digits or hyphens."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra default tags on every resource (provider default_tags)."
  default     = {}
}

# --- passed to infra/modules/mtls_api unchanged ----------------------------------------------------
# Types and descriptions as in the module; the module validates them. Null (the default of every
# optional one here) gives the module's default: see infra/modules/mtls_api/README.md.

variable "name_prefix" {
  type        = string
  description = "Prefix of every name (<prefix>-token, /<prefix>/truststore, ...); the image repositories are <prefix>-<function> (infra/stacks/ecr with the same prefix)."
}

variable "routes" {
  type = map(object({
    integration = object({
      type            = string
      function_arn    = optional(string)
      url             = optional(string)
      vpc_link_id     = optional(string)
      tls_server_name = optional(string)
      timeout_ms      = optional(number)
    })
    scopes        = optional(list(string), [])
    authorization = optional(string, "mtls")
    throttling = optional(object({
      burst_limit = number
      rate_limit  = number
    }))
  }))
  description = "Routes beyond POST /token and GET /health, by route key (\"GET /orders\", \"ANY /orders/{proxy+}\", \"$default\"). integration: type lambda (function_arn), http (url, HTTP_PROXY; a path variable {name} may appear in it) or vpc_link (vpc_link_id, and url: the ALB/NLB listener or Cloud Map service ARN; tls_server_name for HTTPS to it); timeout_ms 50-30000 (default 30000). scopes: short names from scopes (or the health scope), all of which the token must hold. authorization: mtls (the Lambda authorizer, the default) or none (mutual TLS only, written explicitly). throttling: burst_limit and rate_limit of this route."
  default     = null
}

variable "scopes" {
  type        = map(string)
  description = "The resource server's scopes beyond the health scope: short name => description (e.g. { \"orders.read\" = \"Read orders\" }). Created in Cognito as <resource_server_identifier>/<name>; routes and clients name them."
  default     = null
}

variable "health_route_enabled" {
  type        = bool
  description = "Serve the built-in GET /health (health function behind the authorizer, scope health_scope). POST /token is always there."
  default     = null
}

variable "health_scope" {
  type        = string
  description = "Short name of the scope GET /health requires; created with the other scopes while the route is on."
  default     = null
}

variable "resource_server_identifier" {
  type        = string
  description = "Cognito resource server identifier: the prefix of every full scope name (<identifier>/<scope>)."
  default     = null
}

variable "domain_name" {
  type        = string
  description = "The API's custom domain (clients connect here with their certificate)."
}

variable "hosted_zone_id" {
  type        = string
  description = "Route 53 hosted zone of domain_name: validates a new certificate and gets the alias record. Null: DNS is managed elsewhere (point it at the domain_target output) and certificate_arn is required."
  default     = null
}

variable "certificate_arn" {
  type        = string
  description = "Existing ACM certificate for domain_name in the region; null requests a public one (needs hosted_zone_id)."
  default     = null
}

variable "certificate_type" {
  type        = string
  description = "How certificate_arn's certificate came into ACM (its Type in `aws acm describe-certificate`): AMAZON_ISSUED (a public ACM certificate, also what the module requests), IMPORTED, or PRIVATE (issued by AWS Private CA). IMPORTED and PRIVATE need ownership_verification_certificate_arn."
  default     = null
}

variable "ownership_verification_certificate_arn" {
  type        = string
  description = "With mutual TLS, API Gateway accepts an imported or Private CA server certificate only with a public ACM certificate (AMAZON_ISSUED, ISSUED) for the same domain that proves you own it; it is not used in the TLS handshake. Required when certificate_type is IMPORTED or PRIVATE, unused otherwise."
  default     = null
}

variable "truststore_parameter_name" {
  type        = string
  description = "SSM SecureString holding the truststore PEM bundle (`mtlsctl truststore store`); null means /<name_prefix>/truststore. Ignored when truststore_file is set."
  default     = null
}

variable "truststore_file" {
  type        = string
  description = "Local PEM bundle to upload instead of reading the SSM parameter (a relative path is relative to the root module)."
  default     = null
}

variable "truststore_bucket_name" {
  type        = string
  description = "Truststore bucket name; null means <name_prefix>-truststore-<account id>."
  default     = null
}

variable "image_tag" {
  type        = string
  description = "Image tag (commit) to deploy for every function, resolved to its digest; null reads /<name_prefix>/lambda/image-tag, which the lambda-build (sandbox) or image-promote (other environments) workflow writes."
  default     = null
}

variable "architecture" {
  type        = string
  description = "Instruction set of every function: arm64 (Graviton, about 20% less per GB-second) or x86_64. The images of image_tag must be built for it (the workflows build linux/arm64 and linux/amd64)."
  default     = null
}

variable "function_memory_mb" {
  type        = number
  description = "Memory of each function in MB."
  default     = null
}

variable "function_timeout_seconds" {
  type        = number
  description = "Timeout of the token function, and how long API Gateway waits for it on POST /token; the authorizer gets at most 10 s, API Gateway's limit for a Lambda authorizer."
  default     = null
}

variable "log_level" {
  type        = string
  description = "LOG_LEVEL of every function."
  default     = null
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the function and access log groups in days."
  default     = null
}

variable "registry_cache_ttl_seconds" {
  type        = number
  description = "Authorizer REGISTRY_CACHE_TTL_SECONDS (0 disables its registry cache)."
  default     = null
}

variable "clock_skew_seconds" {
  type        = number
  description = "Authorizer CLOCK_SKEW_SECONDS for token time claims."
  default     = null
}

variable "cognito_domain_prefix" {
  type        = string
  description = "Cognito domain prefix; null means <name_prefix>-<account id>."
  default     = null
}

variable "token_cache" {
  type        = bool
  description = "Token cache of the token function (TOKEN_CACHE): a token it obtained from Cognito is handed back to the same client, certificate and scopes while valid for more than max(60 s, 10% of its lifetime), instead of a billed Cognito request. A deleted app client's cached token then lives until that margin (docs/security.md)."
  default     = null
}

variable "cert_bound_tokens" {
  type        = bool
  description = "Bind access tokens to the client certificate (RFC 8705): attaches the pre-token trigger, sets CERT_BOUND_TOKENS on the token function and REQUIRE_CERT_BOUND_TOKEN on the authorizer."
  default     = null
}

variable "user_pool_deletion_protection" {
  type        = bool
  description = "Cognito user pool deletion protection (keep true in prod)."
  default     = null
}

variable "table_deletion_protection" {
  type        = bool
  description = "DynamoDB deletion protection of the registry table."
  default     = null
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy empty the truststore bucket (throw-away environments only)."
  default     = null
}

variable "authorizer_cache_ttl_seconds" {
  type        = number
  description = "API Gateway authorizer result cache TTL; keep 0 (a cache keyed on the token alone would let another certificate reuse a decision, and a cached allow outlives a revocation by up to the TTL)."
  default     = null
}

variable "throttling_burst_limit" {
  type        = number
  description = "Default route burst limit (requests); a route's own throttling overrides it."
  default     = null
}

variable "throttling_rate_limit" {
  type        = number
  description = "Default route rate limit (requests per second); a route's own throttling overrides it."
  default     = null
}

variable "token_throttling_burst_limit" {
  type        = number
  description = "POST /token burst limit."
  default     = null
}

variable "token_throttling_rate_limit" {
  type        = number
  description = "POST /token rate limit (requests per second)."
  default     = null
}

variable "pki_operator_role_arns" {
  type        = list(string)
  description = "IAM roles that run CA operations (ca-bootstrap, client-provision apply, ca-rotate): the only principals the PKI key lets encrypt, and decrypt the CA's private keys, through SSM; each gets the CA-operator policy. Empty leaves that use of the key to IAM (docs/operations.md section 7)."
  default     = null
}

variable "pki_planner_role_arns" {
  type        = list(string)
  description = "IAM roles that run `mtlsctl apply --dry-run` for pull requests; each gets the read-only planner policy (no private key, no client secret)."
  default     = null
}

variable "watcher_enabled" {
  type        = bool
  description = "Deploy the watcher function and its daily EventBridge Scheduler schedule: it scans the registry for ACTIVE certificates expiring within expiry_warning_days, reads the truststore's CA expiry and the domain's truststore warnings, writes them as metrics and, when something is due, publishes one message to watcher_alert_topic_arn. Its image repository (<name_prefix>-watcher) must exist."
  default     = null
}

variable "watcher_schedule_expression" {
  type        = string
  description = "When the watcher runs (EventBridge Scheduler expression, UTC): rate(1 day), rate(1 hour), rate(N hours) with N up to 24, or cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 6 * * ? *). At least daily: the expiry alarms read daily periods and report INSUFFICIENT_DATA after two days without a run; every run that finds something due sends a message."
  default     = null
}

variable "expiry_warning_days" {
  type        = number
  description = "The watcher's warning window (EXPIRY_WARNING_DAYS): an ACTIVE registry certificate or a truststore CA expiring within this many days is due, and named in its message."
  default     = null
}

# --- observability (infra/modules/observability) ------------------------------------------------

variable "observability_enabled" {
  type        = bool
  description = "Create the environment's CloudWatch dashboard, alarms and alarm topic; false for a team with its own."
  default     = true
}

variable "alarm_email" {
  type        = string
  description = "Email address subscribed to the alarm topic; null subscribes nobody."
  default     = null
}

variable "alarm_server_error_rate_percent" {
  type        = number
  description = "Alarm when the API's 5xx responses exceed this percentage of its requests over 5 minutes."
  default     = 1
}

variable "alarm_deny_spike_threshold" {
  type        = number
  description = "Alarm when the authorizer denies more than this many requests in 5 minutes."
  default     = 100
}

variable "alarm_certificate_expiry_days" {
  type        = number
  description = "Alarm when a client certificate in use, or (with the watcher) any ACTIVE registered certificate, expires within this many days."
  default     = 30
}

variable "alarm_ca_expiry_days" {
  type        = number
  description = "Alarm when a CA certificate of the truststore expires within this many days (measured by the watcher)."
  default     = 60
}

variable "alarm_topic_kms_key_arn" {
  type        = string
  description = "Customer managed KMS key of the alarm topic, by key ARN (its policy must let cloudwatch.amazonaws.com and the watcher's role use it); null leaves the topic unencrypted."
  default     = null
}

# --- gone ------------------------------------------------------------------------------------------

# Cognito app clients are declared in clients/<env>.json and made by `mtlsctl apply`, so that no
# client secret is in Terraform state. Kept only to stop a plan that still sets it, rather than
# let Terraform warn about an undeclared variable and go on without the clients it names (its own
# validation is its only use, which tflint would otherwise report).
# tflint-ignore: terraform_unused_declarations
variable "clients" {
  type        = any
  description = "Removed: declare the clients in clients/<env>.json (docs/contract.md section 10; docs/operations.md, \"Migrating\"). Must stay unset."
  default     = null

  validation {
    condition     = var.clients == null
    error_message = "clients is no longer a Terraform input: move each client to clients/<env>.json (name, scopes, certificate) and remove clients from the tfvars. The app clients Terraform made are kept, and `mtlsctl apply` adopts them by name (docs/operations.md, \"Migrating\")."
  }
}
