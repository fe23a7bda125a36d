"""Benchmark of online verification (issue 3), all on this machine over loopback.

    .venv/bin/python bench/verification.py [--members 1000000] [--workers 2] [--db URL]

Seeds a demo society (the demo generator), starts `shikaku serve`, and measures side by side:
verifications/s over HTTP against /api/v1/health under the same load generator (wrk, varied
members), p50/p99 latency at a fixed 1,000 req/s (hey), one 10,000-item batch, and the server's
peak memory (sum of VmHWM over its processes). Prints a Markdown table for docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from server import benchmarked_society, call


def wrk(url: str, script: Path, seconds: int, connections: int) -> float:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit(f"wrk saw errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def wrk_script(work: Path, token: str, bodies: list[dict] | None) -> Path:
    path = work / ("verify.lua" if bodies else "health.lua")
    if bodies is None:
        path.write_text("wrk.method = 'GET'\n")
        return path
    return post_script(path, token, "application/json", [json.dumps(b) for b in bodies])


def post_script(path: Path, token: str, content_type: str, texts: list[str]) -> Path:
    """A wrk script at `path` that POSTs `texts` in turn with the bearer `token`."""
    lua_bodies = ",\n".join("[[" + t + "]]" for t in texts)
    path.write_text(f"""
local bodies = {{ {lua_bodies} }}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "{content_type}"
wrk.headers["Authorization"] = "Bearer {token}"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
""")
    return path


def hey(url: str, token: str, body: dict, work: Path, seconds: int) -> tuple[float, float, float]:
    body_file = work / "body.json"
    body_file.write_text(json.dumps(body))
    out = subprocess.run(["hey", "-z", f"{seconds}s", "-c", "20", "-q", "50", "-m", "POST",
                          "-T", "application/json", "-H", f"Authorization: Bearer {token}",
                          "-D", str(body_file), url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = float(re.search(r"50%+ in ([\d.]+) secs", out).group(1)) * 1000
    p99 = float(re.search(r"99%+ in ([\d.]+) secs", out).group(1)) * 1000
    return rate, p50, p99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--db", default=None)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    with benchmarked_society(args.members, args.workers, args.port, args.db, "shikaku-bench-") as bench:
        server, token, bodies, work = bench.server, bench.token, bench.queries, bench.work
        base = server.base
        health = wrk(base + "/api/v1/health", wrk_script(work, token, None), args.seconds, 50)
        verify = wrk(base + "/api/v1/verifications", wrk_script(work, token, bodies), args.seconds, 50)
        rate, p50, p99 = hey(base + "/api/v1/verifications", token, bodies[0], work, args.seconds)
        batch = [{**b, "service_date": None} for b in (bodies * 3)[:10_000]]
        started = time.perf_counter()
        results = call(base, "/api/v1/verification-batches", token,
                       {"service_date": "2026-06-01", "items": batch})["results"]
        batch_s = time.perf_counter() - started
        assert len(results) == 10_000
        valid = sum(r["validity"] == "valid" for r in results)
        rss = server.memory_mb("VmHWM")
    print("| members | workers | health req/s | verifications req/s | ratio | fixed-rate req/s | p50 ms | p99 ms | 10,000 batch s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.members:,} | {args.workers} | {health:,.0f} | {verify:,.0f} | {verify / health:.2f} | "
          f"{rate:,.0f} | {p50:.1f} | {p99:.1f} | {batch_s:.2f} | {rss:.0f} |")
    print(f"(batch: {valid:,} of 10,000 valid)", file=sys.stderr)


if __name__ == "__main__":
    main()
