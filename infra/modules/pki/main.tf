# The PKI of one environment lives in its account: a customer managed KMS key for the SecureString
# parameters mtlsctl writes (the CA under /<prefix>/pki, each client's certificate, key and secret
# under /<prefix>/clients/<name>, the truststore bundle), the key policy that says who may use it
# for what, the IAM policies of the three roles that work with the PKI, and the settings mtlsctl
# needs (/<prefix>/mtlsctl/settings, a plain String: no secret in it).
#
#   CA operator  (ca-bootstrap, client-provision apply, ca-rotate): writes and reads all of it
#   planner      (client-provision dry-run on a pull request):     reads, decrypts certificates only
#   client role  (mtlsctl cert fetch), tagged mtls-client=<name>:  reads /<prefix>/clients/<name>/*
#
# SSM encrypts a Standard parameter with kms:Encrypt/Decrypt and an Advanced one (over 4 KB) by
# envelope encryption with kms:GenerateDataKey/Decrypt, in both cases through the SSM service
# (kms:ViaService) and with the encryption context PARAMETER_ARN = the parameter's ARN: the key
# policy and the identity policies below bind each use of the key to the parameters it is for.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition

  pki_path                = "/${var.name_prefix}/pki"
  clients_path            = "/${var.name_prefix}/clients"
  settings_parameter_name = "/${var.name_prefix}/mtlsctl/settings"

  # A parameter's ARN is arn:...:parameter<name>: the name's leading slash follows "parameter".
  parameter_arn   = "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter"
  pki_arns        = ["${local.parameter_arn}${local.pki_path}", "${local.parameter_arn}${local.pki_path}/*"]
  clients_arns    = ["${local.parameter_arn}${local.clients_path}", "${local.parameter_arn}${local.clients_path}/*"]
  truststore_arns = var.truststore_parameter_name == null ? [] : ["${local.parameter_arn}${var.truststore_parameter_name}"]
  settings_arn    = "${local.parameter_arn}${local.settings_parameter_name}"

  # What each parameter ARN pattern of the encryption context stands for. Certificates end in
  # .pem and private keys in .key (the store layout mtlsctl keeps, docs/operations.md section 1),
  # which is what lets the planner decrypt the CA's certificates and never its keys.
  context_all          = concat(["${local.parameter_arn}${local.pki_path}/*", "${local.parameter_arn}${local.clients_path}/*"], local.truststore_arns)
  context_certificates = ["${local.parameter_arn}${local.pki_path}/*.pem"]
  # IAM policy variable (the literal "${aws:PrincipalTag/<key>}"), resolved by IAM per request.
  client_tag      = "$${aws:PrincipalTag/${var.client_tag_key}}"
  own_client_arns = ["${local.parameter_arn}${local.clients_path}/${local.client_tag}", "${local.parameter_arn}${local.clients_path}/${local.client_tag}/*"]

  table_arn      = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${var.registry_table_name}"
  user_pool_arn  = "arn:${local.partition}:cognito-idp:${local.region}:${local.account_id}:userpool/${var.user_pool_id}"
  bucket_arn     = "arn:${local.partition}:s3:::${var.truststore_bucket_name}"
  account_root   = "arn:${local.partition}:iam::${local.account_id}:root"
  ssm_service    = "ssm.${local.region}.amazonaws.com"
  role_name      = { for arn in concat(var.operator_role_arns, var.planner_role_arns) : arn => regex("[^/]+$", arn) }
  operator_roles = length(var.operator_role_arns) > 0 ? var.operator_role_arns : [local.account_root]

  # The settings of the environment for mtlsctl, as environment variables (docs/operations.md
  # section 0): the PKI workflows read them from the settings parameter, an operator from the
  # mtlsctl_env output.
  mtlsctl_settings = merge(
    {
      CERT_TABLE_NAME         = var.registry_table_name
      COGNITO_USER_POOL_ID    = var.user_pool_id
      MTLSCTL_STORE           = "ssm:${local.pki_path}"
      MTLSCTL_CLIENTS_STORE   = "ssm:${local.clients_path}"
      MTLSCTL_KMS_KEY_ID      = aws_kms_key.this.arn
      MTLSCTL_TOKEN_URL       = var.token_url
      MTLSCTL_RESOURCE_SERVER = var.resource_server_identifier
    },
    var.truststore_parameter_name == null ? {} : { MTLSCTL_TRUSTSTORE_PARAMETER = var.truststore_parameter_name },
    # What `mtlsctl diagnose` asks the rules with (docs/troubleshooting.md).
    var.route_scopes == null ? {} : { ROUTE_SCOPES = var.route_scopes },
    var.cognito_token_url == null ? {} : { COGNITO_TOKEN_URL = var.cognito_token_url },
  )
}

