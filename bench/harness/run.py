#!/usr/bin/python3
"""`make bench` after authorizer_bench: the peers, the local stack and nginx under one harness,
then every ratio against its goal, the AWS cost table, JSON in bench/results/, PNG plots in
docs/benchmarks/ and docs/benchmarks.md.

  bench/harness/run.py --build-dir build/release [--quick] [--skip-stack]
"""
import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cost  # noqa: E402
import functions  # noqa: E402
import stack  # noqa: E402
from common import ROOT  # noqa: E402

NAMES = {"cpp": "ours (C++)", "python": "Python (PyJWT, boto3)",
         "node": "Node (aws-jwt-verify, SDK v3)"}


def median_cpu_us(bench_json, name):
    # run_name carries suffixes such as "/iterations:4095"; the function name is before them.
    def base(b):
        return b.get("run_name", b.get("name", "")).split("/")[0]

    for b in bench_json["benchmarks"]:
        if base(b) == name and b.get("aggregate_name") == "median":
            return b["cpu_time"] * {"us": 1, "ns": 1e-3, "ms": 1e3}[b["time_unit"]]
    for b in bench_json["benchmarks"]:  # single run, no aggregates
        if base(b) == name and b.get("run_type", "iteration") == "iteration":
            return b["cpu_time"] * {"us": 1, "ns": 1e-3, "ms": 1e3}[b["time_unit"]]
    raise KeyError(name)


def goal(label, value, target, holds, unit="x"):
    return {"goal": label, "value": value, "target": target, "holds": bool(holds), "unit": unit}


def evaluate(bench, fn, st):
    floor = median_cpu_us(bench, "BM_Rs256VerifyFloor")
    ours = median_cpu_us(bench, "BM_AuthorizerDecisionFreshToken")
    py = fn["decision_us"]["python"]["cpu_us"]
    node = fn["decision_us"]["node"]["cpu_us"]
    cold = {k: v["median"] for k, v in fn["cold_start_ms"].items()}
    rss = fn["rss_kb"]
    prepared = median_cpu_us(bench, "BM_Part_Rs256VerifyPrepared")
    goals = [
        goal("decision / RSA-2048 floor <= 1.25", ours / floor, 1.25, ours / floor <= 1.25),
        goal("cold start / harness floor <= 2", cold["cpp"] / cold["floor"], 2,
             cold["cpp"] / cold["floor"] <= 2),
        goal("PyJWT decision / ours >= 2", py / ours, 2, py / ours >= 2),
        goal("aws-jwt-verify decision / ours >= 2", node / ours, 2, node / ours >= 2),
        goal("Python cold start / ours >= 50", cold["python"] / cold["cpp"], 50,
             cold["python"] / cold["cpp"] >= 50),
        goal("Node cold start / ours >= 20", cold["node"] / cold["cpp"], 20,
             cold["node"] / cold["cpp"] >= 20),
        goal("ours RSS / Python RSS <= 0.25", rss["cpp"] / rss["python"], 0.25,
             rss["cpp"] / rss["python"] <= 0.25),
    ]
    if st:
        r = st["gateway_handshakes"]["per_second"] / st["nginx_handshakes"]["per_second"]
        goals.append(goal("gateway handshakes/s / nginx >= 0.70", r, 0.7, r >= 0.7))
    decision = {"floor_us": floor, "prepared_us": prepared, "cpp_us": ours, "python_us": py,
                "node_us": node}
    costs = cost.table(fn)
    return decision, goals, costs


