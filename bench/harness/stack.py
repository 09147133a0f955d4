"""The local stack under load (item 5 of the issue): full TLS handshakes per second (a new
connection, full handshake, per request) and requests per second on kept-alive connections for
GET /health, with a load generator that presents the demo client certificate; and nginx (Debian)
configured for mTLS with the same server certificate, key and client truststore serving a static
200, as the ceiling for the handshake figure. The load generator is the same Python/OpenSSL code
for both targets and runs on the same 2 cores, so both figures are lower bounds and the ratio is
what matters."""
import base64
import json
import multiprocessing as mp
import os
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse

from common import ROOT, free_port, stop, wait_for_port


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                env[k] = v.strip("'\"")
    return env


def context(env):
    ctx = ssl.create_default_context(cafile=env["SERVER_CA"])
    ctx.load_cert_chain(env["CLIENT_CERT"], env["CLIENT_KEY"])
    return ctx


def read_response(sock_file):
    status = sock_file.readline()
    if not status:
        raise ConnectionError("connection closed")
    length = 0
    while True:
        line = sock_file.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    sock_file.read(length)
    return int(status.split()[1])


def _worker(env, port, request, keepalive, seconds, out):
    ctx = context(env)
    ok = errors = 0
    end = time.monotonic() + seconds
    conn = f = None
    while time.monotonic() < end:
        try:
            if conn is None:
                raw = socket.create_connection(("127.0.0.1", port), timeout=10)
                # As curl and HTTP client libraries do: the request must not wait behind Nagle
                # for the acknowledgement of the handshake's last flight.
                raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn = ctx.wrap_socket(raw, server_hostname="localhost")
                f = conn.makefile("rb")
            conn.sendall(request)
            status = read_response(f)
            ok += 1 if status == 200 else 0
            errors += 0 if status == 200 else 1
            if not keepalive:
                f.close()
                conn.close()
                conn = None
        except (OSError, ValueError, IndexError):
            errors += 1
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()
    out.put((ok, errors))


def load(env, port, token, keepalive, seconds, workers):
    headers = ["GET /health HTTP/1.1", "Host: localhost",
               "Connection: " + ("keep-alive" if keepalive else "close")]
    if token:
        headers.append("Authorization: Bearer " + token)
    request = ("\r\n".join(headers) + "\r\n\r\n").encode()
    out = mp.Queue()
    procs = [mp.Process(target=_worker, args=(env, port, request, keepalive, seconds, out))
             for _ in range(workers)]
    t0 = time.monotonic()
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 60) for _ in procs]
    elapsed = time.monotonic() - t0
    for p in procs:
        p.join(timeout=10)
        if p.is_alive():
            p.terminate()
            p.join()
    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    return {"per_second": ok / elapsed, "ok": ok, "errors": errors, "seconds": elapsed,
            "workers": workers}


TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    comm = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    # fields[1] is ppid, fields[11] utime, fields[12] stime (proc(5), counted from field 3)
    return comm, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK * 1000.0


