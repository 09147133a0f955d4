# Every input of the module, typed, described and validated here (the environment stack passes its
# own through unchanged). Variables with a default are `nullable = false`: a caller passing null
# gets the default, so a thin caller can forward an unset input as null.

# --- names ---------------------------------------------------------------------------------------

variable "name_prefix" {
  type        = string
  description = "Prefix of every name (<prefix>-token, /<prefix>/truststore, ...); the image repositories are <prefix>-<function> (infra/stacks/ecr with the same prefix)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name_prefix))
    error_message = "name_prefix must be 3-31 lowercase letters, digits or hyphens."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags on every resource that takes them (the stack also sets provider default tags)."
  default     = {}
  nullable    = false
}

# --- routes: a team's own API behind the gateway (docs/contract.md section 9) --------------------------

# The routes that break each rule of var.routes, by rule: the validations below refuse the plan
# when one is not empty, and name the routes.
locals {
  route_key_pattern = "^(\\$default|(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (/|(/([A-Za-z0-9._~:@!-]+|\\{[A-Za-z_][A-Za-z0-9_]*\\}))*(/\\{[A-Za-z_][A-Za-z0-9_]*\\+\\})?))$"
  integration_patterns = {
    function_arn = "^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$"
    http_url     = "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\\s]*)?$"
    vpc_link_id  = "^[a-z0-9]{1,32}$"
    vpc_link_url = "^arn:aws[a-z-]*:(elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:listener/(app|net)/.+|servicediscovery:[a-z0-9-]+:[0-9]{12}:service/srv-.+)$"
  }
  defined_scopes = concat(keys(var.scopes), var.health_route_enabled ? [var.health_scope] : [])

  route_problems = {
    key     = [for k in keys(var.routes) : k if !can(regex(local.route_key_pattern, k))]
    builtin = [for k in keys(var.routes) : k if k == "POST /token" || (var.health_route_enabled && k == "GET /health")]
    integration = [for k, r in var.routes : k if !(
      r.integration.type == "lambda" ? can(regex(local.integration_patterns.function_arn, r.integration.function_arn)) && r.integration.url == null && r.integration.vpc_link_id == null :
      r.integration.type == "http" ? can(regex(local.integration_patterns.http_url, r.integration.url)) && r.integration.function_arn == null && r.integration.vpc_link_id == null :
      r.integration.type == "vpc_link" ? can(regex(local.integration_patterns.vpc_link_id, r.integration.vpc_link_id)) && can(regex(local.integration_patterns.vpc_link_url, r.integration.url)) && r.integration.function_arn == null :
      false
    )]
    tls_server_name = [for k, r in var.routes : k if r.integration.tls_server_name != null && r.integration.type != "vpc_link"]
    authorization   = [for k, r in var.routes : k if !contains(["mtls", "none"], r.authorization)]
    scope_count     = [for k, r in var.routes : k if(r.authorization == "none" ? length(r.scopes) > 0 : length(r.scopes) == 0)]
    undefined_scope = flatten([for k, r in var.routes : [for s in r.scopes : "${k} names ${s}" if !contains(local.defined_scopes, s)]])
    timeout         = [for k, r in var.routes : k if r.integration.timeout_ms == null ? false : r.integration.timeout_ms < 50 || r.integration.timeout_ms > 30000]
    throttling      = [for k, r in var.routes : k if r.throttling == null ? false : r.throttling.burst_limit < 0 || floor(r.throttling.burst_limit) != r.throttling.burst_limit || r.throttling.rate_limit < 0]
  }
}

