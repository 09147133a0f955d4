output "certificate_arn" {
  description = "ARN of the validated certificate (new or given)."
  value       = local.create ? aws_acm_certificate_validation.this[0].certificate_arn : var.certificate_arn
}
