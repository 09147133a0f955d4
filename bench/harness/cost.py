"""What it costs to run on AWS, from figures measured in the same `make bench` run: the cost per
million authorized requests for ours and each peer, split into API Gateway, Lambda (requests and
GB-seconds, x86_64 and arm64) and Cognito token requests, for two client behaviours (a token per
hour, a token per request). The one price table of the project is PRICES below.

An authorized request is one API call through the HTTP API: one API Gateway request and one
authorizer invocation (API Gateway's authorizer cache is off, docs/security.md). The API's own
backend is the team's, and not counted. A token request is one more API Gateway request (POST
/token), one token function invocation and, unless the token function's cache answers it, one
Cognito token request. The peers (bench/peers) are authorizers only: their rows use the peer's
authorizer figures and a token path without a cache, which is what a pass-through token endpoint
costs.
"""
import math

# Public us-east-1 prices, first tier, looked up on PRICES["date"]. A figure marked "guess" was not
# confirmed on a page read that day (docs/benchmarks.md repeats this table).
PRICES = {
    "date": "2026-12-02",
    "region": "us-east-1",
    # HTTP API: per million requests, first 300 million a month (metered in 512 KB increments).
    "api_gateway_http_per_million": 1.00,
    "lambda_requests_per_million": 0.20,
    # Duration, first tier (x86_64: first 6 billion GB-s a month; arm64: first 7.5 billion).
    "lambda_gb_second": {"x86_64": 0.0000166667, "arm64": 0.0000133334},
    # Machine-to-machine (client credentials) token requests: $2.25 per 1,000, first tier.
    "cognito_m2m_per_token": 0.00225,
    # Per app client and month, prorated by the second (guess: the amount; the page read says
    # only that it is charged). Not per request, so not in the per-million figures.
    "cognito_m2m_app_client_per_month": 6.00,
}
SOURCES = [
    "https://aws.amazon.com/api-gateway/pricing/",
    "https://aws.amazon.com/lambda/pricing/",
    "https://aws.amazon.com/cognito/pricing/",
    "https://docs.aws.amazon.com/cognito/latest/developerguide/tracking-cost.html",
    "https://aws.amazon.com/blogs/security/how-to-monitor-optimize-and-secure-amazon-cognito-"
    "machine-to-machine-authorization",
]
ARCHITECTURES = ("x86_64", "arm64")

MB_PER_VCPU = 1769  # Lambda gives one full vCPU at 1769 MB; CPU share is proportional below it
LAMBDA_MEMORY_SIZES_MB = (128, 256, 512, 1024, 1769)
RSS_HEADROOM = 1.5

# Assumptions, each a guess written here and in docs/benchmarks.md:
# - a client that keeps its token asks for one an hour (Cognito's default access token lifetime)
#   and makes REQUESTS_PER_CLIENT_HOUR authorized requests in that hour (1 a second);
REQUESTS_PER_CLIENT_HOUR = 3600
TOKEN_LIFETIME_S = 3600
# - the token function's billed duration: a Cognito round trip on a miss, one DynamoDB GetItem on
#   a hit of its cache (neither is measured here: the peers have no token function);
TOKEN_FUNCTION_MISS_MS = 60
TOKEN_FUNCTION_HIT_MS = 8
TOKEN_FUNCTION_MEMORY_MB = 128
# - arm64 runs as long as the x86-64 machine measured here (Graviton is not measured).
BEHAVIOURS = ("token_per_hour", "token_per_request")


def lambda_memory_mb(rss_kb):
    """The smallest of the usual memory sizes that holds the measured RSS with 50% headroom."""
    for size in LAMBDA_MEMORY_SIZES_MB:
        if rss_kb / 1024 * RSS_HEADROOM <= size:
            return size
    return LAMBDA_MEMORY_SIZES_MB[-1]


def billed_ms(duration_ms, cpu_ms, memory_mb):
    """Below 1769 MB Lambda gives a proportional share of one vCPU: the CPU part of a duration
    measured on a full core stretches by 1769/memory, the waiting part does not. Billed in whole
    milliseconds, at least 1."""
    cpu_ms = min(cpu_ms, duration_ms)
    scaled = duration_ms - cpu_ms + cpu_ms * max(1.0, MB_PER_VCPU / memory_mb)
    return scaled, max(1, math.ceil(scaled))


