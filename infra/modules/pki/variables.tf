variable "name_prefix" {
  type        = string
  description = "Prefix of the environment: the PKI's parameters are /<prefix>/pki/* (the CA) and /<prefix>/clients/* (each client's certificate, key and secret), its key alias/<prefix>-pki."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name_prefix))
    error_message = "name_prefix must be 3-31 lowercase letters, digits or hyphens."
  }
}

variable "registry_table_name" {
  type        = string
  description = "The certificate registry table (docs/contract.md section 4) the CA operator writes and the planner reads."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.registry_table_name))
    error_message = "registry_table_name must be a DynamoDB table name."
  }
}

variable "user_pool_id" {
  type        = string
  description = "The Cognito user pool whose app clients the CA operator creates, describes, updates, lists and deletes (mtlsctl apply)."

  validation {
    condition     = can(regex("^[a-z0-9-]+_[0-9a-zA-Z]+$", var.user_pool_id))
    error_message = "user_pool_id must be a Cognito user pool id (<region>_<id>)."
  }
}

variable "resource_server_identifier" {
  type        = string
  description = "Prefix of the full scope names (<identifier>/<scope>), which mtlsctl apply turns the short names of clients/<env>.json into."
  default     = "mtls-api"

  validation {
    condition     = can(regex("^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,256}$", var.resource_server_identifier))
    error_message = "resource_server_identifier must be 1-256 printable characters without quotes or backslashes."
  }
}

variable "token_url" {
  type        = string
  description = "The API's POST /token URL, written into each client's client.json (what `mtlsctl cert fetch` hands a client)."

  validation {
    condition     = can(regex("^https://[a-z0-9.-]+(:[0-9]{1,5})?/token$", var.token_url))
    error_message = "token_url must be https://<domain>/token."
  }
}

variable "route_scopes" {
  type        = string
  description = "The authorizer's ROUTE_SCOPES (\"GET /health=mtls-api/health.read;...\"), for `mtlsctl diagnose` in mtlsctl's settings; null leaves it out."
  default     = null

  validation {
    condition     = var.route_scopes == null || can(regex("^[^;=]+=[^;=]+(;[^;=]+=[^;=]+)*$", var.route_scopes))
    error_message = "route_scopes must be ROUTE_SCOPES' form: <routeKey>=<scopes> entries separated by ';'."
  }
}

variable "cognito_token_url" {
  type        = string
  description = "Cognito's own token endpoint (the token function's COGNITO_TOKEN_URL), for `mtlsctl diagnose --client-id` in mtlsctl's settings; null leaves it out."
  default     = null

  validation {
    condition     = var.cognito_token_url == null || can(regex("^https://[a-z0-9.-]+/oauth2/token$", var.cognito_token_url))
    error_message = "cognito_token_url must be https://<domain>/oauth2/token."
  }
}

variable "truststore_bucket_name" {
  type        = string
  description = "The truststore bucket (infra/modules/truststore): the CA operator may read and write its object versions."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.truststore_bucket_name))
    error_message = "truststore_bucket_name must be a valid S3 bucket name."
  }
}

variable "truststore_parameter_name" {
  type        = string
  description = "The SSM SecureString holding the truststore bundle, written with this key by `mtlsctl ca truststore`; any principal of the account may decrypt this one parameter through SSM (its content is public), as with SSM's own key. Null when the truststore comes from a file: the PKI workflows then cannot publish it."
  default     = null

  validation {
    condition     = var.truststore_parameter_name == null || can(regex("^(/[a-zA-Z0-9_.-]+)+$", var.truststore_parameter_name))
    error_message = "truststore_parameter_name must be a parameter name with a leading slash (/<prefix>/truststore)."
  }
}

variable "operator_role_arns" {
  type        = list(string)
  description = "IAM roles that run CA operations (the ca-bootstrap, client-provision apply and ca-rotate workflows; an operator at a desk). Only they may encrypt with the key, and only through SSM for the PKI's parameters; the CA's private keys (/<prefix>/pki/*.key) decrypt for them alone. The module attaches the CA-operator policy to each. Empty: the key policy leaves that use to IAM (any principal of the account given the ca_operator_policy), which is weaker."
  default     = []

  validation {
    condition     = alltrue([for a in var.operator_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$", a))])
    error_message = "operator_role_arns must be IAM role ARNs."
  }
}

variable "planner_role_arns" {
  type        = list(string)
  description = "IAM roles that run `mtlsctl apply --dry-run` for pull requests (client-provision): the module attaches the read-only planner policy to each. They read the registry, list the app clients and decrypt certificates (/<prefix>/pki/*.pem) only: no private key, no client secret."
  default     = []

  validation {
    condition     = alltrue([for a in var.planner_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$", a))])
    error_message = "planner_role_arns must be IAM role ARNs."
  }
}

variable "client_tag_key" {
  type        = string
  description = "Principal tag that names the client a role fetches for: the client reader policy lets a role tagged <key>=<name> read /<prefix>/clients/<name>/* and nothing else."
  default     = "mtls-client"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.:/=+@-]{1,128}$", var.client_tag_key)) && !startswith(lower(var.client_tag_key), "aws:")
    error_message = "client_tag_key must be a valid IAM tag key that does not start with aws:."
  }
}

variable "key_deletion_window_days" {
  type        = number
  description = "Days between scheduling the key's deletion (terraform destroy) and KMS deleting it; every CA key and client secret encrypted with it is lost then."
  default     = 30

  validation {
    condition     = var.key_deletion_window_days >= 7 && var.key_deletion_window_days <= 30
    error_message = "key_deletion_window_days must be between 7 and 30 (KMS's limits)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on the key, the policies and the settings parameter."
  default     = {}
}
