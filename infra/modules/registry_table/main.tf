# The certificate registry (docs/contract.md section 4): partition key thumbprint, index client_id-index.

resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "thumbprint"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "thumbprint"
    type = "S"
  }

  attribute {
    name = "client_id"
    type = "S"
  }

  # mtlsctl `client list --client-id` queries by client; the functions look up by thumbprint only.
  global_secondary_index {
    name            = "client_id-index"
    hash_key        = "client_id"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  # Records that carry this attribute (epoch seconds) are removed by DynamoDB after that time,
  # e.g. revoked records kept for audit for a while. Records without it stay.
  ttl {
    attribute_name = var.ttl_attribute
    enabled        = true
  }

  tags = var.tags
}
