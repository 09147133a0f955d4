# ECR stack: one image repository per function. Applied once per environment before the first
# image build (the lambda-build workflow pushes here, the environment stack deploys from here).

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
  functions = toset(["token", "authorizer", "health", "pre-token"])
}

module "repository" {
  source   = "../../modules/ecr_repository"
  for_each = local.functions

  name                        = "${var.name_prefix}-${each.key}"
  keep_images                 = var.keep_images
  kms_key_arn                 = var.kms_key_arn
  lambda_function_name_prefix = "${var.name_prefix}-"
  force_delete                = var.force_delete
}
