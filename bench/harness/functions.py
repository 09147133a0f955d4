"""Function-level measurements, ours and the peers under one harness (items 1-4 of the issue):
in-process decision on fresh tokens (peers; ours comes from authorizer_bench), cold start, warm
Runtime API round trip, resident memory after 1000 invocations."""
import json
import os
import signal
import subprocess
import tempfile
import time

from common import (POOL, REGION, ROOT, TABLE, SCOPE, Dynalite, JwksServer, Pki, RuntimeApi,
                    cpu_ns, percentile, rss_detail_kb, stop)

PYTHON = "/usr/bin/python3"  # Debian's, which has python3-jwt, -cryptography and -boto3


def implementations(build_dir):
    return {
        "cpp": [os.path.join(build_dir, "bin", "authorizer")],
        "python": [PYTHON, os.path.join(ROOT, "bench/peers/python/authorizer.py")],
        "node": ["node", os.path.join(ROOT, "bench/peers/node/authorizer.js")],
    }


def function_env(dynalite, jwks, api=None):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "AKIDBENCH",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_ENDPOINT_URL_DYNAMODB": dynalite.endpoint,
        "CERT_TABLE_NAME": TABLE,
        "COGNITO_USER_POOL_ID": POOL,
        "COGNITO_JWKS_URL": jwks.url,
        "ROUTE_SCOPES": "GET /health=" + SCOPE,
        "REGISTRY_CACHE_TTL_SECONDS": "300",
        # Ours logs one line per decision at info; the peers log only denials. Errors only, for all.
        "LOG_LEVEL": "error",
    }
    if api is not None:
        env["AWS_LAMBDA_RUNTIME_API"] = api.endpoint
    return env


def start(cmd, env, log):
    return subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            start_new_session=True)


def kill_and_cpu_ms(proc):
    """SIGKILL the function (its group) and reap it with wait4: its user + system CPU time."""
    os.killpg(proc.pid, signal.SIGKILL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = -signal.SIGKILL if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return (usage.ru_utime + usage.ru_stime) * 1000.0


def allowed(body):
    return json.loads(body).get("isAuthorized") is True


def cold_starts(cmd, dynalite, jwks, event, runs, log):
    """Process start to the first invocation's response arriving at the Runtime API (the first
    invocation fetches the JWKS and reads the registry: nothing is warm)."""
    times, inits, cpu = [], [], []
    for _ in range(runs):
        with RuntimeApi() as api:
            api.push(event)
            t0 = time.perf_counter()
            proc = start(cmd, function_env(dynalite, jwks, api), log)
            try:
                _, body, arrived = api.wait_response(60)
                # CPU time of the whole cold start (user + system, every thread), which the other
                # processes on a loaded machine do not inflate as they inflate wall time.
                cpu.append(kill_and_cpu_ms(proc))
            finally:
                stop(proc)
            if not allowed(body):
                raise RuntimeError(f"{cmd}: first invocation denied: {body}")
            times.append((arrived - t0) * 1000.0)
            inits.append((api.first_next - t0) * 1000.0)
    return times, inits, cpu


def warm(cmd, dynalite, jwks, events, invocations, log):
    """One instance; after a first (cold) invocation, `invocations` sequential round trips: event
    handed over -> response received. Then VmRSS while it waits in /next."""
    with RuntimeApi() as api:
        proc = start(cmd, function_env(dynalite, jwks, api), log)
        try:
            api.push(events[0])
            api.wait_response(60)
            rtts = []
            cpu0 = cpu_ns(proc.pid)
            for i in range(invocations):
                api.push(events[1 + i % (len(events) - 1)])
                rid, body, arrived = api.wait_response(30)
                # From the event written to GET /next to the response posted: what Lambda bills
                # as the invocation's duration (the function's way back to /next is not in it).
                rtts.append((arrived - api.delivered[rid]) * 1000.0)
                if not allowed(body):
                    raise RuntimeError(f"{cmd}: invocation {i} denied: {body}")
            cpu = (cpu_ns(proc.pid) - cpu0) / invocations / 1e6
            time.sleep(0.2)  # let it reach GET /next (RSS is read while it waits there)
            rss = rss_detail_kb(proc.pid)
        finally:
            stop(proc)
    return rtts, rss, cpu


def decide_peer(cmd, dynalite, jwks, pki, count, log):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"warm": pki.event("warm"), "events": [pki.event(f"d-{i}") for i in range(count)]},
                  f)
        path = f.name
    try:
        out = subprocess.run(cmd + ["--decide", path, str(count)], env=function_env(dynalite, jwks),
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600,
                             check=False)
    finally:
        os.unlink(path)
    log.write(out.stderr.encode())
    if out.returncode != 0:
        raise RuntimeError(f"{cmd} --decide failed: {out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["allowed"] != count:
        raise RuntimeError(f"{cmd} --decide: only {result['allowed']} of {count} allowed")
    return result


def run(build_dir, results_dir, cold_runs=20, invocations=1000, decisions=2000):
    pki = Pki()
    events = [pki.event(f"w-{i}") for i in range(200)]  # distinct tokens, cycled
    impls = implementations(build_dir)
    floor = [os.path.join(build_dir, "bin", "runtime_floor")]
    out = {"cold_start_ms": {}, "warm_rtt_ms": {}, "rss_kb": {}, "rss_detail_kb": {},
           "decision_us": {}}
    log_path = os.path.join(results_dir, "functions.log")
    with open(log_path, "wb") as log, Dynalite(pki) as dynalite, JwksServer(pki.jwks()) as jwks:
        for name in ("python", "node"):
            print(f"  decision in process: {name} ({decisions} fresh tokens)", flush=True)
            out["decision_us"][name] = decide_peer(impls[name], dynalite, jwks, pki, decisions, log)
        # Cold starts round-robin (floor, ours, Python, Node, then again): a change in the
        # machine's load during the measurement reaches all of them alike.
        cold = {"floor": floor, **impls}
        samples = {name: ([], [], []) for name in cold}
        print(f"  cold start: {', '.join(cold)} x {cold_runs}, round-robin", flush=True)
        for _ in range(cold_runs):
            for name, cmd in cold.items():
                t, inits, cpu = cold_starts(cmd, dynalite, jwks, events[0], 1, log)
                for acc, value in zip(samples[name], (t, inits, cpu)):
                    acc.extend(value)
        for name, (t, inits, cpu) in samples.items():
            # init: process start to its first GET /next (loading, imports, configuration);
            # the rest is the first invocation (JWKS fetch, registry read, decision).
            out["cold_start_ms"][name] = {"runs": t, "median": percentile(t, 50),
                                          "min": min(t), "max": max(t),
                                          "init_median": percentile(inits, 50),
                                          "cpu_median": percentile(cpu, 50)}
        for name, cmd in impls.items():
            print(f"  warm: {name} x {invocations} invocations, then VmRSS", flush=True)
            rtts, rss, cpu = warm(cmd, dynalite, jwks, events, invocations, log)
            # cpu_ms: the function's own CPU time per invocation (all threads), which load on
            # the machine does not inflate; the round trip percentiles are wall time.
            out["warm_rtt_ms"][name] = {"p50": percentile(rtts, 50), "p99": percentile(rtts, 99),
                                        "mean": sum(rtts) / len(rtts), "count": len(rtts),
                                        "cpu_ms": cpu}
            out["rss_kb"][name] = rss["VmRSS"]
            out["rss_detail_kb"][name] = rss
    return out
