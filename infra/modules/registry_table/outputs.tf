output "name" {
  description = "Table name."
  value       = aws_dynamodb_table.this.name
}

output "arn" {
  description = "Table ARN."
  value       = aws_dynamodb_table.this.arn
}

output "client_id_index_arn" {
  description = "ARN of the client_id-index global secondary index."
  value       = "${aws_dynamodb_table.this.arn}/index/client_id-index"
}