variable "routes" {
  type = map(object({
    integration = object({
      type            = string
      function_arn    = optional(string)
      url             = optional(string)
      vpc_link_id     = optional(string)
      tls_server_name = optional(string)
      timeout_ms      = optional(number)
    })
    scopes        = optional(list(string), [])
    authorization = optional(string, "mtls")
    throttling = optional(object({
      burst_limit = number
      rate_limit  = number
    }))
  }))
  description = "Routes beyond POST /token and GET /health, by route key (\"GET /orders\", \"ANY /orders/{proxy+}\", \"$default\"). integration: type lambda (function_arn), http (url, HTTP_PROXY; a path variable {name} may appear in it) or vpc_link (vpc_link_id, and url: the ALB/NLB listener or Cloud Map service ARN; tls_server_name for HTTPS to it); timeout_ms 50-30000 (default 30000). scopes: short names from scopes (or the health scope), all of which the token must hold. authorization: mtls (the Lambda authorizer, the default) or none (mutual TLS only, written explicitly). throttling: burst_limit and rate_limit of this route."
  default     = {}
  nullable    = false

  validation {
    # No ';' or '=' (they separate ROUTE_SCOPES entries), no trailing '/', a greedy variable last.
    condition     = length(local.route_problems.key) == 0
    error_message = "Route keys must be \"METHOD /path\" (ANY, GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS; segments of letters, digits and ._~:@!-, {name} path variables, a greedy {name+} only as the last segment; no trailing slash) or \"$default\", not: ${join(", ", local.route_problems.key)}."
  }

  validation {
    condition     = length(local.route_problems.builtin) == 0
    error_message = "POST /token and GET /health are built in (GET /health can be turned off with health_route_enabled = false); routes cannot define them: ${join(", ", local.route_problems.builtin)}."
  }

  validation {
    condition     = length(local.route_problems.integration) == 0
    error_message = "Each route's integration is one of { type = \"lambda\", function_arn = <Lambda function ARN> }, { type = \"http\", url = \"https://...\" } or { type = \"vpc_link\", vpc_link_id = <VPC link id>, url = <ALB/NLB listener or Cloud Map service ARN> }, without the attributes of the other types; not so for ${join(", ", local.route_problems.integration)}."
  }

  validation {
    condition     = length(local.route_problems.tls_server_name) == 0
    error_message = "tls_server_name is for a vpc_link integration (HTTPS to a private load balancer); an http integration verifies the host of its https:// url. Remove it from ${join(", ", local.route_problems.tls_server_name)}."
  }

  validation {
    # "none" is never a default: a route is without the authorizer only where that is written.
    condition     = length(local.route_problems.authorization) == 0
    error_message = "authorization must be \"mtls\" (the Lambda authorizer, the default) or \"none\" (mutual TLS only), not so for ${join(", ", local.route_problems.authorization)}."
  }

  validation {
    # The authorizer refuses a ROUTE_SCOPES entry without scopes; a none route checks no token.
    condition     = length(local.route_problems.scope_count) == 0
    error_message = "A route with authorization mtls names at least one scope, and one with authorization none names none; not so for ${join(", ", local.route_problems.scope_count)}."
  }

  validation {
    # A scope the resource server does not define would make every request to the route a 403.
    condition     = length(local.route_problems.undefined_scope) == 0
    error_message = "Every scope a route names must be defined in scopes (or be the health scope while GET /health is on): ${join(", ", local.route_problems.undefined_scope)}."
  }

  validation {
    condition     = length(local.route_problems.timeout) == 0
    error_message = "integration.timeout_ms must be between 50 and 30000 (an HTTP API waits at most 30 000 ms for an integration): ${join(", ", local.route_problems.timeout)}."
  }

  validation {
    condition     = length(local.route_problems.throttling) == 0
    error_message = "throttling.burst_limit must be a whole number of requests and rate_limit a number of requests per second, both 0 or more: ${join(", ", local.route_problems.throttling)}."
  }
}

variable "scopes" {
  type        = map(string)
  description = "The resource server's scopes beyond the health scope: short name => description (e.g. { \"orders.read\" = \"Read orders\" }). Created in Cognito as <resource_server_identifier>/<name>; routes and clients name them."
  default     = {}
  nullable    = false

  validation {
    # Cognito's scope name characters, less ';' (it separates ROUTE_SCOPES entries).
    condition     = alltrue([for k, d in var.scopes : can(regex("^[\\x21\\x23-\\x2E\\x30-\\x3A\\x3C-\\x5B\\x5D-\\x7E]{1,256}$", k)) && length(d) >= 1 && length(d) <= 256])
    error_message = "Scope names are 1-256 printable characters without spaces, quotes, slashes, backslashes or ';'; each needs a description of 1-256 characters."
  }
}

variable "health_route_enabled" {
  type        = bool
  description = "Serve the built-in GET /health (health function behind the authorizer, scope health_scope). POST /token is always there."
  default     = true
  nullable    = false
}

