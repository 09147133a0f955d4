# The API on a server certificate you imported into ACM (from your own CA or a commercial one).
# With mutual TLS, API Gateway accepts an imported certificate only together with an ownership
# verification certificate: a public ACM certificate for the same domain, validated and ISSUED,
# that proves you control the domain and is never used in a handshake. This root requests and
# validates that one; the imported certificate stays yours (its private key never enters the
# Terraform state).

provider "aws" {
  region = var.aws_region
}

# The ownership verification certificate: a public ACM certificate validated in the hosted zone
# (the module the stack uses to request its own certificate).
module "ownership_certificate" {
  source = "../../infra/modules/certificate"

  domain_name    = var.domain_name
  hosted_zone_id = var.hosted_zone_id
}

module "mtls_api" {
  source = "../../infra/modules/mtls_api"

  name_prefix    = var.name_prefix
  domain_name    = var.domain_name
  hosted_zone_id = var.hosted_zone_id

  certificate_arn                        = var.imported_certificate_arn
  certificate_type                       = "IMPORTED"
  ownership_verification_certificate_arn = module.ownership_certificate.certificate_arn
}
