# The HTTP API behind a mutual-TLS custom domain. Every route, built in (POST /token, GET /health)
# or a team's own, comes from var.routes, already resolved by mtls_api:
#   authorization "mtls" -> REQUEST Lambda authorizer (payload 2.0, simple responses) -> integration
#   authorization "none" -> integration (still behind the mTLS handshake)
#   integration lambda (AWS_PROXY, payload 2.0), http (HTTP_PROXY) or vpc_link (HTTP_PROXY over a VPC link)
# The default execute-api endpoint is disabled: it does not do mTLS, so leaving it on would let
# a caller skip the client certificate check.

locals {
  lambda_routes = { for k, r in var.routes : k => r if r.integration.type == "lambda" }

  # What an HTTP backend learns about the caller (docs/contract.md section 9): on an mtls route the
  # authorizer's context overwrites any header of these names the client sent; on a none route
  # they are removed. Either way a client cannot hand the backend an identity of its choosing.
  identity_headers = {
    "x-mtls-client-id"       = "client_id"
    "x-mtls-cert-thumbprint" = "cert_thumbprint"
    "x-mtls-scope"           = "scope"
  }
  identity_from_authorizer = { for h, field in local.identity_headers : "overwrite:header.${h}" => "$context.authorizer.${field}" }
  identity_removed         = { for h, field in local.identity_headers : "remove:header.${h}" => "''" }

  # The part of the execute-api ARN that API Gateway invokes a Lambda integration with:
  # <stage>/<METHOD>/<path>, or <stage>/$default. ANY and path variables become "*".
  permission_paths = {
    for k, r in local.lambda_routes : k => k == "$default" ? "*/$default" : format("*/%s%s",
      split(" ", k)[0] == "ANY" ? "*" : split(" ", k)[0],
      replace(split(" ", k)[1], "/\\{[^}]*\\}/", "*"),
    )
  }
}

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
    # authorizerCertThumbprint: the certificate the authorizer admitted, which joins a request to
    # its registry record and to the authorizer's log line (same requestId and cert_thumbprint);
    # docs/troubleshooting.md has the queries.
    format = jsonencode({
      requestId                = "$context.requestId"
      requestTime              = "$context.requestTime"
      sourceIp                 = "$context.identity.sourceIp"
      userAgent                = "$context.identity.userAgent"
      domainName               = "$context.domainName"
      routeKey                 = "$context.routeKey"
      status                   = "$context.status"
      responseLength           = "$context.responseLength"
      responseLatency          = "$context.responseLatency"
      clientCertSubjectDN      = "$context.identity.clientCert.subjectDN"
      clientCertIssuerDN       = "$context.identity.clientCert.issuerDN"
      clientCertSerialNumber   = "$context.identity.clientCert.serialNumber"
      clientCertNotBefore      = "$context.identity.clientCert.validity.notBefore"
      clientCertNotAfter       = "$context.identity.clientCert.validity.notAfter"
      authorizerError          = "$context.authorizer.error"
      authorizerClientId       = "$context.authorizer.client_id"
      authorizerCertThumbprint = "$context.authorizer.cert_thumbprint"
      authorizerReason         = "$context.authorizer.reason"
      errorMessage             = "$context.error.message"
      errorResponseType        = "$context.error.responseType"
      integrationStatus        = "$context.integration.status"
      integrationErrorMessage  = "$context.integrationErrorMessage"
      integrationLatency       = "$context.integration.latency"
    })
  }

  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }

  # Routes with their own throttling (POST /token: token issuance calls Cognito, billed per request).
  dynamic "route_settings" {
    for_each = { for k, r in var.routes : k => r.throttling if r.throttling != null }
    content {
      route_key              = aws_apigatewayv2_route.this[route_settings.key].route_key
      throttling_burst_limit = route_settings.value.burst_limit
      throttling_rate_limit  = route_settings.value.rate_limit
    }
  }

  tags = var.tags
}

# --- routes --------------------------------------------------------------------------------------

resource "aws_apigatewayv2_integration" "route" {
  for_each = var.routes

  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = each.value.integration.type == "lambda" ? "AWS_PROXY" : "HTTP_PROXY"
  integration_uri        = each.value.integration.uri
  integration_method     = each.value.integration.type == "lambda" ? null : "ANY"
  connection_type        = each.value.integration.type == "vpc_link" ? "VPC_LINK" : (each.value.integration.type == "http" ? "INTERNET" : null)
  connection_id          = each.value.integration.type == "vpc_link" ? each.value.integration.vpc_link_id : null
  payload_format_version = each.value.integration.type == "lambda" ? "2.0" : "1.0"
  timeout_milliseconds   = each.value.integration.timeout_ms
  # Lambda backends read the identity from requestContext.authorizer.lambda, which a client cannot
  # set; HTTP backends get it as headers.
  request_parameters = each.value.integration.type == "lambda" ? null : (each.value.authorization == "mtls" ? local.identity_from_authorizer : local.identity_removed)

  dynamic "tls_config" {
    for_each = each.value.integration.tls_server_name == null ? [] : [each.value.integration.tls_server_name]
    content {
      server_name_to_verify = tls_config.value
    }
  }
}

resource "aws_apigatewayv2_authorizer" "this" {
  count = var.authorizer_function == null ? 0 : 1

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

resource "aws_apigatewayv2_route" "this" {
  for_each = var.routes

  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.key
  authorization_type = each.value.authorization == "mtls" ? "CUSTOM" : "NONE"
  authorizer_id      = each.value.authorization == "mtls" ? one(aws_apigatewayv2_authorizer.this[*].id) : null
  target             = "integrations/${aws_apigatewayv2_integration.route[each.key].id}"

  lifecycle {
    precondition {
      condition     = each.value.authorization != "mtls" || var.authorizer_function != null
      error_message = "Route ${each.key} has authorization mtls (the Lambda authorizer), but no authorizer_function was given."
    }
  }
}

# Invoke permissions scoped to this API and to the route's method and path (and, for the
# authorizer, to this authorizer). A new statement id replaces the old one only once it exists.
resource "aws_lambda_permission" "route" {
  for_each = local.lambda_routes

  statement_id  = "AllowApiGateway-${substr(md5("${var.name} ${each.key}"), 0, 20)}"
  action        = "lambda:InvokeFunction"
  function_name = each.value.integration.uri
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/${local.permission_paths[each.key]}"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lambda_permission" "authorizer" {
  count = var.authorizer_function == null ? 0 : 1

  statement_id  = "AllowApiGatewayAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = var.authorizer_function.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.this[0].id}"
}

# Resource addresses before routes became data (wave 1): kept in state, not recreated.
moved {
  from = aws_apigatewayv2_integration.token
  to   = aws_apigatewayv2_integration.route["POST /token"]
}

moved {
  from = aws_apigatewayv2_integration.health
  to   = aws_apigatewayv2_integration.route["GET /health"]
}

moved {
  from = aws_apigatewayv2_route.token
  to   = aws_apigatewayv2_route.this["POST /token"]
}

moved {
  from = aws_apigatewayv2_route.health
  to   = aws_apigatewayv2_route.this["GET /health"]
}

moved {
  from = aws_apigatewayv2_authorizer.this
  to   = aws_apigatewayv2_authorizer.this[0]
}

moved {
  from = aws_lambda_permission.token
  to   = aws_lambda_permission.route["POST /token"]
}

moved {
  from = aws_lambda_permission.health
  to   = aws_lambda_permission.route["GET /health"]
}

moved {
  from = aws_lambda_permission.authorizer
  to   = aws_lambda_permission.authorizer[0]
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
