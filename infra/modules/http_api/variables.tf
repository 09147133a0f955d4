variable "name" {
  type        = string
  description = "API name (also prefixes the authorizer and the access log group)."

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 128
    error_message = "name must be 1-128 characters."
  }
}

variable "domain_name" {
  type        = string
  description = "Custom domain serving the API with mutual TLS."

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lowercase fully qualified domain name."
  }
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate for domain_name, in the API's region."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "certificate_type" {
  type        = string
  description = "Type of certificate_arn's certificate in ACM: AMAZON_ISSUED (public ACM), IMPORTED or PRIVATE (AWS Private CA). The last two need ownership_verification_certificate_arn."
  default     = "AMAZON_ISSUED"

  validation {
    condition     = contains(["AMAZON_ISSUED", "IMPORTED", "PRIVATE"], var.certificate_type)
    error_message = "certificate_type must be AMAZON_ISSUED, IMPORTED or PRIVATE."
  }
}

variable "ownership_verification_certificate_arn" {
  type        = string
  description = "Public ACM certificate for domain_name that proves ownership when certificate_arn is IMPORTED or PRIVATE (required by API Gateway with mutual TLS); null otherwise."
  default     = null

  validation {
    condition     = var.ownership_verification_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:", var.ownership_verification_certificate_arn))
    error_message = "ownership_verification_certificate_arn must be an ACM certificate ARN or null."
  }
}

variable "hosted_zone_id" {
  type        = string
  description = "Route 53 hosted zone for the alias record; null skips the record (DNS managed elsewhere)."
  default     = null
}

variable "truststore_uri" {
  type        = string
  description = "s3:// URI of the truststore PEM bundle."

  validation {
    condition     = startswith(var.truststore_uri, "s3://")
    error_message = "truststore_uri must start with s3://."
  }
}

variable "truststore_version" {
  type        = string
  description = "S3 object version of the truststore; a new version redeploys the domain."

  validation {
    condition     = length(var.truststore_version) > 0
    error_message = "truststore_version must not be empty (is versioning on for the bucket?)."
  }
}

variable "routes" {
  type = map(object({
    integration = object({
      type            = string
      uri             = string
      vpc_link_id     = optional(string)
      tls_server_name = optional(string)
      timeout_ms      = optional(number)
    })
    authorization = string
    throttling = optional(object({
      burst_limit = number
      rate_limit  = number
    }))
  }))
  description = "Every route of the API by route key, as mtls_api resolves them: integration type lambda (uri: function ARN), http (uri: URL) or vpc_link (uri: listener or Cloud Map service ARN, with vpc_link_id); authorization mtls (the authorizer) or none; optional throttling and integration timeout. User-facing validation is in mtls_api's routes variable."

  validation {
    condition     = alltrue([for r in values(var.routes) : contains(["lambda", "http", "vpc_link"], r.integration.type) && contains(["mtls", "none"], r.authorization)])
    error_message = "Each route's integration type must be lambda, http or vpc_link, and its authorization mtls or none."
  }
}

variable "authorizer_function" {
  type = object({
    function_name = string
    invoke_arn    = string
  })
  description = "The Lambda authorizer function of the mtls routes; null when no route uses it."
  default     = null
}

variable "authorizer_cache_ttl_seconds" {
  type        = number
  description = "Authorizer result cache TTL. Keep 0: the cache is keyed on the Authorization header only, so a cached allow would also admit the same token presented with a different client certificate, and a cached allow outlives a revocation in the registry by up to this TTL."
  default     = 0

  validation {
    condition     = var.authorizer_cache_ttl_seconds >= 0 && var.authorizer_cache_ttl_seconds <= 3600
    error_message = "authorizer_cache_ttl_seconds must be between 0 and 3600."
  }
}

variable "throttling_burst_limit" {
  type        = number
  description = "Default route burst limit (requests)."
  default     = 100

  validation {
    condition     = var.throttling_burst_limit >= 1
    error_message = "throttling_burst_limit must be at least 1."
  }
}

variable "throttling_rate_limit" {
  type        = number
  description = "Default route steady-state rate limit (requests per second)."
  default     = 50

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be positive."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the access log group in days."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts."
  }
}

variable "log_kms_key_arn" {
  type        = string
  description = "KMS key for the access log group; null uses CloudWatch Logs' own encryption."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Extra tags."
  default     = {}
}
