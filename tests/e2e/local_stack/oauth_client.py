#!/usr/bin/env python3
"""One client_credentials token request to the local stack's POST /token through requests-oauthlib
(Debian's python3-requests-oauthlib), the way an OAuth2 client library would make it: client
credentials in HTTP Basic, the client certificate on the TLS connection.

Exit 0 when the outcome is the one --expect names ("token": a Bearer access token;
"invalid_client": oauthlib raised InvalidClientError), 1 otherwise. One line on stdout says what
happened.
"""
import argparse
import sys

from oauthlib.oauth2 import BackendApplicationClient
from oauthlib.oauth2.rfc6749.errors import InvalidClientError, OAuth2Error
from requests_oauthlib import OAuth2Session


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--token-url", required=True)
    parser.add_argument("--server-ca", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--scope", required=True)
    parser.add_argument("--expect", choices=["token", "invalid_client"], required=True)
    args = parser.parse_args()

    session = OAuth2Session(client=BackendApplicationClient(client_id=args.client_id),
                            scope=[args.scope])
    # The client certificate is the session's (requests.Session.cert): fetch_token of
    # requests-oauthlib 1.3 passes unknown keyword arguments into the token request body.
    session.cert = (args.cert, args.key)
    seen = {}

    def record_status(response):
        seen["http"] = response.status_code
        seen["www_authenticate"] = response.headers.get("WWW-Authenticate", "")
        return response

    session.register_compliance_hook("access_token_response", record_status)
    try:
        token = session.fetch_token(token_url=args.token_url, client_id=args.client_id,
                                    client_secret=args.client_secret, verify=args.server_ca,
                                    timeout=30)
    except InvalidClientError as e:
        print(f"InvalidClientError http={seen.get('http')} "
              f"www-authenticate={seen.get('www_authenticate')!r} description={e.description!r}")
        return 0 if args.expect == "invalid_client" else 1
    except OAuth2Error as e:
        print(f"{type(e).__name__} error={e.error} http={seen.get('http')}")
        return 1
    if token.get("token_type") == "Bearer" and token.get("access_token"):
        print(f"token expires_in={token.get('expires_in')}")
        return 0 if args.expect == "token" else 1
    print(f"unexpected answer: {sorted(token.keys())}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
