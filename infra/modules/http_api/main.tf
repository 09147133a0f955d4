# The HTTP API behind a mutual-TLS custom domain:
#   POST /token  -> token function (no authorizer: the function checks certificate and client)
#   GET  /health -> REQUEST Lambda authorizer (payload 2.0, simple responses) -> health function
# The default execute-api endpoint is disabled: it does not do mTLS, so leaving it on would let
# a caller skip the client certificate check.

resource "aws_apigatewayv2_api" "this" {
  name                         = var.name
  protocol_type                = "HTTP"
  disable_execute_api_endpoint = true
  tags                         = var.tags
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId               = "$context.requestId"
      requestTime             = "$context.requestTime"
      sourceIp                = "$context.identity.sourceIp"
      userAgent               = "$context.identity.userAgent"
      domainName              = "$context.domainName"
      routeKey                = "$context.routeKey"
      status                  = "$context.status"
      responseLength          = "$context.responseLength"
      responseLatency         = "$context.responseLatency"
      clientCertSubjectDN     = "$context.identity.clientCert.subjectDN"
      clientCertIssuerDN      = "$context.identity.clientCert.issuerDN"
      clientCertSerialNumber  = "$context.identity.clientCert.serialNumber"
      clientCertNotBefore     = "$context.identity.clientCert.validity.notBefore"
      clientCertNotAfter      = "$context.identity.clientCert.validity.notAfter"
      authorizerError         = "$context.authorizer.error"
      authorizerClientId      = "$context.authorizer.client_id"
      errorMessage            = "$context.error.message"
      errorResponseType       = "$context.error.responseType"
      integrationStatus       = "$context.integration.status"
      integrationErrorMessage = "$context.integrationErrorMessage"
      integrationLatency      = "$context.integration.latency"
    })
  }

  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }

  # Token issuance calls Cognito (billed per request): throttle it harder than the default.
  route_settings {
    route_key              = aws_apigatewayv2_route.token.route_key
    throttling_burst_limit = var.token_throttling_burst_limit
    throttling_rate_limit  = var.token_throttling_rate_limit
  }

  tags = var.tags
}

# --- functions ---------------------------------------------------------------------------------

resource "aws_apigatewayv2_integration" "token" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_uri        = var.token_function.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = var.integration_timeout_ms
}

resource "aws_apigatewayv2_integration" "health" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_uri        = var.health_function.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = var.integration_timeout_ms
}

resource "aws_apigatewayv2_authorizer" "this" {
  api_id                            = aws_apigatewayv2_api.this.id
  name                              = "${var.name}-authorizer"
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = var.authorizer_function.invoke_arn
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  identity_sources                  = ["$request.header.Authorization"]
  # Caching is OFF by default. API Gateway keys the cache on the identity sources only, i.e. on
  # the Authorization header: with a TTL, a request carrying the same token but a DIFFERENT
  # client certificate would reuse the cached "allow" and skip the certificate checks.
  authorizer_result_ttl_in_seconds = var.authorizer_cache_ttl_seconds
}

resource "aws_apigatewayv2_route" "token" {
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = "POST /token"
  authorization_type = "NONE"
  target             = "integrations/${aws_apigatewayv2_integration.token.id}"
}

resource "aws_apigatewayv2_route" "health" {
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = "GET /health"
  authorization_type = "CUSTOM"
  authorizer_id      = aws_apigatewayv2_authorizer.this.id
  target             = "integrations/${aws_apigatewayv2_integration.health.id}"
}

# Invoke permissions scoped to this API (and, for the authorizer, to this authorizer).
resource "aws_lambda_permission" "token" {
  statement_id  = "AllowApiGatewayToken"
  action        = "lambda:InvokeFunction"
  function_name = var.token_function.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*/POST/token"
}

resource "aws_lambda_permission" "health" {
  statement_id  = "AllowApiGatewayHealth"
  action        = "lambda:InvokeFunction"
  function_name = var.health_function.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*/GET/health"
}

resource "aws_lambda_permission" "authorizer" {
  statement_id  = "AllowApiGatewayAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = var.authorizer_function.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.this.id}"
}

# --- custom domain with mutual TLS -----------------------------------------------------------

resource "aws_apigatewayv2_domain_name" "this" {
  domain_name = var.domain_name

  domain_name_configuration {
    certificate_arn = var.certificate_arn
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
    # Only for an imported or Private CA certificate: with mutual TLS, API Gateway then wants a
    # public ACM certificate for the same domain as proof of ownership (never used in handshakes).
    ownership_verification_certificate_arn = var.ownership_verification_certificate_arn
  }

  # A new truststore object version changes truststore_version, which makes API Gateway reload it.
  mutual_tls_authentication {
    truststore_uri     = var.truststore_uri
    truststore_version = var.truststore_version
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.certificate_type == "AMAZON_ISSUED" || var.ownership_verification_certificate_arn != null
      error_message = "The domain's certificate is ${var.certificate_type}: with mutual TLS, API Gateway accepts an imported or AWS Private CA certificate only together with ownership_verification_certificate_arn, a public ACM certificate (validated, status ISSUED) for ${var.domain_name}. Request one (aws acm request-certificate --domain-name ${var.domain_name} --validation-method DNS), validate it, and set its ARN."
    }
    precondition {
      condition     = var.certificate_type != "AMAZON_ISSUED" || var.ownership_verification_certificate_arn == null
      error_message = "ownership_verification_certificate_arn is only for an IMPORTED or PRIVATE certificate; a public ACM certificate (AMAZON_ISSUED) proves ownership itself. Remove it, or set certificate_type."
    }
    precondition {
      condition     = var.ownership_verification_certificate_arn != var.certificate_arn
      error_message = "ownership_verification_certificate_arn must be a public ACM certificate other than the imported or private one it vouches for."
    }
  }
}

resource "aws_apigatewayv2_api_mapping" "this" {
  api_id      = aws_apigatewayv2_api.this.id
  domain_name = aws_apigatewayv2_domain_name.this.id
  stage       = aws_apigatewayv2_stage.default.id
}

resource "aws_route53_record" "alias" {
  count   = var.hosted_zone_id == null ? 0 : 1
  zone_id = var.hosted_zone_id
  name    = aws_apigatewayv2_domain_name.this.domain_name
  type    = "A"

  alias {
    name                   = aws_apigatewayv2_domain_name.this.domain_name_configuration[0].target_domain_name
    zone_id                = aws_apigatewayv2_domain_name.this.domain_name_configuration[0].hosted_zone_id
    evaluate_target_health = false
  }
}
