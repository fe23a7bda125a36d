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
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
CLI = str(ROOT / ".venv" / "bin" / "shikaku")
INSURER = "06139992"


def seed(db_url: str, members: int) -> list[dict]:
    """Generates the society (unless it exists) and returns card-data queries for a sample."""
    from shikaku.adapters.db.schema import members as members_table
    from shikaku.demo.generator import DEMO_INSURER_NAME, DEMO_INSURER_NUMBER, generate
    from shikaku.entrypoints.cli import initialise

    ctx = initialise(db_url, DEMO_INSURER_NUMBER, DEMO_INSURER_NAME)
    started = time.perf_counter()
    generate(ctx, members=members, seed=1)
    print(f"seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    with ctx.reading() as conn:
        total = conn.execute(select(members_table.c.id).order_by(members_table.c.id.desc())).first()[0]
        ids = random.Random(2).sample(range(1, total + 1), min(5000, total))
        rows = conn.execute(select(members_table.c.symbol, members_table.c.number,
                                   members_table.c.branch, members_table.c.birth_date)
                            .where(members_table.c.id.in_(ids)))
        return [{"service_date": "2026-06-01", "method": "card_info", "insurer_number": INSURER,
                 "symbol": r.symbol, "number": r.number, "branch": r.branch,
                 "birth_date": r.birth_date.isoformat(), "limit_consent": True} for r in rows]


def call(base: str, path: str, token: str | None, body=None) -> dict:
    request = urllib.request.Request(base + path, method="POST" if body is not None else "GET",
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=120) as r:
        return json.loads(r.read())


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
    lua_bodies = ",\n".join("[[" + json.dumps(b) + "]]" for b in bodies)
    path.write_text(f"""
local bodies = {{ {lua_bodies} }}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
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


def peak_rss_mb(pid: int) -> float:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    total = 0
    for p in [str(pid), *children]:
        status = Path(f"/proc/{p}/status").read_text()
        total += int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--db", default=None)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shikaku-bench-"))
    db_url = args.db or f"sqlite:///{work / 'bench.db'}"
    bodies = seed(db_url, args.members)
    admin = "bench-admin-" + os.urandom(8).hex()
    env = dict(os.environ, SHIKAKU_ADMIN_TOKEN=admin, SHIKAKU_FACILITY_RATE="off")  # D-75
    server = subprocess.Popen([CLI, "serve", "--db", db_url, "--port", str(args.port),
                               "--workers", str(args.workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                call(base, "/api/v1/health", None)
                break
            except OSError:
                time.sleep(0.2)
        token = call(base, "/api/v1/facilities", admin, {"code": "1310112345", "name": "bench"})["token"]
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
        rss = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print("| members | workers | health req/s | verifications req/s | ratio | fixed-rate req/s | p50 ms | p99 ms | 10,000 batch s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.members:,} | {args.workers} | {health:,.0f} | {verify:,.0f} | {verify / health:.2f} | "
          f"{rate:,.0f} | {p50:.1f} | {p99:.1f} | {batch_s:.2f} | {rss:.0f} |")
    print(f"(batch: {valid:,} of 10,000 valid)", file=sys.stderr)


if __name__ == "__main__":
    main()
