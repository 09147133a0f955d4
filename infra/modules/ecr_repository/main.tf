# One private ECR repository for one function's container image.

locals {
  # The tag the deploy workflow moves to the image each environment runs (deployed-<env>). It is
  # the one mutable tag: commit tags stay immutable, so a commit always names the same image.
  deployed_tag_pattern = "deployed-*"
}

resource "aws_ecr_repository" "this" {
  name = var.name
  # Immutable tags (the commit SHA always names the same image) except deployed-<env>, which the
  # deploy workflow moves to the image the environment now runs.
  image_tag_mutability = "IMMUTABLE_WITH_EXCLUSION"
  force_delete         = var.force_delete

  image_tag_mutability_exclusion_filter {
    filter      = local.deployed_tag_pattern
    filter_type = "WILDCARD"
  }

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = var.kms_key_arn == null ? "AES256" : "KMS"
    kms_key         = var.kms_key_arn
  }

  tags = var.tags
}

# ECR has no "keep" action: rule 1 selects the images tagged deployed-<env> (and would expire them
# only beyond 9999 of them), and an image that matches the tag selection of a rule cannot be expired
# by a rule of lower priority (a higher rulePriority number). So "keep the last N" (rule 3) counts
# the running images but can never expire one, however many images are pushed without a deploy.
# The rules are in lifecycle-policy.json.tftpl, which tests/infra/lifecycle.test.js evaluates.
resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = templatefile("${path.module}/lifecycle-policy.json.tftpl", {
    deployed_tag_pattern = local.deployed_tag_pattern
    deployed_keep        = 9999
    keep_images          = var.keep_images
  })
}

# Lambda pulls container images with its service principal. Allowing it here, limited to this
# account's functions whose names start with the given prefix, means the deploying role needs no
# ecr:SetRepositoryPolicy at function creation time.
data "aws_iam_policy_document" "lambda_pull" {
  statement {
    sid     = "LambdaImagePull"
    effect  = "Allow"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "aws:sourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:function:${var.lambda_function_name_prefix}*"]
    }
  }

  # Promotion (image-promote workflow): the accounts of the environments that receive this
  # repository's images copy them by digest, so they run exactly what this environment ran.
  dynamic "statement" {
    for_each = length(var.promotion_account_ids) > 0 ? [1] : []
    content {
      sid     = "PromotionPull"
      effect  = "Allow"
      actions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer"]

      principals {
        type        = "AWS"
        identifiers = [for id in var.promotion_account_ids : "arn:${data.aws_partition.current.partition}:iam::${id}:root"]
      }
    }
  }
}

resource "aws_ecr_repository_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy     = data.aws_iam_policy_document.lambda_pull.json
}

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
