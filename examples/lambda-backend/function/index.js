'use strict';
// The orders backend behind the gateway: a Lambda function (Node.js runtime) invoked by API
// Gateway with payload format 2.0, after the mTLS handshake and the authorizer approved the
// certificate and the token. Who is calling comes from requestContext.authorizer.lambda, which
// only the authorizer sets; headers are whatever the client sent and prove nothing.

exports.handler = async (event) => {
  const caller = ((event.requestContext || {}).authorizer || {}).lambda || {};
  if (!caller.client_id) {
    // Not behind the authorizer (a route with authorization = "none", or a misconfiguration).
    return { statusCode: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Forbidden' }) };
  }
  const scopes = String(caller.scope || '').split(' ').filter(Boolean);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      route: event.routeKey,
      client_id: caller.client_id,
      cert_thumbprint: caller.cert_thumbprint,
      cert_not_after: caller.cert_not_after,
      scopes,
      orders: [],
    }),
  };
};
