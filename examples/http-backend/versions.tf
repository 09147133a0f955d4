terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.25"
    }
  }

  # Add your backend here, e.g. backend "s3" { bucket = "...", key = "...", region = "...", use_lockfile = true }
}
