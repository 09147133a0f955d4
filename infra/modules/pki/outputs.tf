output "kms_key_arn" {
  description = "ARN of the PKI's KMS key (MTLSCTL_KMS_KEY_ID: every SecureString mtlsctl writes is encrypted with it)."
  value       = aws_kms_key.this.arn
}

output "kms_key_id" {
  description = "Id of the PKI's KMS key."
  value       = aws_kms_key.this.key_id
}

output "kms_alias_name" {
  description = "Alias of the PKI's KMS key (alias/<prefix>-pki)."
  value       = aws_kms_alias.this.name
}

output "pki_parameter_path" {
  description = "SSM path of the CA (/<prefix>/pki): root-ca.pem, intermediate-ca.pem and .key, ...; `--store ssm:<path>` for mtlsctl."
  value       = local.pki_path
}

output "clients_parameter_path" {
  description = "SSM path of the clients' material (/<prefix>/clients/<name>/...), what `mtlsctl cert fetch` reads."
  value       = local.clients_path
}

output "settings_parameter_name" {
  description = "SSM String parameter holding mtlsctl_env as JSON (the PKI workflows read it)."
  value       = aws_ssm_parameter.settings.name
}

output "mtlsctl_env" {
  description = "mtlsctl's settings for this environment, by environment variable (export them, docs/operations.md section 0)."
  value       = merge(local.mtlsctl_settings, { AWS_REGION = local.region })
}

output "key_policy_json" {
  description = "The key policy (who may use the key for what)."
  value       = data.aws_iam_policy_document.key.json
}

output "ca_operator_policy_arn" {
  description = "Managed policy of the CA-operator role (attached to operator_role_arns)."
  value       = aws_iam_policy.ca_operator.arn
}

output "ca_operator_policy_json" {
  description = "The CA-operator policy document."
  value       = data.aws_iam_policy_document.ca_operator.json
}

output "planner_policy_arn" {
  description = "Managed policy of the read-only planner role (attached to planner_role_arns)."
  value       = aws_iam_policy.planner.arn
}

output "planner_policy_json" {
  description = "The planner policy document."
  value       = data.aws_iam_policy_document.planner.json
}

output "client_reader_policy_arn" {
  description = "Managed policy for a client's own role (tagged <client_tag_key>=<client name>): attach it to let that role run `mtlsctl cert fetch --client <name>`."
  value       = aws_iam_policy.client_reader.arn
}

output "client_reader_policy_json" {
  description = "The client reader policy document."
  value       = data.aws_iam_policy_document.client_reader.json
}
