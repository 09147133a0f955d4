# --- where and what ------------------------------------------------------------------------------

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

variable "name_prefix" {
  type        = string
  description = "Prefix of every name, e.g. mtls-sandbox; must match the ecr stack's."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name_prefix))
    error_message = "name_prefix must be 3-31 lowercase letters, digits or hyphens."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra default tags on every resource."
  default     = {}
}

# --- custom domain -------------------------------------------------------------------------------

variable "domain_name" {
  type        = string
  description = "The API's custom domain (clients connect here with their certificate)."

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lowercase fully qualified domain name."
  }
}

variable "hosted_zone_id" {
  type        = string
  description = "Route 53 hosted zone of domain_name: validates a new certificate and gets the alias record. Null: DNS is managed elsewhere and certificate_arn is required."
  default     = null

  validation {
    condition     = var.hosted_zone_id == null || can(regex("^Z[A-Z0-9]{1,31}$", var.hosted_zone_id))
    error_message = "hosted_zone_id must be a Route 53 hosted zone id (Z...)."
  }
}

variable "certificate_arn" {
  type        = string
  description = "Existing ACM certificate for domain_name in aws_region; null requests one (needs hosted_zone_id)."
  default     = null

  validation {
    condition     = var.certificate_arn != null || var.hosted_zone_id != null
    error_message = "Give certificate_arn, or hosted_zone_id so that a certificate can be requested and validated."
  }
}

variable "certificate_type" {
  type        = string
  description = "How certificate_arn's certificate came into ACM (its Type in `aws acm describe-certificate`): AMAZON_ISSUED (a public ACM certificate, also what this stack requests), IMPORTED, or PRIVATE (issued by AWS Private CA). IMPORTED and PRIVATE need ownership_verification_certificate_arn."
  default     = "AMAZON_ISSUED"

  validation {
    condition     = contains(["AMAZON_ISSUED", "IMPORTED", "PRIVATE"], var.certificate_type)
    error_message = "certificate_type must be AMAZON_ISSUED, IMPORTED or PRIVATE."
  }

  validation {
    condition     = var.certificate_type == "AMAZON_ISSUED" || var.certificate_arn != null
    error_message = "An IMPORTED or PRIVATE certificate is given with certificate_arn: the stack can only request a public (AMAZON_ISSUED) one."
  }
}

variable "ownership_verification_certificate_arn" {
  type        = string
  description = "With mutual TLS, API Gateway accepts an imported or Private CA server certificate only with a public ACM certificate (AMAZON_ISSUED, ISSUED) for the same domain that proves you own it; it is not used in the TLS handshake. Required when certificate_type is IMPORTED or PRIVATE, unused otherwise."
  default     = null

  validation {
    condition     = var.ownership_verification_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.ownership_verification_certificate_arn))
    error_message = "ownership_verification_certificate_arn must be an ACM certificate ARN or null."
  }
}

# --- truststore ----------------------------------------------------------------------------------

variable "truststore_parameter_name" {
  type        = string
  description = "SSM SecureString holding the truststore PEM bundle (`mtlsctl truststore store`); null means /<name_prefix>/truststore. Ignored when truststore_file is set."
  default     = null
}

variable "truststore_file" {
  type        = string
  description = "Local PEM bundle to upload instead of reading the SSM parameter."
  default     = null
}

variable "truststore_bucket_name" {
  type        = string
  description = "Truststore bucket name; null means <name_prefix>-truststore-<account id>."
  default     = null
}

# --- images and functions ----------------------------------------------------------------------

variable "image_tag" {
  type        = string
  description = "Image tag (commit) to deploy for every function, resolved to its digest; null reads /<name_prefix>/lambda/image-tag, which the lambda-build (sandbox) or image-promote (other environments) workflow writes."
  default     = null

  validation {
    condition     = var.image_tag == null || can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a valid image tag."
  }
}

variable "function_memory_mb" {
  type        = number
  description = "Memory of each function in MB."
  default     = 128

  validation {
    condition     = var.function_memory_mb >= 128 && var.function_memory_mb <= 256
    error_message = "function_memory_mb must be between 128 and 256."
  }
}

