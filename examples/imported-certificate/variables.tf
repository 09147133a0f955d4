variable "aws_region" {
  type        = string
  description = "AWS region of the API (the imported certificate must be in it)."
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every name; the function images are <prefix>-<function> (infra/stacks/ecr with the same prefix)."
}

variable "domain_name" {
  type        = string
  description = "The API's custom domain: the imported certificate's name, in hosted_zone_id."
}

variable "hosted_zone_id" {
  type        = string
  description = "Route 53 hosted zone of domain_name: validates the ownership verification certificate and gets the alias record."
}

variable "imported_certificate_arn" {
  type        = string
  description = "ARN of the server certificate imported into ACM (aws acm import-certificate), for domain_name, in aws_region."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.imported_certificate_arn))
    error_message = "imported_certificate_arn must be an ACM certificate ARN."
  }
}
