variable "aws_region" {
  type        = string
  description = "AWS region (the one of the ecr stack that holds the function images)."
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every name; the function images are <prefix>-<function> (infra/stacks/ecr with the same prefix)."
}

variable "domain_name" {
  type        = string
  description = "The API's custom domain, in hosted_zone_id."
}

variable "hosted_zone_id" {
  type        = string
  description = "Route 53 hosted zone of domain_name."
}

variable "orders_url" {
  type        = string
  description = "Base URL of the orders service, e.g. https://orders.internal.example.com (publicly reachable from API Gateway; for a private one use a vpc_link integration)."

  validation {
    condition     = can(regex("^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\\s]*)?[^/]$", var.orders_url))
    error_message = "orders_url must be an https:// URL without a trailing slash: the identity headers must not cross the internet in the clear."
  }
}