def invocation_usd(billed, memory_mb, arch, prices=PRICES):
    """One invocation: its request and its GB-seconds."""
    return (prices["lambda_requests_per_million"] / 1e6
            + billed / 1000 * memory_mb / 1024 * prices["lambda_gb_second"][arch])


def cognito_calls_per_million(behaviour, cached):
    """Cognito token requests per million authorized requests, one client on one warm instance.
    With the token function's cache a token goes back to Cognito once it is within its margin,
    max(60 s, 10%) of its lifetime: every 54 minutes for an hour's token."""
    hourly = 1e6 / REQUESTS_PER_CLIENT_HOUR
    if behaviour == "token_per_hour":
        return hourly
    if not cached:
        return 1e6
    reuse_s = TOKEN_LIFETIME_S - max(60, TOKEN_LIFETIME_S // 10)
    return hourly * TOKEN_LIFETIME_S / reuse_s


def token_requests_per_million(behaviour):
    return 1e6 / REQUESTS_PER_CLIENT_HOUR if behaviour == "token_per_hour" else 1e6


def cost_per_million(impl, warm, rss_kb, arch, behaviour, prices=PRICES):
    """One row: ours ("cpp", with the token cache) or a peer (without), one architecture, one
    client behaviour. `warm` is functions.json's warm_rtt_ms entry ({"p50", "cpu_ms"})."""
    memory = lambda_memory_mb(rss_kb)
    at_memory, billed = billed_ms(warm["p50"], warm["cpu_ms"], memory)
    cached = impl == "cpp"
    tokens = token_requests_per_million(behaviour)
    calls = cognito_calls_per_million(behaviour, cached)
    hits = tokens - calls if cached else 0.0
    api = (1e6 + tokens) / 1e6 * prices["api_gateway_http_per_million"]
    authorizer = 1e6 * invocation_usd(billed, memory, arch, prices)
    token_fn = (calls * invocation_usd(TOKEN_FUNCTION_MISS_MS, TOKEN_FUNCTION_MEMORY_MB, arch,
                                       prices)
                + hits * invocation_usd(TOKEN_FUNCTION_HIT_MS, TOKEN_FUNCTION_MEMORY_MB, arch,
                                        prices))
    cognito = calls * prices["cognito_m2m_per_token"]
    return {"impl": impl, "arch": arch, "behaviour": behaviour, "memory_mb": memory,
            "measured_ms": warm["p50"], "cpu_ms": min(warm["cpu_ms"], warm["p50"]),
            "at_memory_ms": at_memory, "billed_ms": billed, "token_requests": tokens,
            "cognito_calls": calls, "api_gateway_usd": api, "authorizer_usd": authorizer,
            "token_function_usd": token_fn, "lambda_usd": authorizer + token_fn,
            "cognito_usd": cognito, "total_usd": api + authorizer + token_fn + cognito}


def table(fn, impls=("cpp", "python", "node")):
    """Every row, from a functions.json (functions.run) of this run."""
    return [cost_per_million(i, fn["warm_rtt_ms"][i], fn["rss_kb"][i], arch, b)
            for b in BEHAVIOURS for arch in ARCHITECTURES for i in impls]


def plot(rows, path, names):
    """A stacked bar per implementation and behaviour (arm64). Token per request on a log scale
    from $0.10: Cognito dominates the peers' bars, and on a linear axis the rest would not show."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), dpi=100)
    for ax, behaviour in zip(axes, BEHAVIOURS):
        sel = [r for r in rows if r["behaviour"] == behaviour and r["arch"] == "arm64"]
        labels = [names.get(r["impl"], r["impl"]).split(" ")[0] for r in sel]
        bottom = [0.0] * len(sel)
        for key, label in (("api_gateway_usd", "API Gateway"), ("lambda_usd", "Lambda"),
                           ("cognito_usd", "Cognito")):
            values = [r[key] for r in sel]
            ax.bar(labels, values, bottom=bottom, label=label)
            bottom = [b + v for b, v in zip(bottom, values)]
        for x, total in enumerate(bottom):
            ax.annotate(f"${total:.3g}", (x, total), ha="center", va="bottom", fontsize=9)
        if behaviour == "token_per_request":
            ax.set_yscale("log")
            ax.set_ylim(bottom=0.1, top=max(bottom) * 3)
        else:
            ax.set_ylim(top=max(bottom) * 1.15)
        ax.set_title(behaviour.replace("_", " ") + " (arm64)")
        ax.set_ylabel("$ per million authorized requests")
    axes[0].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def markdown(rows, names):
    """docs/benchmarks.md's cost section: the price table with its date and sources, the
    assumptions, and a row per implementation, architecture and behaviour."""
    p = PRICES
    lines = [
        f"Prices (`bench/harness/cost.py`, {p['region']}, first tier, looked up {p['date']}): "
        f"HTTP API ${p['api_gateway_http_per_million']:.2f} per million requests; Lambda "
        f"${p['lambda_requests_per_million']:.2f} per million requests and "
        f"${p['lambda_gb_second']['x86_64']} (x86_64) / ${p['lambda_gb_second']['arm64']} "
        f"(arm64) per GB-second; Cognito ${p['cognito_m2m_per_token'] * 1000:.2f} per 1,000 "
        f"machine-to-machine token requests, plus about ${p['cognito_m2m_app_client_per_month']:.2f}"
        " per app client and month (a guess, and not per request, so not below). Sources: "
        + ", ".join(SOURCES) + ".",
        "",
        "An authorized request: one API Gateway request and one authorizer invocation (the API's "
        "own backend not counted). A token request: one more API Gateway request, one token "
        "function invocation and, unless ours answers from its token cache, one Cognito token "
        f"request. Client behaviours: *token per hour* (one client, {REQUESTS_PER_CLIENT_HOUR} "
        "requests in the hour of a token) and *token per request*. Memory: the smallest of "
        "128/256/512/1024/1769 MB holding the measured RSS with 50% headroom; duration: the "
        "measured warm p50 (section 3) with its CPU part stretched by 1769/memory. Guesses: the "
        f"token function bills {TOKEN_FUNCTION_MISS_MS} ms on a Cognito call and "
        f"{TOKEN_FUNCTION_HIT_MS} ms on a cache hit at {TOKEN_FUNCTION_MEMORY_MB} MB (not "
        "measured: the peers have no token function, so their rows use the same token path "
        "without a cache); arm64 runs as long as the x86-64 machine measured here.",
        "",
        "| client | arch | | memory MB | billed ms | API Gateway $ | Lambda $ | Cognito calls | "
        "Cognito $ | total $ / million |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['behaviour'].replace('_', ' ')} | {r['arch']} | {names.get(r['impl'], r['impl'])}"
            f" | {r['memory_mb']} | {r['billed_ms']} | {r['api_gateway_usd']:.2f} | "
            f"{r['lambda_usd']:.4f} | {r['cognito_calls']:.0f} | {r['cognito_usd']:.2f} | "
            f"{r['total_usd']:.2f} |")
    lines.append("")
    for b in BEHAVIOURS:
        ours = next(r for r in rows if r["impl"] == "cpp" and r["arch"] == "arm64"
                    and r["behaviour"] == b)
        x86 = next(r for r in rows if r["impl"] == "cpp" and r["arch"] == "x86_64"
                   and r["behaviour"] == b)
        peers = [r for r in rows if r["impl"] != "cpp" and r["arch"] == "arm64"
                 and r["behaviour"] == b]
        ratios = ", ".join(f"{names.get(r['impl'], r['impl'])} {r['total_usd'] / ours['total_usd']:.2f}x"
                           for r in peers)
        lines.append(f"- {b.replace('_', ' ')}: ours ${ours['total_usd']:.2f} per million on "
                     f"arm64 (${x86['total_usd']:.2f} on x86_64); the peers cost {ratios} as "
                     "much.")
    return lines
