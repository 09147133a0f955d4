# Your own Lambda function behind the mTLS gateway: GET /orders and POST /orders go to the orders
# function once the authorizer has checked the client certificate and a token with the route's
# scope. The module creates the routes, their integrations, the function's invoke permissions and
# the scopes in Cognito.

provider "aws" {
  region = var.aws_region
}

# --- the backend: a function of your own -------------------------------------------------------

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

resource "aws_iam_role" "orders" {
  name               = "${var.name_prefix}-orders-role"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_cloudwatch_log_group" "orders" {
  name              = "/aws/lambda/${var.name_prefix}-orders"
  retention_in_days = 30
}

data "aws_iam_policy_document" "orders" {
  statement {
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.orders.arn}:*"]
  }
}

resource "aws_iam_role_policy" "orders" {
  name   = "logs"
  role   = aws_iam_role.orders.id
  policy = data.aws_iam_policy_document.orders.json
}

# orders.zip holds function/index.js: (cd function && zip ../orders.zip index.js)
resource "aws_lambda_function" "orders" {
  function_name    = "${var.name_prefix}-orders"
  role             = aws_iam_role.orders.arn
  runtime          = "nodejs22.x"
  handler          = "index.handler"
  filename         = "${path.module}/orders.zip"
  source_code_hash = filebase64sha256("${path.module}/orders.zip")

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.orders.name
  }

  depends_on = [aws_iam_role_policy.orders]
}

# --- the gateway -------------------------------------------------------------------------------

module "mtls_api" {
  source = "../../infra/modules/mtls_api"

  name_prefix    = var.name_prefix
  domain_name    = var.domain_name
  hosted_zone_id = var.hosted_zone_id

  scopes = {
    "orders.read"  = "Read orders"
    "orders.write" = "Create orders"
  }

  routes = {
    "GET /orders" = {
      integration = { type = "lambda", function_arn = aws_lambda_function.orders.arn }
      scopes      = ["orders.read"]
    }
    "POST /orders" = {
      integration = { type = "lambda", function_arn = aws_lambda_function.orders.arn, timeout_ms = 10000 }
      scopes      = ["orders.write"]
      throttling  = { burst_limit = 20, rate_limit = 10 }
    }
  }

  # Clients (with the scope orders.read) are declared in clients/<env>.json and made by
  # `mtlsctl apply`, so their secrets never reach Terraform state (docs/operations.md).
}
