# An HTTP service you already run, behind the mTLS gateway (HTTP_PROXY integrations). API Gateway
# calls it with the identity of the caller in x-mtls-client-id, x-mtls-cert-thumbprint and
# x-mtls-scope, set from the authorizer's decision and overwriting any header of those names the
# client sent; on the route with authorization = "none" those headers are removed instead.

provider "aws" {
  region = var.aws_region
}

module "mtls_api" {
  source = "../../infra/modules/mtls_api"

  name_prefix    = var.name_prefix
  domain_name    = var.domain_name
  hosted_zone_id = var.hosted_zone_id

  scopes = {
    "orders.read"  = "Read orders"
    "orders.write" = "Create and cancel orders"
  }

  routes = {
    "GET /orders" = {
      integration = { type = "http", url = "${var.orders_url}/orders" }
      scopes      = ["orders.read"]
    }
    # A path variable of the route can be used in the URL.
    "GET /orders/{id}" = {
      integration = { type = "http", url = "${var.orders_url}/orders/{id}" }
      scopes      = ["orders.read"]
    }
    # Both scopes: a token must hold every scope its route names.
    "POST /orders/{id}/cancel" = {
      integration = { type = "http", url = "${var.orders_url}/orders/{id}/cancel", timeout_ms = 10000 }
      scopes      = ["orders.read", "orders.write"]
      throttling  = { burst_limit = 10, rate_limit = 5 }
    }
    # No token needed (still only for clients whose certificate the truststore accepts).
    "GET /orders/status" = {
      integration   = { type = "http", url = "${var.orders_url}/status" }
      authorization = "none"
    }
  }
}
