# The mTLS truststore: a private, versioned bucket holding one PEM bundle. API Gateway reads the
# object at a given version, so every new bundle gets a new version id and redeploys the domain.

resource "aws_s3_bucket" "this" {
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

# Old truststore versions stay available for a rollback, then expire.
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    id     = "expire-old-truststores"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
  }
  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "tls_only" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket     = aws_s3_bucket.this.id
  policy     = data.aws_iam_policy_document.tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.this]
}

# Source of truth: the SSM SecureString that `mtlsctl truststore store` writes, or a local file.
data "aws_ssm_parameter" "truststore" {
  count           = var.ssm_parameter_name == null ? 0 : 1
  name            = var.ssm_parameter_name
  with_decryption = true

  # Fail the plan rather than hand API Gateway a bundle it would reject (or an unprotected one).
  lifecycle {
    postcondition {
      condition     = self.type == "SecureString"
      error_message = "SSM parameter ${var.ssm_parameter_name} must be a SecureString (mtlsctl truststore store writes one)."
    }
    postcondition {
      condition     = nonsensitive(strcontains(self.value, "-----BEGIN CERTIFICATE-----"))
      error_message = "SSM parameter ${var.ssm_parameter_name} does not hold a PEM certificate bundle."
    }
  }
}

resource "aws_s3_object" "truststore" {
  bucket       = aws_s3_bucket.this.id
  key          = var.object_key
  content_type = "application/x-pem-file"
  content      = var.ssm_parameter_name == null ? null : data.aws_ssm_parameter.truststore[0].value
  source       = var.truststore_file
  source_hash  = var.truststore_file == null ? null : filemd5(var.truststore_file)

  # version_id only exists once versioning is on.
  depends_on = [
    aws_s3_bucket_versioning.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
    aws_s3_bucket_policy.this,
  ]
}