def tree_cpu_ms(root_pid):
    """CPU ms so far of root_pid and its descendants, by command name (zombies excluded)."""
    procs = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                procs[int(entry)] = _stat(int(entry))
            except (OSError, ValueError):
                pass
    children = {}
    for pid, (_, ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = {}, [root_pid]
    while todo:
        pid = todo.pop()
        if pid in procs:
            comm, _, cpu = procs[pid]
            out[comm] = out.get(comm, 0.0) + cpu
        todo.extend(children.get(pid, []))
    return out


def measured_load(root_pid, *args):
    """load(), plus the server side's CPU ms per successful request (by process name)."""
    before = tree_cpu_ms(root_pid)
    result = load(*args)
    after = tree_cpu_ms(root_pid)
    result["server_cpu_ms_per_request"] = {
        k: (after[k] - before.get(k, 0.0)) / max(result["ok"], 1) for k in after}
    return result


def profile(root_pid, comm, path, run_load):
    """perf record -g of the process named comm under root_pid while run_load() runs."""
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
    target = None
    for p in pids:
        try:
            name, _, _ = _stat(int(p))
        except (OSError, ValueError):
            continue
        if name == comm and root_pid in _ancestors(int(p)):
            target = int(p)
    if target is None:
        return {"error": f"no {comm} under {root_pid}"}
    rec = subprocess.Popen(["perf", "record", "-g", "-F", "2000", "-o", path, "-p", str(target)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        result = run_load()
    finally:
        rec.send_signal(2)  # SIGINT: perf writes its file and exits
        try:
            rec.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stop(rec)
    result["perf_data"] = path
    return result


def _ancestors(pid):
    out = []
    while pid > 1:
        try:
            _, pid, _ = _stat(pid)
        except (OSError, ValueError):
            break
        out.append(pid)
    return out


def get_token(env, port):
    ctx = context(env)
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": env["SCOPE"]})
    basic = base64.b64encode(f"{env['CLIENT_ID']}:{env['CLIENT_SECRET']}".encode()).decode()
    request = (f"POST /token HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {basic}\r\n"
               f"Content-Type: application/x-www-form-urlencoded\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}").encode()
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20),
                         server_hostname="localhost") as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, payload = data.partition(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n")[0]:
        raise RuntimeError(f"POST /token failed: {data[:500]!r}")
    return json.loads(payload)["access_token"]


NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 512; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_client_certificate {truststore};
    ssl_verify_client on;
    ssl_verify_depth 3;
    ssl_session_cache off;
    ssl_session_tickets off;
    keepalive_requests 1000000;
    location = /health {{ default_type application/json; return 200 '{{"status":"ok"}}'; }}
  }}
}}
"""


# Load processes: two per core. The gateway's request path waits on two other processes (the
# authorizer and the health function, through its Runtime API); with one client per core it is
# measured waiting for them rather than at its rate. nginx gets the same load.
def run(build_dir, results_dir, seconds=8, workers=4):
    state = tempfile.mkdtemp(prefix="agm-bench-stack-")
    ports = {"GATEWAY_PORT": free_port(), "DYNAMODB_PORT": free_port(),
             "COGNITO_PORT": free_port(), "SSM_PORT": free_port()}
    env = dict(os.environ, LOCAL_STATE_DIR=state, BUILD_DIR=os.path.abspath(build_dir),
               LOG_LEVEL="error", **{k: str(v) for k, v in ports.items()})
    out = {}
    log = open(os.path.join(results_dir, "stack.log"), "wb")
    proc = subprocess.Popen([os.path.join(ROOT, "scripts/local")], env=env, cwd=ROOT,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            start_new_session=True)
    try:
        env_file = os.path.join(state, "env")
        give_up = time.monotonic() + 180
        while not os.path.exists(env_file):
            if proc.poll() is not None:
                raise RuntimeError(f"scripts/local exited with {proc.returncode}; see stack.log")
            if time.monotonic() > give_up:
                raise RuntimeError("scripts/local not ready after 180 s; see stack.log")
            time.sleep(0.2)
        stack_env = read_env(env_file)
        gw = ports["GATEWAY_PORT"]
        token = get_token(stack_env, gw)
        # One authorized request first: the functions are started and the authorizer cache warm.
        warmup = load(stack_env, gw, token, False, 1, 1)
        if warmup["ok"] == 0:
            raise RuntimeError(f"GET /health through the gateway never returned 200: {warmup}")
        print(f"  gateway: handshakes ({seconds} s, {workers} workers)", flush=True)
        out["gateway_handshakes"] = measured_load(proc.pid, stack_env, gw, token, False, seconds,
                                                  workers)
        if os.environ.get("BENCH_PROFILE_GATEWAY"):  # a perf profile of the gateway (analysis)
            out["gateway_profile"] = profile(proc.pid, "agm-gateway",
                                             os.environ["BENCH_PROFILE_GATEWAY"],
                                             lambda: load(stack_env, gw, token, False, seconds,
                                                          workers))
        print(f"  gateway: kept-alive requests ({seconds} s, {workers} workers)", flush=True)
        out["gateway_keepalive"] = measured_load(proc.pid, stack_env, gw, token, True, seconds,
                                                 workers)
        server_dir = os.path.join(state, "server")
        nginx_dir = os.path.join(state, "nginx")
        os.makedirs(nginx_dir)
        nport = free_port()
        with open(os.path.join(nginx_dir, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(dir=nginx_dir, port=nport,
                                      cert=os.path.join(server_dir, "server.pem"),
                                      key=os.path.join(server_dir, "server.key"),
                                      truststore=stack_env["TRUSTSTORE"]))
        nginx = subprocess.Popen(["nginx", "-p", nginx_dir, "-e", os.path.join(nginx_dir, "e.log"),
                                  "-c", os.path.join(nginx_dir, "nginx.conf")],
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                 start_new_session=True)
        try:
            wait_for_port(nport)
            print(f"  nginx: handshakes ({seconds} s, {workers} workers)", flush=True)
            out["nginx_handshakes"] = measured_load(nginx.pid, stack_env, nport, token, False,
                                                    seconds, workers)
            print(f"  nginx: kept-alive requests ({seconds} s, {workers} workers)", flush=True)
            out["nginx_keepalive"] = measured_load(nginx.pid, stack_env, nport, token, True,
                                                   seconds, workers)
        finally:
            stop(nginx)
    finally:
        stop(proc, grace=15)
        log.close()
        subprocess.run(["rm", "-rf", state], check=False)
    return out
