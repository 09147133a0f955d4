variable "name" {
  type        = string
  description = "Table name (the functions' CERT_TABLE_NAME)."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.name))
    error_message = "name must be 3-255 characters of letters, digits, _ . -."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "DynamoDB deletion protection; keep true outside throw-away environments."
  default     = true
}

variable "ttl_attribute" {
  type        = string
  description = "Attribute (Number, epoch seconds) whose time makes DynamoDB expire a record."
  default     = "expires_at"

  validation {
    condition     = length(var.ttl_attribute) > 0 && !contains(["thumbprint", "client_id"], var.ttl_attribute)
    error_message = "ttl_attribute must be a non-empty attribute name other than the keys."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "Customer managed KMS key for encryption at rest; null uses the AWS managed key."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on the table."
  default     = {}
}
