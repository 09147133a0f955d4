# What an operator of one environment looks at and is woken by: a CloudWatch dashboard and alarms
# to an SNS topic. The metrics are AWS's (AWS/ApiGateway, AWS/Lambda) and the functions' own EMF
# metrics (src/metrics/metrics.hpp names them; tests/infra/observability.test.js checks that every
# metric named here is one of the two). The watcher (daily) measures what is about to expire; its
# alarms read daily periods.

data "aws_region" "current" {}

locals {
  region = data.aws_region.current.region
  # src/metrics/metrics.hpp, kNamespace.
  namespace = "ApiGatewayMtls"
  period    = 300

  authorizer = lookup(var.function_names, "authorizer", null)
  token      = var.function_names["token"]
  watcher    = lookup(var.function_names, "watcher", null)
  functions  = sort(keys(var.function_names))

  # The watcher writes each of its values once per run (daily): a day is its period. Its alarms
  # look at the last two days and treat a day without a value as missing (neither good nor bad),
  # so the hours of a day before its run change nothing; two days without any value make them
  # INSUFFICIENT_DATA, which notifies the topic too: a watcher that stopped running (or a source
  # it can no longer read) does not look healthy. A failing run is its Errors alarm at once.
  watcher_period = 86400

  # One graph per AWS/Lambda metric, a line per function.
  lambda_metrics = {
    Errors    = "Sum"
    Throttles = "Sum"
    Duration  = "p99"
  }
}

# --- where the alarms go ----------------------------------------------------------------------

resource "aws_sns_topic" "alarms" {
  name = "${var.name_prefix}-alarms"
  # Not SNS's AWS managed key (alias/aws/sns): its key policy cannot be changed to let CloudWatch
  # use it, so alarms could not publish. A key of the caller's whose policy allows
  # cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*, or no encryption.
  kms_master_key_id = var.topic_kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# --- dashboard -----------------------------------------------------------------------------------

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${var.name_prefix}-mtls"
  dashboard_body = jsonencode({
    widgets = concat(
      [
        {
          type = "metric", x = 0, y = 0, width = 12, height = 6
          properties = {
            title  = "API requests, 4xx, 5xx"
            region = local.region
            stat   = "Sum"
            period = local.period
            metrics = [
              ["AWS/ApiGateway", "Count", "ApiId", var.api_id],
              ["AWS/ApiGateway", "4xx", "ApiId", var.api_id],
              ["AWS/ApiGateway", "5xx", "ApiId", var.api_id],
            ]
          }
        },
        {
          type = "metric", x = 12, y = 0, width = 12, height = 6
          properties = {
            title  = "API latency"
            region = local.region
            period = local.period
            metrics = [
              ["AWS/ApiGateway", "Latency", "ApiId", var.api_id, { stat = "p50" }],
              ["AWS/ApiGateway", "Latency", "ApiId", var.api_id, { stat = "p99" }],
              ["AWS/ApiGateway", "IntegrationLatency", "ApiId", var.api_id, { stat = "p99" }],
            ]
          }
        },
        {
          type = "metric", x = 0, y = 6, width = 12, height = 6
          properties = {
            title  = "Token requests by outcome"
            region = local.region
            period = local.period
            metrics = [[{
              expression = "SEARCH('{${local.namespace},Function,Outcome} MetricName=\"TokenRequest\" Function=\"${local.token}\"', 'Sum', ${local.period})"
              id         = "outcomes"
            }]]
          }
        },
        {
          type = "metric", x = 12, y = 6, width = 12, height = 6
          properties = {
            title  = "Dependencies: latency p99 (ms) and failures"
            region = local.region
            period = local.period
            metrics = [
              [{ expression = "SEARCH('{${local.namespace},Dependency,Function} MetricName=\"DependencyLatency\"', 'p99', ${local.period})", id = "latency" }],
              [{ expression = "SEARCH('{${local.namespace},Dependency,Function} MetricName=\"DependencyFailure\"', 'Sum', ${local.period})", id = "failures" }],
            ]
          }
        },
        {
          type = "metric", x = 0, y = 12, width = 12, height = 6
          properties = {
            title  = "Cold starts"
            region = local.region
            period = local.period
            metrics = [[{
              expression = "SEARCH('{${local.namespace},Function} MetricName=\"ColdStart\"', 'Sum', ${local.period})"
              id         = "cold"
            }]]
          }
        },
      ],
      local.authorizer == null ? [] : [
        {
          type = "metric", x = 12, y = 12, width = 12, height = 6
          properties = {
            title  = "Authorizer decisions by reason"
            region = local.region
            period = local.period
            metrics = [[{
              expression = "SEARCH('{${local.namespace},Decision,Function,Reason} MetricName=\"AuthorizerDecision\" Function=\"${local.authorizer}\"', 'Sum', ${local.period})"
              id         = "reasons"
            }]]
          }
        },
        {
          type = "metric", x = 0, y = 18, width = 6, height = 6
          properties = {
            title  = "Days to the earliest client certificate expiry (in use)"
            view   = "singleValue"
            region = local.region
            stat   = "Minimum"
            period = 86400
            metrics = [
              [local.namespace, "ClientCertificateDaysToExpiry", "Function", local.authorizer],
            ]
          }
        },
      ],
      [
        for i, m in keys(local.lambda_metrics) : {
          type = "metric", x = 6 * (i + 1), y = 18, width = 6, height = 6
          properties = {
            title   = "Functions: ${m} (${local.lambda_metrics[m]})"
            region  = local.region
            stat    = local.lambda_metrics[m]
            period  = local.period
            metrics = [for f in local.functions : ["AWS/Lambda", m, "FunctionName", var.function_names[f]]]
          }
        }
      ],
      # The watcher's latest values: one a day, so each widget looks two days back.
      local.watcher == null ? [] : [
        {
          type = "metric", x = 0, y = 24, width = 6, height = 6
          properties = {
            title   = "Registry certificates expiring within the warning window"
            view    = "singleValue"
            region  = local.region
            stat    = "Maximum"
            period  = local.watcher_period
            start   = "-P2D"
            metrics = [[local.namespace, "CertificatesExpiringSoon", "Function", local.watcher]]
          }
        },
        {
          type = "metric", x = 6, y = 24, width = 6, height = 6
          properties = {
            title   = "Days to the earliest ACTIVE registry certificate expiry"
            view    = "singleValue"
            region  = local.region
            stat    = "Minimum"
            period  = local.watcher_period
            start   = "-P2D"
            metrics = [[local.namespace, "RegistryCertificateDaysToExpiry", "Function", local.watcher]]
          }
        },
        {
          type = "metric", x = 12, y = 24, width = 6, height = 6
          properties = {
            title   = "Days to the earliest truststore CA expiry"
            view    = "singleValue"
            region  = local.region
            stat    = "Minimum"
            period  = local.watcher_period
            start   = "-P2D"
            metrics = [[local.namespace, "TruststoreCaDaysToExpiry", "Function", local.watcher]]
          }
        },
        {
          type = "metric", x = 18, y = 24, width = 6, height = 6
          properties = {
            title   = "Truststore warnings of the custom domain"
            view    = "singleValue"
            region  = local.region
            stat    = "Maximum"
            period  = local.watcher_period
            start   = "-P2D"
            metrics = [[local.namespace, "TruststoreWarnings", "Function", local.watcher]]
          }
        },
      ],
    )
  })
}

