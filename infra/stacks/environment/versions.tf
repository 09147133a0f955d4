terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.25"
    }
  }

  # Partial configuration: `terraform init -backend-config=../../env/<env>.backend.hcl
  # -backend-config=key=<env>/<stack>.tfstate`. State locking uses S3 lock files (use_lockfile).
  backend "s3" {}
}
