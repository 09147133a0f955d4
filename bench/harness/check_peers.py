#!/usr/bin/python3
"""The peers must decide as ours does, or their figures compare nothing: each peer, in its
--decide mode, against one allowed event and six that docs/contract.md section 6 refuses. Exits 1 on any
wrong decision. scripts/bench runs it before measuring."""
import base64
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import functions  # noqa: E402


def main():
    pki, other = common.Pki(), common.Pki()

    def mutated(change):
        event = json.loads(pki.event("m"))
        change(event)
        return json.dumps(event)

    def set_token(event, token):
        event["headers"]["authorization"] = "Bearer " + token

    def alg_none(event):
        parts = event["headers"]["authorization"][7:].split(".")
        header = common.b64url(json.dumps({"alg": "none", "kid": "bench-1"}).encode())
        set_token(event, header + "." + parts[1] + ".")

    def tampered(event):
        parts = event["headers"]["authorization"][7:].split(".")
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=="))
        claims["client_id"] = "someone-else"
        set_token(event, parts[0] + "." + common.b64url(json.dumps(claims).encode()) + "." +
                  parts[2])

    cases = [
        ("allowed", pki.event("ok"), 1),
        ("no bearer token", mutated(lambda e: e["headers"].pop("authorization")), 0),
        ("alg none", mutated(alg_none), 0),
        ("claims tampered", mutated(tampered), 0),
        ("certificate not registered", mutated(
            lambda e: e["requestContext"]["authentication"]["clientCert"].update(
                clientCertPem=other.cert_pem)), 0),
        ("token signed by another key", mutated(lambda e: set_token(e, other.token("x"))), 0),
        ("route without a scope rule", mutated(lambda e: e.update(routeKey="GET /other")), 0),
    ]
    failures = 0
    with common.Dynalite(pki) as dynalite, common.JwksServer(pki.jwks()) as jwks, \
            tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "spec.json")
        for name in ("python", "node"):
            cmd = functions.implementations("build/release")[name]
            for label, event, expected in cases:
                with open(spec, "w") as f:
                    json.dump({"warm": pki.event("warm"), "events": [event]}, f)
                r = subprocess.run(cmd + ["--decide", spec, "1"],
                                   env=functions.function_env(dynalite, jwks),
                                   capture_output=True, text=True, timeout=120, check=False)
                lines = r.stdout.strip().splitlines()
                got = json.loads(lines[-1])["allowed"] if r.returncode == 0 and lines else None
                ok = got == expected
                failures += 0 if ok else 1
                print(f"  {name:<6} {label:<30} {'ok' if ok else 'WRONG: ' + repr(got)}")
    if failures:
        print(f"check_peers: {failures} wrong decisions", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