def plots(decision, fn, st, out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(out_dir, exist_ok=True)
    impls = ["cpp", "python", "node"]
    labels = ["ours", "Python", "Node"]

    def bar(name, title, ylabel, xs, ys, log=False):
        fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
        bars = ax.bar(xs, ys, color=["#1f77b4", "#ff7f0e", "#2ca02c", "#7f7f7f"][:len(xs)])
        for b, y in zip(bars, ys):
            ax.annotate(f"{y:.3g}", (b.get_x() + b.get_width() / 2, y), ha="center",
                        va="bottom", fontsize=9)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        if log:
            ax.set_yscale("log")
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, name))
        plt.close(fig)

    bar("decision.png", "Authorizer decision, fresh token (CPU time)", "µs per decision",
        ["RSA-2048 floor", "ours", "PyJWT", "aws-jwt-verify"],
        [decision["floor_us"], decision["cpp_us"], decision["python_us"], decision["node_us"]])
    bar("cold_start.png", "Cold start to first response (median of runs)", "ms (log)", labels,
        [fn["cold_start_ms"][k]["median"] for k in impls], log=True)
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
    x = range(len(impls))
    ax.bar([i - 0.2 for i in x], [fn["warm_rtt_ms"][k]["p50"] for k in impls], 0.4, label="p50")
    ax.bar([i + 0.2 for i in x], [fn["warm_rtt_ms"][k]["p99"] for k in impls], 0.4, label="p99")
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels)
    ax.set_yscale("log")
    ax.set_ylabel("ms (log)")
    ax.set_title("Warm invocation round trip via the Runtime API")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "warm_rtt.png"))
    plt.close(fig)
    bar("rss.png", "Resident memory after 1000 invocations", "MB", labels,
        [fn["rss_kb"][k] / 1024 for k in impls])
    if st:
        fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
        ax.bar([-0.2, 0.8], [st["gateway_handshakes"]["per_second"],
                             st["gateway_keepalive"]["per_second"]], 0.4, label="local gateway")
        ax.bar([0.2, 1.2], [st["nginx_handshakes"]["per_second"],
                            st["nginx_keepalive"]["per_second"]], 0.4, label="nginx (static 200)")
        ax.set_xticks([0, 1])
        ax.set_xticklabels(["full handshake per request", "kept-alive connections"])
        ax.set_ylabel("requests / s")
        ax.set_title("GET /health over mTLS, loopback")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, "stack.png"))
        plt.close(fig)


def srv(result, name):
    return result.get("server_cpu_ms_per_request", {}).get(name, float("nan"))


