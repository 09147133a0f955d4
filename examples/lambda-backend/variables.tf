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
  description = "Route 53 hosted zone of domain_name (the certificate is requested and validated there, and the alias record made)."
}
