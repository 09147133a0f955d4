# The OAuth2 side: a user pool with only machine clients (client_credentials), its domain (the
# /oauth2/token endpoint), a resource server holding the API's scopes, and the pre token
# generation trigger that binds tokens to certificates (RFC 8705). The app clients themselves are
# mtlsctl's (clients/<env>.json, `mtlsctl apply`).

locals {
  pre_token_enabled = var.pre_token_function_arn != null
}

resource "aws_cognito_user_pool" "this" {
  name                = var.name
  deletion_protection = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  # Access token customisation for client_credentials (pre token generation V3_0) needs the
  # Essentials (or Plus) feature plan.
  user_pool_tier = "ESSENTIALS"

  # No users sign in here: only administrators could create any.
  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  dynamic "lambda_config" {
    for_each = local.pre_token_enabled ? [1] : []
    content {
      # Cognito stores the trigger in both fields and requires them to agree.
      pre_token_generation = var.pre_token_function_arn
      pre_token_generation_config {
        lambda_arn     = var.pre_token_function_arn
        lambda_version = "V3_0"
      }
    }
  }

  tags = var.tags
}

resource "aws_cognito_user_pool_domain" "this" {
  domain       = var.domain_prefix
  user_pool_id = aws_cognito_user_pool.this.id
}

resource "aws_cognito_resource_server" "this" {
  identifier   = var.resource_server_identifier
  name         = var.resource_server_identifier
  user_pool_id = aws_cognito_user_pool.this.id

  dynamic "scope" {
    for_each = var.scopes
    content {
      scope_name        = scope.key
      scope_description = scope.value
    }
  }
}

# App clients are no longer made here: `mtlsctl apply` makes them from clients/<env>.json, so that
# no client secret ever reaches Terraform state (docs/operations.md). The clients an earlier
# version made stay in Cognito, forgotten by Terraform, and `mtlsctl apply` adopts each one whose
# name the file lists.
removed {
  from = aws_cognito_user_pool_client.this

  lifecycle {
    destroy = false
  }
}

# Cognito invokes the pre token generation function; only this pool may.
resource "aws_lambda_permission" "pre_token" {
  count         = local.pre_token_enabled ? 1 : 0
  statement_id  = "AllowCognitoPreTokenGeneration"
  action        = "lambda:InvokeFunction"
  function_name = var.pre_token_function_name
  principal     = "cognito-idp.amazonaws.com"
  source_arn    = aws_cognito_user_pool.this.arn
}

data "aws_region" "current" {}
