#!/usr/bin/env python3
"""Writes the committed seed corpora of tests/fuzz/<target>/corpus/ (run once; the output is
committed so that fuzz runs are reproducible). Certificates come from the openssl CLI with fresh
EC keys that are thrown away: the seeds hold certificates only, never a private key.

Tokens end in ".SIG": the fuzz targets sign such tokens with their start-up key
(tests/fuzz/common/fuzz_support.hpp), so the seeds reach the claim checks.

The fake registry of the targets answers by the first hex digit of the thumbprint ('1' revoked,
'3' scopes restricted, '5'..'f' active); certificates are generated until each class has one.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ISS = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_FuzzPool"
CLIENT = "fuzzclient"
NOW = 1811808000  # 2027-06-01T00:00:00Z, fuzz_support.hpp kNowEpoch


def run(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_certs(tmp):
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-subj",
        "/CN=Fuzz Root CA", "-addext", "basicConstraints=critical,CA:TRUE", cwd=tmp)
    wanted = {"active": "56789abcdef", "revoked": "1", "scoped": "3"}
    found = {}
    n = 0
    while len(found) < len(wanted) and n < 200:
        n += 1
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "c.key", "-out", "c.csr", "-subj", f"/O=Fuzz/CN={CLIENT}", cwd=tmp)
        run("openssl", "x509", "-req", "-in", "c.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-set_serial", str(1000 + n), "-days", "1500", "-out", "c.pem", cwd=tmp)
        pem = open(os.path.join(tmp, "c.pem")).read()
        der = base64.b64decode("".join(pem.strip().splitlines()[1:-1]))
        thumb = hashlib.sha256(der).hexdigest()
        for name, digits in wanted.items():
            if name not in found and thumb[0] in digits:
                found[name] = (pem, der, thumb)
    if len(found) < len(wanted):
        sys.exit("make_seeds: could not get every thumbprint class")
    return open(os.path.join(tmp, "ca.pem")).read(), found


def write(target, name, data):
    d = os.path.join(ROOT, target, "corpus")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def token(claims=None, header=None, drop=()):
    c = {"sub": CLIENT, "token_use": "access", "scope": "mtls-api/health.read",
         "auth_time": NOW - 10, "iss": ISS, "exp": NOW + 3600, "iat": NOW - 10, "version": 2,
         "jti": "0d5a1bd4-1a2b-4c3d-8e9f-001122334455", "client_id": CLIENT}
    c.update(claims or {})
    for k in drop:
        c.pop(k, None)
    h = header or {"kid": "fuzz-key", "alg": "RS256"}
    return b64u(json.dumps(h, separators=(",", ":"))) + "." + \
        b64u(json.dumps(c, separators=(",", ":"))) + ".SIG"


def event(route="GET /health", pem=None, headers=None, body=None, b64=False, lam=None):
    rc = {"accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
          "requestId": "req-1", "routeKey": route, "stage": "$default",
          "http": {"method": route.split(" ")[0], "path": route.split(" ")[-1],
                   "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "fuzz"}}
    if pem is not None:
        rc["authentication"] = {"clientCert": {"clientCertPem": pem, "subjectDN": "CN=x",
                                               "issuerDN": "CN=y", "serialNumber": "01"}}
    if lam is not None:
        rc["authorizer"] = {"lambda": lam}
    e = {"version": "2.0", "type": "REQUEST", "routeKey": route,
         "rawPath": route.split(" ")[-1], "rawQueryString": "", "headers": headers or {},
         "requestContext": rc}
    if body is not None:
        e["body"] = base64.b64encode(body.encode()).decode() if b64 else body
        e["isBase64Encoded"] = b64
    return json.dumps(e, indent=1)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        ca_pem, certs = make_certs(tmp)
    active_pem, active_der, active_thumb = certs["active"]
    x5t = b64u(hashlib.sha256(active_der).digest())

    # certificate
    write("certificate", "client.pem", active_pem)
    write("certificate", "ca.pem", ca_pem)
    write("certificate", "client.der", active_der)
    write("certificate", "two.pem", active_pem + ca_pem)
    write("certificate", "truncated.pem", active_pem[: len(active_pem) // 2])
    write("certificate", "private-key.pem",
          "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n")
    write("certificate", "crlf.pem", active_pem.replace("\n", "\r\n"))

    # jwt
    jwts = {
        "valid": token(),
        "cnf": token({"cnf": {"x5t#S256": x5t}}),
        "expired": token({"exp": NOW - 1}),
        "future-iat": token({"iat": NOW + 100}),
        "nbf": token({"nbf": NOW + 100}),
        "wrong-iss": token({"iss": ISS + "x"}),
        "id-token": token({"token_use": "id"}),
        "no-exp": token(drop=("exp",)),
        "no-scope": token(drop=("scope",)),
        "scope-array": token({"scope": ["a", "b"]}),
        "alg-none": token(header={"kid": "fuzz-key", "alg": "none"})[:-3],
        "hs256": token(header={"kid": "fuzz-key", "alg": "HS256"})[:-3] + "c2ln",
        "unknown-kid": token(header={"kid": "other", "alg": "RS256"}),
        "no-kid": token(header={"alg": "RS256"}),
        "unsigned": token()[:-4] + ".AAAA",
    }
    for name, t in jwts.items():
        write("jwt", name, t)

    # authorizer
    bearer = {"authorization": "Bearer " + token()}
    write("authorizer", "allow.json", event(pem=active_pem, headers=bearer))
    write("authorizer", "allow-cnf.json",
          event(pem=active_pem, headers={"authorization": "Bearer " + token({"cnf": {"x5t#S256": x5t}})}))
    write("authorizer", "revoked.json", event(pem=certs["revoked"][0], headers=bearer))
    write("authorizer", "scoped.json", event(pem=certs["scoped"][0], headers=bearer))
    write("authorizer", "no-cert.json", event(headers=bearer))
    write("authorizer", "other-route.json", event(route="POST /x", pem=active_pem, headers=bearer))
    write("authorizer", "expired-token.json",
          event(pem=active_pem, headers={"authorization": "Bearer " + token({"exp": NOW - 5})}))
    write("authorizer", "not-json.txt", '{"version":"2.0","headers":')

    # token
    basic = "Basic " + base64.b64encode(f"{CLIENT}:secret".encode()).decode()
    form = "application/x-www-form-urlencoded"
    for name, body, b64, pem in [
        ("issue", "grant_type=client_credentials", False, active_pem),
        ("issue-scope", "grant_type=client_credentials&scope=mtls-api%2Fhealth.read", False,
         active_pem),
        ("issue-b64", "grant_type=client_credentials&scope=a+b", True, active_pem),
        ("throw", "grant_type=client_credentials&scope=throw", False, active_pem),
        ("html", "grant_type=client_credentials&scope=html", False, active_pem),
        ("denied", "grant_type=client_credentials&scope=denied", False, active_pem),
        ("scoped", "grant_type=client_credentials&scope=other", False, certs["scoped"][0]),
        ("revoked", "grant_type=client_credentials", False, certs["revoked"][0]),
        ("no-cert", "grant_type=client_credentials", False, None),
        ("password-grant", "grant_type=password&username=a", False, active_pem),
        ("repeated", "grant_type=client_credentials&grant_type=client_credentials", False,
         active_pem),
    ]:
        write("token", name + ".json",
              event(route="POST /token", pem=pem, headers={"authorization": basic,
                                                            "content-type": form},
                    body=body, b64=b64))

    # health
    lam = {"client_id": CLIENT, "cert_thumbprint": active_thumb, "scope": "mtls-api/health.read",
           "cert_not_after": "2031-01-01T00:00:00Z"}
    write("health", "ok.json", event(pem=active_pem, lam=lam))
    write("health", "other-thumbprint.json",
          event(pem=certs["revoked"][0], lam=lam))
    write("health", "no-authorizer.json", event(pem=active_pem))
    write("health", "no-cert.json", event(lam=lam))

    # form_basic
    for name, text in [
        ("ok", basic + "\ngrant_type=client_credentials&scope=mtls-api%2Fhealth.read"),
        ("plus", basic + "\ngrant_type=client_credentials&scope=a+b+c"),
        ("bad-escape", basic + "\ngrant_type=%zz"),
        ("encoded-user",
         "Basic " + base64.b64encode(b"fuzz%3Aclient:s%20ecret").decode() + "\ngrant_type=client_credentials"),
        ("no-colon", "Basic " + base64.b64encode(b"fuzzclient").decode() + "\ngrant_type=x"),
        ("lower-scheme", "basic   " + base64.b64encode(b"a:b").decode() + "\n&&=&a==b"),
        ("bearer", "Bearer abc\nclient_id=fuzzclient&grant_type=client_credentials"),
    ]:
        write("form_basic", name, text)

    # sigv4
    for name, text in [
        ("dynamodb", "https://dynamodb.us-east-1.amazonaws.com/\nContent-Type: application/x-amz-json-1.0\n"
                     "X-Amz-Target: DynamoDB_20120810.GetItem\n\n{\"TableName\":\"t\"}"),
        ("s3", "https://b.s3.amazonaws.com/a%20key/../x//y?versionId=1&acl\nHost: b.s3.amazonaws.com\n\nbody"),
        ("query", "http://127.0.0.1:8000/p/./q/?b=2&a=1&a=0&c=%2F&d=+&e\nMy-Header:  a   b  \nmy-header: c\n\n"),
        ("unicode", "https://example.amazonaws.com/\xc3\xa9t\xc3\xa9?k=\xe2\x82\xac\nX-Empty:\n\n"),
        ("no-host", "/relative\n\n"),
    ]:
        write("sigv4", name, text)

    # gateway
    auth_line = "Authorization: Bearer " + token() + "\r\n"
    for name, text in [
        ("health", "GET /health HTTP/1.1\r\nHost: localhost\r\n" + auth_line + "\r\n"),
        ("health-no-auth", "GET /health?x=1&y=%20 HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        ("token", "POST /token HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + form +
         "\r\nContent-Length: 29\r\n\r\ngrant_type=client_credentials"),
        ("chunked", "POST /token HTTP/1.1\r\nHost: l\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n0\r\n\r\n"),
        ("function-answer", "POST /token HTTP/1.1\r\nHost: l\r\nContent-Length: 81\r\n\r\n"
                            '{"statusCode":201,"headers":{"x":"1"},"body":"aGk=","isBase64Encoded":true,"cookies":["a=b"]}'[:81]),
        ("authorizer-answer", "POST /x HTTP/1.0\r\nContent-Length: 50\r\n\r\n"
                              '{"isAuthorized":true,"context":{"client_id":"c"}}  '),
        ("dup-headers", "GET /health HTTP/1.1\r\nAuthorization: a\r\nauthorization: b\r\n"
                        "Cookie: a=1\r\nCookie: b=2\r\n\r\n"),
        ("not-found", "DELETE /nope/../health HTTP/1.1\r\n\r\n"),
    ]:
        write("gateway", name, text)


if __name__ == "__main__":
    main()
