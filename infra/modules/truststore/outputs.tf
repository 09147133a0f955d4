output "bucket" {
  description = "Truststore bucket name."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "Truststore bucket ARN."
  value       = aws_s3_bucket.this.arn
}

output "key" {
  description = "Key of the truststore object."
  value       = aws_s3_object.truststore.key
}

output "version_id" {
  description = "Version id of the truststore object; the domain's truststore_version."
  value       = aws_s3_object.truststore.version_id
}

output "uri" {
  description = "s3:// URI of the truststore, as the domain's truststore_uri."
  value       = "s3://${aws_s3_bucket.this.id}/${aws_s3_object.truststore.key}"
}