# --- alarms --------------------------------------------------------------------------------------

# 5xx rate: 5xx / Count over 5 minutes, in percent; no requests is not an alarm.
resource "aws_cloudwatch_metric_alarm" "server_errors" {
  alarm_name          = "${var.name_prefix}-api-5xx-rate"
  alarm_description   = "The API answered more than ${var.server_error_rate_percent}% 5xx in 5 minutes (docs/troubleshooting.md, 5xx)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.server_error_rate_percent
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, 100 * errors / requests, 0)"
    label       = "5xx rate (%)"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "5xx"
      dimensions  = { ApiId = var.api_id }
      period      = local.period
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      dimensions  = { ApiId = var.api_id }
      period      = local.period
      stat        = "Sum"
    }
  }
}

# Any function error (an authorizer error is a 500 to the client, not a deny) or throttle.
resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each = var.function_names

  alarm_name          = "${var.name_prefix}-${each.key}-errors"
  alarm_description   = "Function ${each.value} failed invocations in 5 minutes (its log group holds the error)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = local.period
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "function_throttles" {
  for_each = var.function_names

  alarm_name          = "${var.name_prefix}-${each.key}-throttles"
  alarm_description   = "Function ${each.value} was throttled in 5 minutes (account or reserved concurrency exhausted: clients see 500/503)."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = local.period
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "deny_spike" {
  count = local.authorizer == null ? 0 : 1

  alarm_name          = "${var.name_prefix}-authorizer-deny-spike"
  alarm_description   = "The authorizer denied more than ${var.deny_spike_threshold} requests in 5 minutes: the dashboard's decisions by reason say why (docs/troubleshooting.md)."
  namespace           = local.namespace
  metric_name         = "AuthorizerDecision"
  dimensions          = { Function = local.authorizer, Decision = "Deny" }
  statistic           = "Sum"
  period              = local.period
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.deny_spike_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

# The registry (DynamoDB) failing means every request is denied (authorizer) or answered 503
# (token): fail closed, but an operator must know.
resource "aws_cloudwatch_metric_alarm" "registry_failures" {
  for_each = { for k, v in var.function_names : k => v if contains(["token", "authorizer"], k) }

  alarm_name          = "${var.name_prefix}-${each.key}-registry-failures"
  alarm_description   = "Function ${each.value} could not read the certificate registry in 5 minutes (requests denied or 503)."
  namespace           = local.namespace
  metric_name         = "DependencyFailure"
  dimensions          = { Function = each.value, Dependency = "Registry" }
  statistic           = "Sum"
  period              = local.period
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

# A certificate in use expires soon: the Minimum over a day of the days the authorizer saw left.
resource "aws_cloudwatch_metric_alarm" "certificate_expiry" {
  count = local.authorizer == null ? 0 : 1

  alarm_name          = "${var.name_prefix}-client-certificate-expiry"
  alarm_description   = "A client certificate in use expires within ${var.certificate_expiry_days} days: rotate it (docs/operations.md, Client certificates)."
  namespace           = local.namespace
  metric_name         = "ClientCertificateDaysToExpiry"
  dimensions          = { Function = local.authorizer }
  statistic           = "Minimum"
  period              = 86400
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = var.certificate_expiry_days
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

# --- what is about to expire (the watcher) -------------------------------------------------------

# A CA certificate of the truststore expires soon: every client certificate it (or an intermediate
# under it) signed stops working with it. The Minimum of the days the watcher measured.
resource "aws_cloudwatch_metric_alarm" "truststore_ca_expiry" {
  count = local.watcher == null ? 0 : 1

  alarm_name                = "${var.name_prefix}-truststore-ca-expiry"
  alarm_description         = "A CA certificate of the truststore expires within ${var.ca_expiry_alarm_days} days: rotate it (docs/operations.md sections 4.2-4.3). INSUFFICIENT_DATA: the watcher has not read the truststore for two days (its Errors alarm and log say why)."
  namespace                 = local.namespace
  metric_name               = "TruststoreCaDaysToExpiry"
  dimensions                = { Function = local.watcher }
  statistic                 = "Minimum"
  period                    = local.watcher_period
  evaluation_periods        = 2
  datapoints_to_alarm       = 1
  comparison_operator       = "LessThanThreshold"
  threshold                 = var.ca_expiry_alarm_days
  treat_missing_data        = "missing"
  alarm_actions             = [aws_sns_topic.alarms.arn]
  ok_actions                = [aws_sns_topic.alarms.arn]
  insufficient_data_actions = [aws_sns_topic.alarms.arn]
  tags                      = var.tags
}

# API Gateway warns about a certificate of the truststore it cannot use (mutual TLS stays on, but
# that CA's clients are refused): any warning is an alarm.
resource "aws_cloudwatch_metric_alarm" "truststore_warnings" {
  count = local.watcher == null ? 0 : 1

  alarm_name                = "${var.name_prefix}-truststore-warnings"
  alarm_description         = "API Gateway reports truststore warnings for the custom domain: clients of the certificate it names are refused (aws apigatewayv2 get-domain-name, docs/troubleshooting.md). INSUFFICIENT_DATA: the watcher has not read the domain for two days."
  namespace                 = local.namespace
  metric_name               = "TruststoreWarnings"
  dimensions                = { Function = local.watcher }
  statistic                 = "Maximum"
  period                    = local.watcher_period
  evaluation_periods        = 2
  datapoints_to_alarm       = 1
  comparison_operator       = "GreaterThanThreshold"
  threshold                 = 0
  treat_missing_data        = "missing"
  alarm_actions             = [aws_sns_topic.alarms.arn]
  ok_actions                = [aws_sns_topic.alarms.arn]
  insufficient_data_actions = [aws_sns_topic.alarms.arn]
  tags                      = var.tags
}

# Every ACTIVE registered certificate, used or not (the client-certificate-expiry alarm above sees
# only the certificates that make requests): the earliest expiry the watcher found.
resource "aws_cloudwatch_metric_alarm" "registry_certificate_expiry" {
  count = local.watcher == null ? 0 : 1

  alarm_name                = "${var.name_prefix}-registry-certificate-expiry"
  alarm_description         = "An ACTIVE registered client certificate expires within ${var.certificate_expiry_days} days: the watcher's message names it; renew it (docs/operations.md section 4.1). INSUFFICIENT_DATA: the watcher has not read the registry for two days, or no certificate is ACTIVE."
  namespace                 = local.namespace
  metric_name               = "RegistryCertificateDaysToExpiry"
  dimensions                = { Function = local.watcher }
  statistic                 = "Minimum"
  period                    = local.watcher_period
  evaluation_periods        = 2
  datapoints_to_alarm       = 1
  comparison_operator       = "LessThanThreshold"
  threshold                 = var.certificate_expiry_days
  treat_missing_data        = "missing"
  alarm_actions             = [aws_sns_topic.alarms.arn]
  ok_actions                = [aws_sns_topic.alarms.arn]
  insufficient_data_actions = [aws_sns_topic.alarms.arn]
  tags                      = var.tags
}
