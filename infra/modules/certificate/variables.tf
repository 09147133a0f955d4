variable "domain_name" {
  type        = string
  description = "The API's custom domain, e.g. api.sandbox.example.com."

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lowercase fully qualified domain name."
  }
}

variable "certificate_arn" {
  type        = string
  description = "An existing ACM certificate for domain_name in the API's region; null requests a new one validated through hosted_zone_id."
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN or null."
  }
}

variable "hosted_zone_id" {
  type        = string
  description = "Route 53 hosted zone for DNS validation; required when certificate_arn is null."
  default     = null

  validation {
    condition     = var.certificate_arn != null || var.hosted_zone_id != null
    error_message = "Give either certificate_arn or hosted_zone_id (to validate a new certificate)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on the certificate."
  default     = {}
}