variable "health_scope" {
  type        = string
  description = "Short name of the scope GET /health requires; created with the other scopes while the route is on."
  default     = "health.read"
  nullable    = false

  validation {
    condition     = can(regex("^[\\x21\\x23-\\x2E\\x30-\\x3A\\x3C-\\x5B\\x5D-\\x7E]{1,256}$", var.health_scope))
    error_message = "health_scope must be a scope name (printable characters without spaces, quotes, slashes, backslashes or ';')."
  }
}

variable "resource_server_identifier" {
  type        = string
  description = "Cognito resource server identifier: the prefix of every full scope name (<identifier>/<scope>)."
  default     = "mtls-api"
  nullable    = false

  validation {
    condition     = can(regex("^[\\x21\\x23-\\x3A\\x3C-\\x5B\\x5D-\\x7E]{1,256}$", var.resource_server_identifier))
    error_message = "resource_server_identifier must be 1-256 printable characters without spaces, quotes, backslashes or ';' (it prefixes the scopes in ROUTE_SCOPES)."
  }
}

# --- custom domain -------------------------------------------------------------------------------

variable "domain_name" {
  type        = string
  description = "The API's custom domain (clients connect here with their certificate)."

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lowercase fully qualified domain name."
  }
}

variable "hosted_zone_id" {
  type        = string
  description = "Route 53 hosted zone of domain_name: validates a new certificate and gets the alias record. Null: DNS is managed elsewhere (point it at the domain_target output) and certificate_arn is required."
  default     = null

  validation {
    condition     = var.hosted_zone_id == null || can(regex("^Z[A-Z0-9]{1,31}$", var.hosted_zone_id))
    error_message = "hosted_zone_id must be a Route 53 hosted zone id (Z...)."
  }
}

variable "certificate_arn" {
  type        = string
  description = "Existing ACM certificate for domain_name in the region; null requests a public one (needs hosted_zone_id)."
  default     = null

  validation {
    condition     = var.certificate_arn != null || var.hosted_zone_id != null
    error_message = "Give certificate_arn, or hosted_zone_id so that a certificate can be requested and validated."
  }
}

variable "certificate_type" {
  type        = string
  description = "How certificate_arn's certificate came into ACM (its Type in `aws acm describe-certificate`): AMAZON_ISSUED (a public ACM certificate, also what the module requests), IMPORTED, or PRIVATE (issued by AWS Private CA). IMPORTED and PRIVATE need ownership_verification_certificate_arn."
  default     = "AMAZON_ISSUED"
  nullable    = false

  validation {
    condition     = contains(["AMAZON_ISSUED", "IMPORTED", "PRIVATE"], var.certificate_type)
    error_message = "certificate_type must be AMAZON_ISSUED, IMPORTED or PRIVATE."
  }

  validation {
    condition     = var.certificate_type == "AMAZON_ISSUED" || var.certificate_arn != null
    error_message = "An IMPORTED or PRIVATE certificate is given with certificate_arn: the module can only request a public (AMAZON_ISSUED) one."
  }
}

variable "ownership_verification_certificate_arn" {
  type        = string
  description = "With mutual TLS, API Gateway accepts an imported or Private CA server certificate only with a public ACM certificate (AMAZON_ISSUED, ISSUED) for the same domain that proves you own it; it is not used in the TLS handshake. Required when certificate_type is IMPORTED or PRIVATE, unused otherwise."
  default     = null

  validation {
    condition     = var.ownership_verification_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.ownership_verification_certificate_arn))
    error_message = "ownership_verification_certificate_arn must be an ACM certificate ARN or null."
  }
}

# --- truststore ----------------------------------------------------------------------------------

variable "truststore_parameter_name" {
  type        = string
  description = "SSM SecureString holding the truststore PEM bundle (`mtlsctl truststore store`); null means /<name_prefix>/truststore. Ignored when truststore_file is set."
  default     = null
}

variable "truststore_file" {
  type        = string
  description = "Local PEM bundle to upload instead of reading the SSM parameter (a relative path is relative to the root module)."
  default     = null
}

variable "truststore_bucket_name" {
  type        = string
  description = "Truststore bucket name; null means <name_prefix>-truststore-<account id>."
  default     = null
}

# --- PKI (infra/modules/pki) ------------------------------------------------------------------

variable "pki_operator_role_arns" {
  type        = list(string)
  description = "IAM roles that run CA operations (ca-bootstrap, client-provision apply, ca-rotate): the only principals the PKI key lets encrypt, and decrypt the CA's private keys, through SSM; each gets the CA-operator policy. Empty leaves that use of the key to IAM (docs/operations.md section 7)."
  default     = []
  nullable    = false
}

