# ECR stack: one image repository per function. Applied once per environment before its first
# images arrive: the lambda-build workflow builds and pushes into the build environment's
# repositories (sandbox), the image-promote workflow copies those images by digest into the other
# environments' repositories, and the environment stack deploys from here.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(var.tags, {
      Project     = "aws-api-gateway-mtls"
      Environment = var.environment
      Stack       = "ecr"
      ManagedBy   = "terraform"
    })
  }
}

locals {
  functions = toset(["token", "authorizer", "health", "pre-token", "watcher"])
}

module "repository" {
  source   = "../../modules/ecr_repository"
  for_each = local.functions

  name                        = "${var.name_prefix}-${each.key}"
  keep_images                 = var.keep_images
  kms_key_arn                 = var.kms_key_arn
  lambda_function_name_prefix = "${var.name_prefix}-"
  promotion_account_ids       = var.promotion_account_ids
  force_delete                = var.force_delete
}