# --- the key ---------------------------------------------------------------------------------------

data "aws_iam_policy_document" "key" {
  # The account administers the key through IAM (the deploy role that applies this module needs
  # these actions). No cryptographic action is delegated to IAM here except the Decrypt of the
  # statement for certificates and client material; CreateGrant is left out, so that no grant
  # can hand out a use this policy does not name. In a key policy "*" is this key.
  statement {
    sid    = "KeyAdministration"
    effect = "Allow"
    actions = [
      "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:DescribeKey", "kms:DisableKey",
      "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListKeyPolicies", "kms:ListKeyRotations",
      "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:RevokeGrant", "kms:RotateKeyOnDemand",
      "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias",
      "kms:UpdateKeyDescription",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }
  }

  # The CA operator: the only principals that may encrypt, and the only ones that may decrypt the
  # CA's private keys. Only through SSM, only for the PKI's own parameters.
  statement {
    sid       = "CaOperatorThroughSsm"
    effect    = "Allow"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = local.operator_roles
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.ssm_service]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:PARAMETER_ARN"
      values   = local.context_all
    }
  }

  # Certificates and each client's material: IAM decides who (the planner policy: certificates
  # only; the client reader policy: one client's parameters). Never a .key under /<prefix>/pki.
  statement {
    sid       = "CertificatesAndClientMaterialThroughSsm"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.ssm_service]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:PARAMETER_ARN"
      values   = concat(local.context_certificates, ["${local.parameter_arn}${local.clients_path}/*"])
    }
  }

  # The truststore is public (CA certificates) and Terraform reads it on every plan: any principal
  # of this account that may read the parameter may decrypt it, as with SSM's own key, and this
  # one parameter only.
  dynamic "statement" {
    for_each = var.truststore_parameter_name == null ? [] : [1]
    content {
      sid       = "TruststoreThroughSsm"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:CallerAccount"
        values   = [local.account_id]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.ssm_service]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:PARAMETER_ARN"
        values   = local.truststore_arns
      }
    }
  }
}

# Symmetric: Parameter Store takes no other keys. KMS rotates the key material every year; old
# material stays to decrypt what it encrypted.
resource "aws_kms_key" "this" {
  description              = "PKI of ${var.name_prefix}: SecureString parameters under ${local.pki_path} and ${local.clients_path}, and the truststore"
  key_usage                = "ENCRYPT_DECRYPT"
  customer_master_key_spec = "SYMMETRIC_DEFAULT"
  enable_key_rotation      = true
  deletion_window_in_days  = var.key_deletion_window_days
  policy                   = data.aws_iam_policy_document.key.json
  tags                     = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name_prefix}-pki"
  target_key_id = aws_kms_key.this.key_id
}

# --- the CA operator -------------------------------------------------------------------------------

data "aws_iam_policy_document" "ca_operator" {
  statement {
    sid    = "PkiParameters"
    effect = "Allow"
    actions = [
      "ssm:PutParameter", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
      "ssm:GetParameterHistory", "ssm:DeleteParameter", "ssm:DeleteParameters",
    ]
    resources = concat(local.pki_arns, local.clients_arns, local.truststore_arns)
  }

  statement {
    sid       = "Settings"
    effect    = "Allow"
    actions   = ["ssm:GetParameter"]
    resources = [local.settings_arn]
  }

  statement {
    sid       = "KeyThroughSsm"
    effect    = "Allow"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.ssm_service]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:PARAMETER_ARN"
      values   = local.context_all
    }
  }

  statement {
    sid       = "DescribeKey"
    effect    = "Allow"
    actions   = ["kms:DescribeKey"]
    resources = [aws_kms_key.this.arn]
  }

  statement {
    sid       = "Registry"
    effect    = "Allow"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:Scan"]
    resources = [local.table_arn, "${local.table_arn}/index/*"]
  }

  statement {
    sid    = "AppClients"
    effect = "Allow"
    actions = [
      "cognito-idp:CreateUserPoolClient", "cognito-idp:DescribeUserPoolClient", "cognito-idp:ListUserPoolClients",
      "cognito-idp:UpdateUserPoolClient", "cognito-idp:DeleteUserPoolClient", "cognito-idp:DescribeResourceServer",
    ]
    resources = [local.user_pool_arn]
  }

  statement {
    sid       = "TruststoreObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]
    resources = ["${local.bucket_arn}/*"]
  }

  statement {
    sid       = "TruststoreVersions"
    effect    = "Allow"
    actions   = ["s3:ListBucketVersions"]
    resources = [local.bucket_arn]
  }
}

