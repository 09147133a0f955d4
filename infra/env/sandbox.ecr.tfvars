# infra/stacks/ecr inputs for the sandbox environment.
aws_region   = "eu-west-1"
environment  = "sandbox"
name_prefix  = "mtls-sandbox"
keep_images  = 10
force_delete = true
