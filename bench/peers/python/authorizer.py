#!/usr/bin/python3
"""The authorizer as the usual Python Lambda would be written (for measurement only, bench/).

PyJWT + cryptography for the token and the certificate, boto3 for the registry; the JWKS and the
registry records are cached per instance as ours are (JWKS by kid, registry records for
REGISTRY_CACHE_TTL_SECONDS). Same env vars as ours (docs/contract.md section 5), same rules (section 6),
same simple response. It speaks the Lambda Runtime API with a minimal loop of its own (no
awslambdaric), so the harness drives it exactly as it drives ours.

  authorizer.py                      the Runtime API loop (AWS_LAMBDA_RUNTIME_API)
  authorizer.py --decide FILE N      in-process decision timing (see bench/harness/run.py)
"""
import base64
import hashlib
import http.client
import json
import os
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone

import boto3
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

REGION = os.environ["AWS_REGION"]
TABLE = os.environ["CERT_TABLE_NAME"]
POOL = os.environ["COGNITO_USER_POOL_ID"]
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"
JWKS_URL = os.environ.get("COGNITO_JWKS_URL", ISSUER + "/.well-known/jwks.json")
REGISTRY_TTL = int(os.environ.get("REGISTRY_CACHE_TTL_SECONDS", "30"))
SKEW = int(os.environ.get("CLOCK_SKEW_SECONDS", "0"))
REQUIRE_CNF = os.environ.get("REQUIRE_CERT_BOUND_TOKEN", "false") == "true"
ROUTE_SCOPES = {}
for entry in os.environ["ROUTE_SCOPES"].split(";"):
    if entry.strip():
        route, scopes = entry.split("=", 1)
        ROUTE_SCOPES[route.strip()] = scopes.split()

_endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=_endpoint)

_jwks = {}  # kid -> PyJWK
_jwks_lock = threading.Lock()  # the prefetch thread and the handler
_registry = {}  # thumbprint -> (expires_at, item or None)


def _load_jwks():
    """Fetches the JWKS into _jwks; the caller holds _jwks_lock."""
    with urllib.request.urlopen(JWKS_URL, timeout=2) as r:
        for k in json.load(r)["keys"]:
            if k.get("kid"):
                _jwks[k["kid"]] = jwt.PyJWK(k)


def jwk_for(kid):
    with _jwks_lock:
        if kid not in _jwks:
            _load_jwks()
        return _jwks[kid]


def prefetch_jwks():
    """At start-up, on a thread, as ours does: the first invocation finds the JWKS cached."""
    try:
        with _jwks_lock:
            if not _jwks:
                _load_jwks()
    except Exception:  # the handler fetches again
        pass


def registry_record(thumbprint):
    now = time.monotonic()
    hit = _registry.get(thumbprint)
    if hit and hit[0] > now:
        return hit[1]
    # An eventually consistent read, as ours does.
    item = dynamodb.get_item(TableName=TABLE, Key={"thumbprint": {"S": thumbprint}}).get("Item")
    ttl = REGISTRY_TTL if item else min(REGISTRY_TTL, 5)
    if ttl > 0:
        _registry[thumbprint] = (now + ttl, item)
    return item


def rfc3339(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def decide(event):
    pem = event["requestContext"]["authentication"]["clientCert"]["clientCertPem"]
    cert = x509.load_pem_x509_certificate(pem.encode())
    der = cert.public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der).digest()
    thumbprint = digest.hex()
    now = datetime.now(timezone.utc)
    not_before = cert.not_valid_before.replace(tzinfo=timezone.utc)
    not_after = cert.not_valid_after.replace(tzinfo=timezone.utc)
    if not not_before <= now <= not_after:
        return None
    record = registry_record(thumbprint)
    if not record or record["status"]["S"] != "ACTIVE":
        return None
    if not rfc3339(record["not_before"]["S"]) <= now <= rfc3339(record["not_after"]["S"]):
        return None
    auth = event.get("headers", {}).get("authorization", "")
    if not auth.startswith("Bearer "):
        return None
    token = auth[7:]
    header = jwt.get_unverified_header(token)
    if header.get("alg") != "RS256":
        return None
    claims = jwt.decode(token, jwk_for(header.get("kid")).key, algorithms=["RS256"],
                        issuer=ISSUER, leeway=SKEW, options={"require": ["exp", "iat", "iss"]})
    if claims.get("iat", 0) > now.timestamp() + SKEW:
        return None
    if claims.get("token_use") != "access":
        return None
    if claims.get("client_id") != record["client_id"]["S"]:
        return None
    held = set(claims.get("scope", "").split())
    allowed = set(record["scopes"]["SS"]) if "scopes" in record else None
    for s in ROUTE_SCOPES.get(event.get("routeKey"), [None]):
        if s is None or s not in held or (allowed is not None and s not in allowed):
            return None
    x5t = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    cnf = claims.get("cnf")
    if cnf is not None and (not isinstance(cnf, dict) or cnf.get("x5t#S256") != x5t):
        return None
    if cnf is None and REQUIRE_CNF:
        return None
    return {"client_id": claims["client_id"], "cert_thumbprint": thumbprint,
            "scope": claims.get("scope", ""), "cert_not_after": record["not_after"]["S"]}


def handler(event):
    try:
        context = decide(event)
    except Exception as e:  # any error denies
        print(json.dumps({"level": "warn", "msg": "deny", "error": type(e).__name__}),
              file=sys.stderr)
        context = None
    if context is None:
        return {"isAuthorized": False, "context": {}}
    return {"isAuthorized": True, "context": context}


def runtime_loop():
    threading.Thread(target=prefetch_jwks, daemon=True).start()
    host = os.environ["AWS_LAMBDA_RUNTIME_API"]
    conn = http.client.HTTPConnection(host)
    while True:
        conn.request("GET", "/2018-06-01/runtime/invocation/next")
        r = conn.getresponse()
        body = r.read()
        request_id = r.getheader("Lambda-Runtime-Aws-Request-Id")
        out = json.dumps(handler(json.loads(body))).encode()
        conn.request("POST", f"/2018-06-01/runtime/invocation/{request_id}/response", out,
                     {"Content-Type": "application/json"})
        conn.getresponse().read()


def decide_bench(path, count):
    """Warm once (JWKS and registry cached), then time `count` decisions on fresh tokens."""
    with open(path) as f:
        spec = json.load(f)
    # Events are payload text, as the Runtime API hands them over: parsing is part of the work.
    assert handler(json.loads(spec["warm"]))["isAuthorized"], "the warm-up event must be authorized"
    events = spec["events"]
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    allowed = sum(1 for i in range(count) if handler(json.loads(events[i % len(events)]))["isAuthorized"])
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    print(json.dumps({"count": count, "allowed": allowed, "cpu_us": cpu / count * 1e6,
                      "wall_us": wall / count * 1e6}))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--decide":
        decide_bench(sys.argv[2], int(sys.argv[3]))
    else:
        runtime_loop()