def doc(path, meta, decision, fn, st, goals, costs):
    f1 = lambda v: f"{v:.1f}"  # noqa: E731
    f2 = lambda v: f"{v:.2f}"  # noqa: E731
    cold = fn["cold_start_ms"]
    warm = fn["warm_rtt_ms"]
    rss = fn["rss_kb"]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`scripts/bench`: `authorizer_bench`, then "
        "`bench/harness/run.py`) on this project's development machine; every figure below is "
        "from that one run, and every ratio compares figures measured in it. Raw results: "
        "`bench/results/*.json`.",
        "",
        f"Run: {meta['date']}, {meta['machine']}, load average at start {meta['load']} "
        "(the machine is shared with other builds: absolute figures are noisy, ratios less so).",
        "",
        "## Goals",
        "",
        "| goal | measured | holds |",
        "| --- | --- | --- |",
    ]
    for g in goals:
        lines.append(f"| {g['goal']} | {g['value']:.2f} | {'yes' if g['holds'] else '**no**'} |")
    lines += [
        "",
        "## 1. Authorizer decision in process, token not seen before",
        "",
        "CPU time per decision: event JSON text in, response out; registry and JWKS cached (a warm "
        "instance), every token distinct. Ours and the floor (one RSA-2048 PKCS#1 v1.5 SHA-256 "
        "verification with OpenSSL: `EVP_DigestVerifyInit` + `EVP_DigestVerify`) from `authorizer_bench` "
        "(median of 15 repetitions in random order); the peers "
        "from `--decide` mode of each peer (2000 decisions after a warm-up, `time.process_time` / "
        "`process.cpuUsage`).",
        "",
        "| | µs / decision | vs floor | peer / ours |",
        "| --- | --- | --- | --- |",
        f"| RSA-2048 verify (floor) | {f1(decision['floor_us'])} | 1.00 | |",
        f"| the same, key prepared once (`oauth::Rs256Key`, what ours does) | "
        f"{f1(decision['prepared_us'])} | {f2(decision['prepared_us'] / decision['floor_us'])} | |",
        f"| ours | {f1(decision['cpp_us'])} | {f2(decision['cpp_us'] / decision['floor_us'])} | |",
        f"| PyJWT | {f1(decision['python_us'])} | "
        f"{f2(decision['python_us'] / decision['floor_us'])} | "
        f"{f2(decision['python_us'] / decision['cpp_us'])} |",
        f"| aws-jwt-verify | {f1(decision['node_us'])} | "
        f"{f2(decision['node_us'] / decision['floor_us'])} | "
        f"{f2(decision['node_us'] / decision['cpp_us'])} |",
        "",
        "![decision](benchmarks/decision.png)",
        "",
        "## 2. Cold start",
        "",
        f"Process start to the first invocation's response at the Runtime API, "
        f"{len(cold['cpp']['runs'])} runs each; the first invocation fetches the JWKS and reads "
        "the registry (dynalite), nothing is warm. *init* is process start to the function's first "
        "`GET /next` (loading, imports, configuration). *CPU* is the process's user + system "
        "time for the whole cold start (from `wait4`), which other load on the machine does not "
        "inflate as it inflates wall time.",
        "",
        "| | median ms | min | max | init median ms | CPU median ms | peer / ours (median) | "
        "peer / ours (CPU) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for k in ("cpp", "python", "node"):
        c = cold[k]
        ratio = "" if k == "cpp" else f2(c["median"] / cold["cpp"]["median"])
        cratio = "" if k == "cpp" else f2(c["cpu_median"] / cold["cpp"]["cpu_median"])
        lines.append(f"| {NAMES[k]} | {f1(c['median'])} | {f1(c['min'])} | {f1(c['max'])} | "
                     f"{f1(c['init_median'])} | {f1(c['cpu_median'])} | {ratio} | {cratio} |")
    if "floor" in cold:
        c = cold["floor"]
        lines.append(f"| harness floor (`runtime_floor`) | {f1(c['median'])} | {f1(c['min'])} | "
                     f"{f1(c['max'])} | {f1(c['init_median'])} | {f1(c['cpu_median'])} | | |")
        lines += [
            "",
            "The runs are interleaved (floor, ours, Python, Node, then again). *Harness floor* is "
            "`bench/floor/runtime_floor.cpp`: a static program that only answers the event at the "
            "Runtime API (no registry, no JWKS, no check). It is the part of every cold start "
            "that belongs to process creation and the harness's Python Runtime API server; above "
            f"it, ours takes {f1(cold['cpp']['median'] - c['median'])} ms, Python "
            f"{f1(cold['python']['median'] - c['median'])} ms, Node "
            f"{f1(cold['node']['median'] - c['median'])} ms.",
        ]
    lines += [
        "",
        "![cold start](benchmarks/cold_start.png)",
        "",
        "## 3. Warm invocation round trip",
        "",
        f"One instance, {warm['cpp']['count']} sequential invocations after the first (distinct "
        "tokens): from the event written as the answer to `GET /next` to the response arriving "
        "at `POST .../response`, which is what Lambda bills as duration. The harness's Runtime "
        "API is a Python server; its own latency is in every figure.",
        "",
        "*CPU* is the function's own CPU time per invocation (every thread, from "
        "`/proc/<pid>/task/*/schedstat`), which load on the machine does not inflate.",
        "",
        "| | p50 ms | p99 ms | mean ms | CPU ms / invocation | p50 peer / ours | "
        "CPU peer / ours |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for k in ("cpp", "python", "node"):
        w = warm[k]
        ratio = "" if k == "cpp" else f2(w["p50"] / warm["cpp"]["p50"])
        cratio = "" if k == "cpp" else f2(w["cpu_ms"] / warm["cpp"]["cpu_ms"])
        lines.append(f"| {NAMES[k]} | {w['p50']:.3f} | {w['p99']:.3f} | {w['mean']:.3f} | "
                     f"{w['cpu_ms']:.3f} | {ratio} | {cratio} |")
    lines += [
        "",
        "![warm round trip](benchmarks/warm_rtt.png)",
        "",
        "## 4. Resident memory after 1000 invocations",
        "",
        "VmRSS while the instance waits in `GET /next` after 1000 warm invocations, split as "
        "the kernel counts it: anonymous (heap, stacks, interpreter state) and file-backed "
        "(pages of the executable and its shared libraries that were touched).",
        "",
        "| | VmRSS MB | anonymous MB | file-backed MB | threads | ours / peer |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for k in ("cpp", "python", "node"):
        ratio = "" if k == "cpp" else f2(rss["cpp"] / rss[k])
        d = fn.get("rss_detail_kb", {}).get(k, {})
        lines.append(f"| {NAMES[k]} | {f1(rss[k] / 1024)} | {f1(d.get('RssAnon', 0) / 1024)} | "
                     f"{f1(d.get('RssFile', 0) / 1024)} | {d.get('Threads', '')} | {ratio} |")
    lines += ["", "![resident memory](benchmarks/rss.png)", "", "## 5. The local stack", ""]
    if st:
        g, n = st["gateway_handshakes"], st["nginx_handshakes"]
        gk, nk = st["gateway_keepalive"], st["nginx_keepalive"]
        lines += [
            f"`scripts/local` (agm-gateway, real functions, dynalite, Cognito emulator) and nginx "
            f"{meta['nginx']} (one process, `ssl_verify_client on`, the same server certificate, "
            "key and client truststore, session cache and tickets off, static 200). Load: "
            f"{g['workers']} processes of Python `ssl` (OpenSSL) presenting the demo client "
            f"certificate, {g['seconds']:.0f} s per figure, on the same 2 cores as the servers. "
            "*Handshake*: a new connection and full TLS handshake per request; *kept-alive*: one "
            "connection per load process. Gateway requests carry the demo client's bearer token "
            "(authorizer and health function run for each).",
            "",
            "| | handshakes / s | kept-alive requests / s | errors | server CPU ms / handshake "
            "request | server CPU ms / kept-alive request |",
            "| --- | --- | --- | --- | --- | --- |",
            f"| local gateway | {f1(g['per_second'])} | {f1(gk['per_second'])} | "
            f"{g['errors'] + gk['errors']} | {srv(g, 'agm-gateway'):.3f} | "
            f"{srv(gk, 'agm-gateway'):.3f} |",
            f"| nginx | {f1(n['per_second'])} | {f1(nk['per_second'])} | "
            f"{n['errors'] + nk['errors']} | {srv(n, 'nginx'):.3f} | {srv(nk, 'nginx'):.3f} |",
            f"| gateway / nginx | {f2(g['per_second'] / n['per_second'])} | "
            f"{f2(gk['per_second'] / nk['per_second'])} | | "
            f"{f2(srv(g, 'agm-gateway') / srv(n, 'nginx'))} | "
            f"{f2(srv(gk, 'agm-gateway') / srv(nk, 'nginx'))} |",
            "",
            "Server CPU is the user + system time (from `/proc/<pid>/stat`) the server process "
            "spent during the run, per successful request: it does not depend on how much of the "
            "2 cores the load generator took. The gateway's functions spent, per handshake "
            f"request, authorizer {srv(g, 'authorizer'):.3f} ms and health "
            f"{srv(g, 'health'):.3f} ms on top (their own processes, as Lambda would run them).",
            "",
            "",
            "The handshake alone, without the per-request work (server CPU per handshake request "
            "minus per kept-alive request): gateway "
            f"{srv(g, 'agm-gateway') - srv(gk, 'agm-gateway'):.3f} ms, nginx "
            f"{srv(n, 'nginx') - srv(nk, 'nginx'):.3f} ms; were the server the bottleneck, the "
            "gateway would reach "
            f"{(srv(n, 'nginx') - srv(nk, 'nginx')) / (srv(g, 'agm-gateway') - srv(gk, 'agm-gateway')):.2f}"
            " of nginx's handshakes per second (informational; the goal is the measured rate).",
            "",
            "![local stack](benchmarks/stack.png)",
        ]
    else:
        lines.append("Not measured in this run (`--skip-stack`).")
    lines += [
        "",
        "## 6. AWS cost per million authorized requests",
        "",
    ]
    lines += cost.markdown(costs, NAMES)
    lines += ["", "![cost per million authorized requests](benchmarks/cost.png)"]
    analysis = os.path.join(ROOT, "bench/harness/analysis.md")
    if os.path.exists(analysis):
        with open(analysis) as f:
            lines += ["", f.read().rstrip()]
    lines += ["", "## Reproduce", "", "```", "make bench", "# or, with a release build in place:",
              "scripts/bench --build-dir build/release", "```", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build/release")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench/results"))
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs/benchmarks.md"))
    ap.add_argument("--quick", action="store_true", help="few runs, for trying the harness")
    ap.add_argument("--skip-stack", action="store_true")
    ap.add_argument("--from-results", action="store_true",
                    help="measure nothing: regenerate summary, plots and doc from the JSON")
    a = ap.parse_args()
    os.makedirs(a.results, exist_ok=True)
    with open(os.path.join(a.results, "authorizer_bench.json")) as f:
        bench = json.load(f)
    if a.from_results:
        with open(os.path.join(a.results, "summary.json")) as f:
            meta = json.load(f)["meta"]
        with open(os.path.join(a.results, "functions.json")) as f:
            fn = json.load(f)
        st = None
        if os.path.exists(os.path.join(a.results, "stack.json")):
            with open(os.path.join(a.results, "stack.json")) as f:
                st = json.load(f)
        report(a, bench, meta, fn, st)
        return
    meta = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
            "load": open("/proc/loadavg").read().split()[0],
            "nginx": subprocess.run(["nginx", "-v"], capture_output=True, text=True)
            .stderr.strip().split("/")[-1]}
    # Other builds may relink the shared build directory while this runs (a half-written binary
    # cannot be executed): measure a private copy of the programs, taken when each is complete.
    snapshot = tempfile.mkdtemp(prefix="agm-bench-bin-")
    try:
        a.build_dir = snapshot_programs(a.build_dir, snapshot)
        measure(a, bench, meta)
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)


