"""Pieces the benchmark harness shares: keys and certificates, a JWKS server, a Lambda Runtime API
server, dynalite with the registry table, and process helpers. Loopback only; every process
started here is stopped by the code that started it (context managers)."""
import base64
import datetime as dt
import hashlib
import json
import os
import queue
import signal
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REGION = "us-east-1"
POOL = "us-east-1_BenchPool"
TABLE = "bench-cert-registry"
SCOPE = "mtls-api/health.read"
CLIENT_ID = "bench-client"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=20.0):
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class Pki:
    """An RSA-2048 signing key (JWKS kid "bench-1"), a CA and a client certificate."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench CA")])
        # The CA certificate itself is not needed: the functions only parse the client
        # certificate (API Gateway verified the chain), so only its name and key are used.
        client_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CLIENT_ID)]))
                .issuer_name(ca_name).public_key(client_key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(hours=1))
                .not_valid_after(now + dt.timedelta(days=7))
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
                .sign(ca_key, hashes.SHA256()))
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        der = cert.public_bytes(serialization.Encoding.DER)
        self.thumbprint = hashlib.sha256(der).hexdigest()
        self.not_before = cert.not_valid_before.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.not_after = cert.not_valid_after.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.serial = format(cert.serial_number, "x")

    def jwks(self):
        n = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "kid": "bench-1", "alg": "RS256", "use": "sig",
                          "n": b64url(n.n.to_bytes(256, "big")),
                          "e": b64url(n.e.to_bytes(3, "big"))}]}

    def token(self, jti):
        """A Cognito-shaped client_credentials access token, distinct per jti."""
        now = int(time.time())
        header = {"kid": "bench-1", "alg": "RS256"}
        claims = {"sub": CLIENT_ID, "token_use": "access", "scope": SCOPE, "auth_time": now,
                  "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}", "exp": now + 3600,
                  "iat": now, "version": 2, "jti": jti, "client_id": CLIENT_ID}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        sig = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(sig)

    def event(self, jti):
        """A payload 2.0 REQUEST authorizer event for GET /health, as payload text."""
        return json.dumps({
            "version": "2.0", "type": "REQUEST", "routeKey": "GET /health", "rawPath": "/health",
            "rawQueryString": "", "identitySource": ["Bearer ..."],
            "headers": {"authorization": "Bearer " + self.token(jti), "host": "localhost"},
            "requestContext": {
                "accountId": "123456789012", "apiId": "api", "domainName": "localhost",
                "requestId": jti, "routeKey": "GET /health", "stage": "$default",
                "http": {"method": "GET", "path": "/health", "protocol": "HTTP/1.1",
                         "sourceIp": "127.0.0.1", "userAgent": "bench"},
                "authentication": {"clientCert": {
                    "clientCertPem": self.cert_pem, "subjectDN": "CN=" + CLIENT_ID,
                    "issuerDN": "CN=bench CA", "serialNumber": self.serial,
                    "validity": {"notBefore": self.not_before, "notAfter": self.not_after}}}}})


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else Nagle + delayed ACK add ~40 ms per reply

    def log_message(self, *args):  # no access log on stderr
        pass

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread; stopped on exit."""

    def __init__(self, handler_class):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self.httpd.daemon_threads = True
        # A function killed at the end of a measurement resets its connection: not an error.
        self.httpd.handle_error = lambda request, client_address: None
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class JwksServer(Server):
    def __init__(self, jwks):
        body = json.dumps(jwks).encode()

        class H(_Quiet):
            def do_GET(self):
                if self.path.endswith("/.well-known/jwks.json"):
                    self.reply(200, body)
                else:
                    self.reply(404, b"{}")

        super().__init__(H)
        self.url = f"http://127.0.0.1:{self.port}/{POOL}/.well-known/jwks.json"