variable "pki_planner_role_arns" {
  type        = list(string)
  description = "IAM roles that run `mtlsctl apply --dry-run` for pull requests; each gets the read-only planner policy (no private key, no client secret)."
  default     = []
  nullable    = false
}

# --- images and functions ----------------------------------------------------------------------

variable "image_tag" {
  type        = string
  description = "Image tag (commit) to deploy for every function, resolved to its digest; null reads /<name_prefix>/lambda/image-tag, which the lambda-build (sandbox) or image-promote (other environments) workflow writes."
  default     = null

  validation {
    condition     = var.image_tag == null || can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a valid image tag."
  }
}

variable "architecture" {
  type        = string
  description = "Instruction set of every function: arm64 (Graviton, about 20% less per GB-second) or x86_64. The images of image_tag must be built for it (the workflows build linux/arm64 and linux/amd64)."
  default     = "arm64"
  nullable    = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "function_memory_mb" {
  type        = number
  description = "Memory of each function in MB."
  default     = 128
  nullable    = false

  validation {
    condition     = var.function_memory_mb >= 128 && var.function_memory_mb <= 256
    error_message = "function_memory_mb must be between 128 and 256."
  }
}

variable "function_timeout_seconds" {
  type        = number
  description = "Timeout of the token function, and how long API Gateway waits for it on POST /token; the authorizer gets at most 10 s, API Gateway's limit for a Lambda authorizer."
  default     = 10
  nullable    = false

  validation {
    condition     = var.function_timeout_seconds >= 3 && var.function_timeout_seconds * 1000 <= 30000
    error_message = "function_timeout_seconds must be between 3 and 30: an HTTP API waits at most 30 000 ms for an integration."
  }
}

variable "log_level" {
  type        = string
  description = "LOG_LEVEL of every function."
  default     = "info"
  nullable    = false

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the function and access log groups in days."
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts."
  }
}

variable "registry_cache_ttl_seconds" {
  type        = number
  description = "Authorizer REGISTRY_CACHE_TTL_SECONDS (0 disables its registry cache)."
  default     = 30
  nullable    = false

  validation {
    condition     = var.registry_cache_ttl_seconds >= 0 && var.registry_cache_ttl_seconds <= 300
    error_message = "registry_cache_ttl_seconds must be between 0 and 300."
  }
}

variable "clock_skew_seconds" {
  type        = number
  description = "Authorizer CLOCK_SKEW_SECONDS for token time claims."
  default     = 0
  nullable    = false

  validation {
    condition     = var.clock_skew_seconds >= 0 && var.clock_skew_seconds <= 300
    error_message = "clock_skew_seconds must be between 0 and 300."
  }
}

# --- Cognito -------------------------------------------------------------------------------------

variable "cognito_domain_prefix" {
  type        = string
  description = "Cognito domain prefix; null means <name_prefix>-<account id>."
  default     = null
}

variable "token_cache" {
  type        = bool
  description = "Token cache of the token function (TOKEN_CACHE): a token it obtained from Cognito is handed back to the same client, certificate and scopes while valid for more than max(60 s, 10% of its lifetime), instead of a billed Cognito request. A deleted app client's cached token then lives until that margin (docs/security.md)."
  default     = true
  nullable    = false
}

variable "cert_bound_tokens" {
  type        = bool
  description = "Bind access tokens to the client certificate (RFC 8705): attaches the pre-token trigger, sets CERT_BOUND_TOKENS on the token function and REQUIRE_CERT_BOUND_TOKEN on the authorizer."
  default     = true
  nullable    = false
}

variable "user_pool_deletion_protection" {
  type        = bool
  description = "Cognito user pool deletion protection (keep true in prod)."
  default     = true
  nullable    = false
}

# --- data and API ----------------------------------------------------------------------------------

variable "table_deletion_protection" {
  type        = bool
  description = "DynamoDB deletion protection of the registry table."
  default     = true
  nullable    = false
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy empty the truststore bucket (throw-away environments only)."
  default     = false
  nullable    = false
}

