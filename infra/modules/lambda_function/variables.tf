variable "function_name" {
  type        = string
  description = "Lambda function name."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,59}$", var.function_name))
    error_message = "function_name must be 1-59 letters, digits, _ or - (the role name adds a suffix)."
  }
}

variable "description" {
  type        = string
  description = "Function description."
  default     = ""
}

variable "image_uri" {
  type        = string
  description = "Container image URI with tag, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/mtls-sandbox-token:<sha>."

  validation {
    condition     = can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[^:@]+[:@].+$", var.image_uri))
    error_message = "image_uri must be an ECR image URI with a tag or digest."
  }
}

variable "architecture" {
  type        = string
  description = "Instruction set of the function and its image: arm64 (Graviton, about 20% less per GB-second) or x86_64. The image must be built for it (docs/deploy.md)."
  default     = "arm64"
  nullable    = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  type        = number
  description = "Memory in MB (128-256 is plenty for these C++ functions)."
  default     = 128

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 256
    error_message = "memory_size must be between 128 and 256 MB."
  }
}

variable "timeout_seconds" {
  type        = number
  description = "Function timeout in seconds (Lambda allows up to 900). A function behind an HTTP API gains nothing beyond 30 s, the longest API Gateway waits for an integration: mtls_api holds its API functions to that (function_timeout_seconds)."
  default     = 10

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "timeout_seconds must be a whole number of seconds between 1 and 900 (Lambda's limit)."
  }
}

variable "reserved_concurrency" {
  type        = number
  description = "Reserved concurrent executions; -1 leaves the function unreserved."
  default     = -1

  validation {
    condition     = var.reserved_concurrency >= -1
    error_message = "reserved_concurrency must be -1 or more."
  }
}

variable "environment" {
  type        = map(string)
  description = "Environment variables (docs/contract.md section 5); LOG_LEVEL is added from log_level."
  default     = {}

  validation {
    condition = alltrue([for k in keys(var.environment) : !contains(
      ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API"], k)])
    error_message = "environment must not set variables that Lambda reserves (AWS_REGION, credentials, AWS_LAMBDA_RUNTIME_API)."
  }
}

variable "log_level" {
  type        = string
  description = "LOG_LEVEL of the function."
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the function's log group in days."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts."
  }
}

variable "log_kms_key_arn" {
  type        = string
  description = "KMS key for the log group; null uses CloudWatch Logs' own encryption."
  default     = null
}

variable "registry_table_arn" {
  type        = string
  description = "ARN of the certificate registry table the function reads (dynamodb:GetItem); null for a function that does not read it (no grant at all)."
  default     = null

  validation {
    condition     = var.registry_table_arn == null || can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/.+$", var.registry_table_arn))
    error_message = "registry_table_arn must be a DynamoDB table ARN or null."
  }
}

variable "registry_index_query" {
  type        = bool
  description = "Also allow dynamodb:Query on client_id-index of registry_table_arn (none of the current functions needs it)."
  default     = false
}

variable "policy_statements" {
  type = map(object({
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  description = "Further Allow statements of the execution role, by statement id (letters and digits), for a function that needs more than its log group and the registry read above (the watcher: dynamodb:Scan, s3:GetObject, apigateway:GET, sns:Publish). Each names its actions and resources exactly: no wildcard in an action, no \"*\" resource; conditions are IAM condition blocks (test, variable, values)."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for sid in keys(var.policy_statements) : can(regex("^[A-Za-z0-9]{1,64}$", sid))])
    error_message = "policy_statements keys are statement ids: 1-64 letters and digits."
  }

  validation {
    condition = alltrue([for s in values(var.policy_statements) : length(s.actions) > 0 && alltrue([
      for a in s.actions : can(regex("^[a-z0-9-]+:[A-Za-z0-9]+$", a))
    ])])
    error_message = "Every policy_statements entry names at least one action, each service:Action without a wildcard."
  }

  validation {
    condition = alltrue([for s in values(var.policy_statements) : length(s.resources) > 0 && alltrue([
      for r in s.resources : can(regex("^arn:", r))
    ])])
    error_message = "Every policy_statements entry names at least one resource, each an ARN (never \"*\")."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on the function, role and log group."
  default     = {}
}
