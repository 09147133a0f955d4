variable "bucket_name" {
  type        = string
  description = "Name of the truststore bucket (globally unique)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "object_key" {
  type        = string
  description = "Key of the truststore PEM bundle in the bucket."
  default     = "truststore.pem"

  validation {
    condition     = length(var.object_key) > 0 && !startswith(var.object_key, "/")
    error_message = "object_key must be a non-empty key without a leading slash."
  }
}

variable "ssm_parameter_name" {
  type        = string
  description = "SSM SecureString parameter holding the PEM bundle (written by `mtlsctl truststore store`). Exactly one of this and truststore_file."
  default     = null

  validation {
    condition     = (var.ssm_parameter_name == null) != (var.truststore_file == null)
    error_message = "Set exactly one of ssm_parameter_name and truststore_file."
  }
}

variable "truststore_file" {
  type        = string
  description = "Path of a local PEM bundle to upload instead of the SSM parameter."
  default     = null

  validation {
    # `||` does not short-circuit in Terraform: try() keeps a null path from failing fileexists.
    condition     = var.truststore_file == null || try(fileexists(var.truststore_file), false)
    error_message = "truststore_file does not exist (a relative path is relative to the stack directory)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for bucket encryption; null uses SSE-S3 (AES256)."
  default     = null
}

variable "noncurrent_version_days" {
  type        = number
  description = "Days an older truststore version is kept (for rollback) before it expires."
  default     = 90

  validation {
    condition     = var.noncurrent_version_days >= 1
    error_message = "noncurrent_version_days must be at least 1."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Allow terraform destroy to delete the bucket with its object versions."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on the bucket."
  default     = {}
}