variable "function_timeout_seconds" {
  type        = number
  description = "Timeout of the token function, and the API's integration timeout (API Gateway waits this long for it); the authorizer gets at most 10 s, API Gateway's limit for a Lambda authorizer."
  default     = 10

  validation {
    condition     = var.function_timeout_seconds >= 3 && var.function_timeout_seconds * 1000 <= 30000
    error_message = "function_timeout_seconds must be between 3 and 30: an HTTP API waits at most 30 000 ms for an integration."
  }
}

variable "log_level" {
  type        = string
  description = "LOG_LEVEL of every function."
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the function and access log groups in days."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts."
  }
}

variable "registry_cache_ttl_seconds" {
  type        = number
  description = "Authorizer REGISTRY_CACHE_TTL_SECONDS (0 disables its registry cache)."
  default     = 30

  validation {
    condition     = var.registry_cache_ttl_seconds >= 0 && var.registry_cache_ttl_seconds <= 300
    error_message = "registry_cache_ttl_seconds must be between 0 and 300."
  }
}

variable "clock_skew_seconds" {
  type        = number
  description = "Authorizer CLOCK_SKEW_SECONDS for token time claims."
  default     = 0

  validation {
    condition     = var.clock_skew_seconds >= 0 && var.clock_skew_seconds <= 300
    error_message = "clock_skew_seconds must be between 0 and 300."
  }
}

# --- Cognito -------------------------------------------------------------------------------------

variable "cognito_domain_prefix" {
  type        = string
  description = "Cognito domain prefix; null means <name_prefix>-<account id>."
  default     = null
}

variable "resource_server_identifier" {
  type        = string
  description = "Cognito resource server identifier (scope prefix)."
  default     = "mtls-api"
}

variable "scopes" {
  type        = map(string)
  description = "The API's scopes: name => description."
  default     = { "health.read" = "Read the health endpoint" }
}

variable "health_scope" {
  type        = string
  description = "Scope (name from var.scopes) that GET /health requires."
  default     = "health.read"

  validation {
    condition     = contains(keys(var.scopes), var.health_scope)
    error_message = "health_scope must be one of the names in var.scopes."
  }
}

variable "clients" {
  type = map(object({
    scopes                        = list(string)
    access_token_validity_minutes = optional(number, 60)
  }))
  description = "Cognito app clients: name => scopes and access token validity. Register their certificates with `mtlsctl client register`."
  default     = {}
}

variable "cert_bound_tokens" {
  type        = bool
  description = "Bind access tokens to the client certificate (RFC 8705): attaches the pre-token trigger, sets CERT_BOUND_TOKENS on the token function and REQUIRE_CERT_BOUND_TOKEN on the authorizer."
  default     = true
}

variable "user_pool_deletion_protection" {
  type        = bool
  description = "Cognito user pool deletion protection (keep true in prod)."
  default     = true
}

# --- data and API ----------------------------------------------------------------------------------

variable "table_deletion_protection" {
  type        = bool
  description = "DynamoDB deletion protection of the registry table."
  default     = true
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy empty the truststore bucket (throw-away environments only)."
  default     = false
}

variable "authorizer_cache_ttl_seconds" {
  type        = number
  description = "API Gateway authorizer result cache TTL; keep 0 (a cache keyed on the token alone would let another certificate reuse a decision, and a cached allow outlives a revocation by up to the TTL)."
  default     = 0

  validation {
    condition     = var.authorizer_cache_ttl_seconds >= 0 && var.authorizer_cache_ttl_seconds <= 3600
    error_message = "authorizer_cache_ttl_seconds must be between 0 and 3600."
  }
}

variable "throttling_burst_limit" {
  type        = number
  description = "Default route burst limit."
  default     = 100
}

variable "throttling_rate_limit" {
  type        = number
  description = "Default route rate limit (requests per second)."
  default     = 50
}

variable "token_throttling_burst_limit" {
  type        = number
  description = "POST /token burst limit."
  default     = 20
}

variable "token_throttling_rate_limit" {
  type        = number
  description = "POST /token rate limit (requests per second)."
  default     = 10
}
