variable "name" {
  type        = string
  description = "User pool name."

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 128
    error_message = "name must be 1-128 characters."
  }
}

variable "domain_prefix" {
  type        = string
  description = "Prefix of the Cognito domain (<prefix>.auth.<region>.amazoncognito.com); globally unique per region."

  validation {
    condition     = can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.domain_prefix)) && alltrue([for word in ["aws", "amazon", "cognito"] : !strcontains(var.domain_prefix, word)])
    error_message = "domain_prefix must be lowercase letters, digits and hyphens, and must not contain aws, amazon or cognito (Cognito reserves them)."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "User pool deletion protection (on in prod)."
  default     = true
}

variable "resource_server_identifier" {
  type        = string
  description = "Resource server identifier; scopes are <identifier>/<scope>."
  default     = "mtls-api"

  validation {
    condition     = can(regex("^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,256}$", var.resource_server_identifier))
    error_message = "resource_server_identifier must be 1-256 printable characters without quotes or backslashes."
  }
}

variable "scopes" {
  type        = map(string)
  description = "The resource server's scopes: name => description (e.g. health.read)."
  default     = { "health.read" = "Read the health endpoint" }

  validation {
    condition     = alltrue([for k in keys(var.scopes) : can(regex("^[\\x21\\x23-\\x2E\\x30-\\x5B\\x5D-\\x7E]+$", k))])
    error_message = "Scope names are printable characters without quotes, slashes or backslashes."
  }
}

variable "pre_token_function_arn" {
  type        = string
  description = "ARN of the pre token generation function (certificate-bound tokens); null leaves the trigger off."
  default     = null
}

variable "pre_token_function_name" {
  type        = string
  description = "Name of the pre token generation function, for Cognito's invoke permission."
  default     = null

  validation {
    condition     = (var.pre_token_function_name == null) == (var.pre_token_function_arn == null)
    error_message = "Set pre_token_function_name and pre_token_function_arn together."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on the user pool."
  default     = {}
}
