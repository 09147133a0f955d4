# One function from a container image, with its own log group and a least-privilege role: write
# its own logs and, only when given a registry table, read it (GetItem; Query on the index only
# when asked), plus only the statements the caller spells out (policy_statements).

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.function_name}-role"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "permissions" {
  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  dynamic "statement" {
    for_each = var.registry_table_arn != null ? [1] : []
    content {
      sid       = "ReadRegistry"
      effect    = "Allow"
      actions   = ["dynamodb:GetItem"]
      resources = [var.registry_table_arn]
    }
  }

  dynamic "statement" {
    for_each = var.registry_table_arn != null && var.registry_index_query ? [1] : []
    content {
      sid       = "QueryRegistryIndex"
      effect    = "Allow"
      actions   = ["dynamodb:Query"]
      resources = ["${var.registry_table_arn}/index/client_id-index"]
    }
  }

  # What the caller grants beyond that, statement by statement (the watcher's, infra/modules/mtls_api).
  dynamic "statement" {
    for_each = var.policy_statements
    content {
      sid       = statement.key
      effect    = "Allow"
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.conditions
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.function_name}-policy"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.permissions.json
}

resource "aws_lambda_function" "this" {
  function_name = var.function_name
  description   = var.description
  role          = aws_iam_role.this.arn
  package_type  = "Image"
  image_uri     = var.image_uri
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout_seconds

  reserved_concurrent_executions = var.reserved_concurrency

  # AWS_REGION and the credentials variables are set by Lambda itself (reserved names).
  environment {
    variables = merge({ LOG_LEVEL = var.log_level }, var.environment)
  }

  # The functions already write one JSON object per line; Text keeps each line as it is.
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this]
}
