# infra/stacks/ecr inputs for the prod environment (example).
aws_region  = "eu-west-1"
environment = "prod"
name_prefix = "mtls-prod"
keep_images = 30