variable "authorizer_cache_ttl_seconds" {
  type        = number
  description = "API Gateway authorizer result cache TTL; keep 0 (a cache keyed on the token alone would let another certificate reuse a decision, and a cached allow outlives a revocation by up to the TTL)."
  default     = 0
  nullable    = false

  validation {
    condition     = var.authorizer_cache_ttl_seconds >= 0 && var.authorizer_cache_ttl_seconds <= 3600
    error_message = "authorizer_cache_ttl_seconds must be between 0 and 3600."
  }
}

variable "throttling_burst_limit" {
  type        = number
  description = "Default route burst limit (requests); a route's own throttling overrides it."
  default     = 100
  nullable    = false

  validation {
    condition     = var.throttling_burst_limit >= 1
    error_message = "throttling_burst_limit must be at least 1."
  }
}

variable "throttling_rate_limit" {
  type        = number
  description = "Default route rate limit (requests per second); a route's own throttling overrides it."
  default     = 50
  nullable    = false

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be positive."
  }
}

variable "token_throttling_burst_limit" {
  type        = number
  description = "POST /token burst limit."
  default     = 20
  nullable    = false

  validation {
    condition     = var.token_throttling_burst_limit >= 1
    error_message = "token_throttling_burst_limit must be at least 1."
  }
}

variable "token_throttling_rate_limit" {
  type        = number
  description = "POST /token rate limit (requests per second)."
  default     = 10
  nullable    = false

  validation {
    condition     = var.token_throttling_rate_limit > 0
    error_message = "token_throttling_rate_limit must be positive."
  }
}

# --- the watcher (issue 18): what is about to expire ------------------------------------------

variable "watcher_enabled" {
  type        = bool
  description = "Deploy the watcher function and its daily EventBridge Scheduler schedule: it scans the registry for ACTIVE certificates expiring within expiry_warning_days, reads the truststore's CA expiry and the domain's truststore warnings, writes them as metrics and, when something is due, publishes one message to watcher_alert_topic_arn. Its image repository (<name_prefix>-watcher) must exist."
  default     = true
  nullable    = false
}

variable "watcher_schedule_expression" {
  type        = string
  description = "When the watcher runs (EventBridge Scheduler expression, UTC): rate(1 day), rate(1 hour), rate(N hours) with N up to 24, or cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 6 * * ? *). At least daily: the expiry alarms read daily periods and report INSUFFICIENT_DATA after two days without a run; every run that finds something due sends a message."
  default     = "rate(1 day)"
  nullable    = false

  validation {
    condition     = can(regex("^(rate\\((1 (hour|day)|([2-9]|1[0-9]|2[0-4]) hours)\\)|cron\\([^ ()]+( [^ ()]+){5}\\))$", var.watcher_schedule_expression))
    error_message = "watcher_schedule_expression must be rate(1 day), rate(1 hour), rate(N hours) with N from 2 to 24, or cron(<6 fields>) (an expression that runs at least daily)."
  }
}

variable "expiry_warning_days" {
  type        = number
  description = "The watcher's warning window (EXPIRY_WARNING_DAYS): an ACTIVE registry certificate or a truststore CA expiring within this many days is due, and named in its message."
  default     = 30
  nullable    = false

  validation {
    condition     = var.expiry_warning_days >= 1 && var.expiry_warning_days <= 365 && floor(var.expiry_warning_days) == var.expiry_warning_days
    error_message = "expiry_warning_days must be a whole number of days between 1 and 365."
  }
}

variable "watcher_alert_topic_arn" {
  type        = string
  description = "SNS topic the watcher publishes to when something is due (ALERT_TOPIC_ARN; it gets sns:Publish on this topic only); null publishes nothing (the metrics are still written). The environment stack passes the observability module's alarm topic."
  default     = null

  validation {
    condition     = var.watcher_alert_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.watcher_alert_topic_arn))
    error_message = "watcher_alert_topic_arn must be an SNS topic ARN (not a FIFO topic) or null."
  }
}

variable "watcher_alert_topic_kms_key_arn" {
  type        = string
  description = "Customer managed KMS key of watcher_alert_topic_arn, if the topic is encrypted with one: the watcher gets kms:GenerateDataKey and kms:Decrypt on it through SNS (the key's policy must allow its role too). null: the topic is unencrypted."
  default     = null

  validation {
    condition     = var.watcher_alert_topic_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.watcher_alert_topic_kms_key_arn))
    error_message = "watcher_alert_topic_kms_key_arn must be a KMS key ARN (arn:...:key/<id>, not an alias: IAM grants a key's use by its key ARN) or null."
  }
}
