# infra/stacks/ecr inputs for the sandbox environment.
aws_region   = "eu-west-1"
environment  = "sandbox"
name_prefix  = "mtls-sandbox"
keep_images  = 10
force_delete = true
# prod (account 222222222222 in this example) copies its images from here: image-promote workflow.
promotion_account_ids = ["222222222222"]
