variable "aws_region" {
  type        = string
  description = "AWS region of the repositories (the same as the environment stack's)."

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
  description = "Prefix of every name, e.g. mtls-sandbox; repositories are <prefix>-<function>."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name_prefix))
    error_message = "name_prefix must be 3-31 lowercase letters, digits or hyphens."
  }
}

variable "keep_images" {
  type        = number
  description = "Images kept per repository by the lifecycle policy besides the ones an environment runs (tagged deployed-<env>, never expired)."
  default     = 20

  validation {
    condition     = var.keep_images >= 1 && var.keep_images <= 1000
    error_message = "keep_images must be between 1 and 1000."
  }
}

variable "promotion_account_ids" {
  type        = list(string)
  description = "Accounts of the environments promoted from this one (e.g. prod's account in sandbox's ecr stack): they may pull these images to copy them by digest."
  default     = []

  validation {
    condition     = alltrue([for id in var.promotion_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "promotion_account_ids must be 12-digit AWS account ids."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for image encryption; null uses AES256."
  default     = null
}

variable "force_delete" {
  type        = bool
  description = "Let terraform destroy delete repositories that still hold images."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Extra default tags on every resource."
  default     = {}
}