resource "aws_iam_policy" "ca_operator" {
  name        = "${var.name_prefix}-pki-ca-operator"
  description = "CA operations of ${var.name_prefix}: the PKI's parameters, the registry, the app clients, the truststore (infra/modules/pki)"
  policy      = data.aws_iam_policy_document.ca_operator.json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "ca_operator" {
  for_each   = toset(var.operator_role_arns)
  role       = local.role_name[each.value]
  policy_arn = aws_iam_policy.ca_operator.arn
}

# --- the planner (read-only: pull request dry-runs) ------------------------------------------------

data "aws_iam_policy_document" "planner" {
  # Values of private keys and client secrets come back encrypted: the key decrypts only the
  # certificates for this policy.
  statement {
    sid       = "ReadParameters"
    effect    = "Allow"
    actions   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    resources = concat(local.pki_arns, local.clients_arns, [local.settings_arn])
  }

  statement {
    sid       = "DecryptCertificates"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.ssm_service]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:PARAMETER_ARN"
      values   = local.context_certificates
    }
  }

  statement {
    sid       = "ReadRegistry"
    effect    = "Allow"
    actions   = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"]
    resources = [local.table_arn, "${local.table_arn}/index/*"]
  }

  # Not DescribeUserPoolClient: it answers with the client secret.
  statement {
    sid       = "ListAppClients"
    effect    = "Allow"
    actions   = ["cognito-idp:ListUserPoolClients", "cognito-idp:DescribeResourceServer"]
    resources = [local.user_pool_arn]
  }
}

resource "aws_iam_policy" "planner" {
  name        = "${var.name_prefix}-pki-planner"
  description = "Read-only view of the PKI of ${var.name_prefix} for mtlsctl apply --dry-run: no private key, no client secret (infra/modules/pki)"
  policy      = data.aws_iam_policy_document.planner.json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "planner" {
  for_each   = toset(var.planner_role_arns)
  role       = local.role_name[each.value]
  policy_arn = aws_iam_policy.planner.arn
}

# --- a client fetching its own certificate -----------------------------------------------------------

# One policy for every client: attached to a role tagged <client_tag_key>=<client name>, it reads
# that client's parameters and nothing else; a role without the tag reads nothing.
data "aws_iam_policy_document" "client_reader" {
  statement {
    sid       = "OwnParameters"
    effect    = "Allow"
    actions   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    resources = local.own_client_arns

    condition {
      test     = "Null"
      variable = "aws:PrincipalTag/${var.client_tag_key}"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DecryptOwnParameters"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "Null"
      variable = "aws:PrincipalTag/${var.client_tag_key}"
      values   = ["false"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.ssm_service]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:PARAMETER_ARN"
      values   = ["${local.parameter_arn}${local.clients_path}/${local.client_tag}/*"]
    }
  }
}

resource "aws_iam_policy" "client_reader" {
  name        = "${var.name_prefix}-pki-client-reader"
  description = "mtlsctl cert fetch for the client named by the role's ${var.client_tag_key} tag: ${local.clients_path}/<name>/* only (infra/modules/pki)"
  policy      = data.aws_iam_policy_document.client_reader.json
  tags        = var.tags
}

# --- settings --------------------------------------------------------------------------------------

resource "aws_ssm_parameter" "settings" {
  name        = local.settings_parameter_name
  description = "mtlsctl settings of ${var.name_prefix} (environment variable => value), written by Terraform (infra/modules/pki)"
  type        = "String"
  value       = jsonencode(local.mtlsctl_settings)
  tags        = var.tags
}
