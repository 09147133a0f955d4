output "dashboard_name" {
  description = "CloudWatch dashboard of the environment."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "topic_arn" {
  description = "SNS topic every alarm notifies (subscribe chat or paging endpoints of your own to it)."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Name of every alarm."
  value = concat(
    [aws_cloudwatch_metric_alarm.server_errors.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.function_errors : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.function_throttles : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.deny_spike : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.registry_failures : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.certificate_expiry : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.truststore_ca_expiry : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.truststore_warnings : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.registry_certificate_expiry : a.alarm_name],
  )
}
