variable "name" {
  type        = string
  description = "Repository name, e.g. mtls-sandbox-token."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._/-]{1,255}$", var.name))
    error_message = "name must be a valid ECR repository name (lowercase letters, digits, . _ - /)."
  }
}

variable "keep_images" {
  type        = number
  description = "How many images the lifecycle policy keeps besides the ones an environment runs (tagged deployed-<env>, never expired); older ones expire."
  default     = 20

  validation {
    condition     = var.keep_images >= 1 && var.keep_images <= 1000 && floor(var.keep_images) == var.keep_images
    error_message = "keep_images must be a whole number from 1 to 1000."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for image encryption; null uses AES256 (S3-managed keys)."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "lambda_function_name_prefix" {
  type        = string
  description = "Only Lambda functions of this account whose names start with this prefix may pull the images."

  validation {
    condition     = length(var.lambda_function_name_prefix) >= 3
    error_message = "lambda_function_name_prefix must have at least 3 characters (it scopes the pull permission)."
  }
}

variable "promotion_account_ids" {
  type        = list(string)
  description = "AWS accounts whose environments receive this repository's images by promotion (image-promote workflow): they may read and pull its images. Empty: no one outside this account."
  default     = []

  validation {
    condition     = alltrue([for id in var.promotion_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "promotion_account_ids must be 12-digit AWS account ids."
  }
}

variable "force_delete" {
  type        = bool
  description = "Allow terraform destroy to delete the repository while it still holds images."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on the repository (the provider's default tags apply too)."
  default     = {}
}