class RuntimeApi(Server):
    """The Lambda Runtime API for one function process. push() hands an event to the next
    GET /next; results() collects (request id, response body, time the response arrived)."""

    def __init__(self):
        self.events = queue.Queue()
        self.responses = queue.Queue()
        self.init_errors = queue.Queue()
        self.counter = 0
        self.first_next = None
        self.delivered = {}
        self.lock = threading.Lock()

        class H(_Quiet):
            def do_GET(self):
                api = self.server.owner
                if not self.path.endswith("/runtime/invocation/next"):
                    return self.reply(404, b"{}")
                if api.first_next is None:  # the function's init is done when it first asks
                    api.first_next = time.perf_counter()
                while True:  # a bounded wait per poll; the function simply polls again
                    try:
                        rid, payload = api.events.get(timeout=1.0)
                        break
                    except queue.Empty:
                        if getattr(api, "closing", False):
                            return self.reply(410, b"{}")
                # Stamped before the write: a function may answer before this thread runs again.
                api.delivered[rid] = time.perf_counter()
                self.reply(200, payload.encode(), {
                    "Lambda-Runtime-Aws-Request-Id": rid,
                    "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 30000),
                    "Lambda-Runtime-Invoked-Function-Arn":
                        "arn:aws:lambda:us-east-1:123456789012:function:bench"})

            def do_POST(self):
                api = self.server.owner
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                arrived = time.perf_counter()
                self.reply(202, b'{"status":"OK"}')
                if "/runtime/init/error" in self.path:
                    api.init_errors.put(body.decode(errors="replace"))
                else:
                    api.responses.put((self.path.split("/")[-2], body.decode(), arrived))

        super().__init__(H)
        self.endpoint = f"127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.closing = True
        super().__exit__(*exc)

    def push(self, payload):
        with self.lock:
            self.counter += 1
            rid = f"req-{self.counter}"
        self.events.put((rid, payload))
        return rid

    def wait_response(self, timeout=60.0):
        try:
            return self.responses.get(timeout=timeout)
        except queue.Empty:
            errors = []
            while not self.init_errors.empty():
                errors.append(self.init_errors.get())
            raise RuntimeError(f"no response within {timeout} s; init errors: {errors}")


class Dynalite:
    """node_modules/dynalite on a free port with the registry table and one ACTIVE record."""

    def __init__(self, pki):
        self.pki = pki
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.proc = subprocess.Popen(
            ["node", os.path.join(ROOT, "node_modules/dynalite/cli.js"), "--port", str(self.port),
             "--createTableMs", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        try:
            wait_for_port(self.port)
            db = boto3.client("dynamodb", region_name=REGION, endpoint_url=self.endpoint,
                              aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench")
            db.create_table(
                TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "thumbprint", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "thumbprint", "KeyType": "HASH"}])
            give_up = time.monotonic() + 15
            while db.describe_table(TableName=TABLE)["Table"]["TableStatus"] != "ACTIVE":
                if time.monotonic() > give_up:
                    raise RuntimeError("registry table never became ACTIVE")
                time.sleep(0.02)
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            p = self.pki
            db.put_item(TableName=TABLE, Item={
                "thumbprint": {"S": p.thumbprint}, "client_id": {"S": CLIENT_ID},
                "status": {"S": "ACTIVE"}, "serial_number": {"S": p.serial},
                "subject_dn": {"S": "CN=" + CLIENT_ID}, "issuer_dn": {"S": "CN=bench CA"},
                "not_before": {"S": p.not_before}, "not_after": {"S": p.not_after},
                "scopes": {"SS": [SCOPE]}, "created_at": {"S": stamp},
                "updated_at": {"S": stamp}})
        except BaseException:
            stop(self.proc)
            raise
        return self

    def __exit__(self, *exc):
        stop(self.proc)


def stop(proc, grace=5.0):
    """SIGTERM the process group started for proc, then SIGKILL if it lingers; reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def rss_detail_kb(pid):
    """VmRSS split as the kernel counts it: anonymous (heap, stacks), file-backed (code and data
    of the executable and its shared libraries, mapped and touched), shared memory."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM", "Threads"):
                out[key] = int(line.split()[1])
    return out


def cpu_ns(pid):
    """CPU time so far of every thread of pid, in ns (/proc/<pid>/task/*/schedstat, field 1)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended meanwhile
    return total


def percentile(values, p):
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)