PROGRAMS = ("authorizer", "token", "health", "agm-gateway", "agm-cognito", "agm-ssm", "mtlsctl",
            "runtime_floor")


def snapshot_programs(build_dir, snapshot):
    os.makedirs(os.path.join(snapshot, "bin"))
    for name in PROGRAMS:
        src = os.path.join(build_dir, "bin", name)
        give_up = time.monotonic() + 300
        while True:  # executable and unchanged for a second: the linker is done with it
            try:
                before = os.stat(src).st_mtime_ns
                time.sleep(1)
                if os.access(src, os.X_OK) and os.stat(src).st_mtime_ns == before:
                    shutil.copy2(src, os.path.join(snapshot, "bin", name))
                    break
            except OSError:
                pass
            if time.monotonic() > give_up:
                raise RuntimeError(f"{src} never became a complete executable")
    return snapshot


def measure(a, bench, meta):
    print("== functions: ours and the peers", flush=True)
    if a.quick:
        fn = functions.run(a.build_dir, a.results, cold_runs=3, invocations=200, decisions=300)
    else:
        fn = functions.run(a.build_dir, a.results)
    with open(os.path.join(a.results, "functions.json"), "w") as f:
        json.dump(fn, f, indent=1)
    st = None
    if not a.skip_stack:
        print("== local stack and nginx", flush=True)
        st = stack.run(a.build_dir, a.results, seconds=3 if a.quick else 8)
        with open(os.path.join(a.results, "stack.json"), "w") as f:
            json.dump(st, f, indent=1)
    report(a, bench, meta, fn, st)


def report(a, bench, meta, fn, st):
    decision, goals, costs = evaluate(bench, fn, st)
    summary = {"meta": meta, "decision_us": decision, "goals": goals, "cost": costs}
    with open(os.path.join(a.results, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    plots(decision, fn, st, os.path.join(os.path.dirname(a.doc), "benchmarks"))
    cost.plot(costs, os.path.join(os.path.dirname(a.doc), "benchmarks", "cost.png"), NAMES)
    doc(a.doc, meta, decision, fn, st, goals, costs)
    print("== goals")
    for g in goals:
        print(f"  {g['goal']:<42} {g['value']:8.2f}  {'holds' if g['holds'] else 'NOT met'}")
    for c in costs:
        print(f"  cost {c['impl']:<7} {c['arch']:<7} {c['behaviour']:<18} {c['memory_mb']} MB, "
              f"billed {c['billed_ms']} ms: ${c['total_usd']:.2f} per million requests")
    print(f"results in {a.results}, summary in {a.doc}")


if __name__ == "__main__":
    main()
