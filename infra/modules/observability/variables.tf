variable "name_prefix" {
  type        = string
  description = "Prefix of the dashboard, alarm and topic names (the environment's name_prefix)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name_prefix))
    error_message = "name_prefix must be 3-31 lowercase letters, digits or hyphens."
  }
}

variable "api_id" {
  type        = string
  description = "HTTP API id: the ApiId dimension of the AWS/ApiGateway metrics."

  validation {
    condition     = can(regex("^[a-z0-9]{10}$", var.api_id))
    error_message = "api_id must be an API Gateway id (10 lowercase letters and digits)."
  }
}

variable "function_names" {
  type        = map(string)
  description = "Lambda function name by function (token, authorizer, health, pre-token, watcher; those deployed): the FunctionName dimension of AWS/Lambda and the Function dimension of the functions' own metrics. With watcher, the dashboard shows what it measures and its expiry alarms exist."

  validation {
    condition     = contains(keys(var.function_names), "token") && alltrue([for k in keys(var.function_names) : contains(["token", "authorizer", "health", "pre-token", "watcher"], k)])
    error_message = "function_names must hold token and only token, authorizer, health, pre-token, watcher."
  }
}

variable "alarm_email" {
  type        = string
  description = "Email address subscribed to the alarm topic; null subscribes nobody (subscribe your own endpoints to the topic_arn output). AWS sends a confirmation mail first."
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an email address or null."
  }
}

variable "server_error_rate_percent" {
  type        = number
  description = "Alarm when the API's 5xx responses exceed this share of its requests over 5 minutes."
  default     = 1

  validation {
    condition     = var.server_error_rate_percent > 0 && var.server_error_rate_percent <= 100
    error_message = "server_error_rate_percent must be in (0, 100]."
  }
}

variable "deny_spike_threshold" {
  type        = number
  description = "Alarm when the authorizer denies more than this many requests in 5 minutes (a client with a revoked or expired certificate retrying, or an attack)."
  default     = 100

  validation {
    condition     = var.deny_spike_threshold >= 1 && floor(var.deny_spike_threshold) == var.deny_spike_threshold
    error_message = "deny_spike_threshold must be a whole number of at least 1."
  }
}

variable "certificate_expiry_days" {
  type        = number
  description = "Alarm when a client certificate in use (ClientCertificateDaysToExpiry, the authorizer's) or, with the watcher, any ACTIVE registered certificate (RegistryCertificateDaysToExpiry) expires within this many days."
  default     = 30

  validation {
    condition     = var.certificate_expiry_days >= 1 && var.certificate_expiry_days <= 365
    error_message = "certificate_expiry_days must be between 1 and 365."
  }
}

variable "ca_expiry_alarm_days" {
  type        = number
  description = "Alarm when a CA certificate of the truststore expires within this many days (TruststoreCaDaysToExpiry, the watcher's): time to rotate the intermediate, or the root, before its clients stop working."
  default     = 60
  nullable    = false

  validation {
    condition     = var.ca_expiry_alarm_days >= 1 && var.ca_expiry_alarm_days <= 365 && floor(var.ca_expiry_alarm_days) == var.ca_expiry_alarm_days
    error_message = "ca_expiry_alarm_days must be a whole number of days between 1 and 365."
  }
}

variable "topic_kms_key_arn" {
  type        = string
  description = "Customer managed KMS key for the alarm topic; its key policy must let cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey*. null leaves the topic unencrypted (alarm messages hold names and numbers, no secrets)."
  default     = null

  validation {
    condition     = var.topic_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.topic_kms_key_arn))
    error_message = "topic_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on the topic and alarms."
  default     = {}
}
