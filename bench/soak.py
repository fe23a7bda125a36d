"""Soak (issue 7, item 8): a real server under verifications at a fixed rate and concurrent
writes for minutes, on loopback only.

    .venv/bin/python bench/soak.py [--minutes 10] [--rate 1000] [--facilities 20] [--writes 5]
                                   [--members 100000] [--workers 2] [--db URL]

Generates a demo society (the demo generator) into a fresh SQLite file, or into the empty
database of --db, and serves it with `shikaku serve --workers N` and the facility rate limit as
configured (default 200/s per facility and process, D-75): the load is spread over --facilities
facility tokens, as clinics would. Verifications (card data of 5,000 sampled members) are sent
on a fixed schedule, --rate a second (open loop: a slow answer does not hold back the next
request, and each latency counts from the moment its request was due); --writes a second of
enrolments (half with a 個人番号), My Number registrations and 資格確認書 applications go in
turn on their own schedule. The server's memory (VmRSS summed over the master and its workers)
is sampled every --sample seconds.

Prints a Markdown table row for docs/BENCHMARKS.md and exits 1 (D-86) on any error — an answer
other than 200 (verification), 201 (enrolment, application) or 200 (My Number), a connection
error, or no answer within 10 s —, on an achieved rate below 98 % of --rate, or when the
server's memory grows after the warm-up (the first fifth of the run, at most 2 minutes) by more
than --max-growth MB along the least-squares line through the samples.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from datetime import date

import uvloop
from rich.console import Console
from rich.live import Live
from rich.table import Table
from server import Server, call, free_port, is_loopback, seed
from stdnum.jp.in_ import calc_check_digit

from shikaku.domain.numbers import luhn_check_digit

SYMBOL = "7777777"  # 記号 of the soak's enrolments: its own 事業所, 7 digits (no demo employer has one)
TIMEOUT = 10.0  # seconds: a later answer is an error
ON_TARGET = 0.98  # of the target rate
WARM_UP = (0.2, 120.0)  # the first fifth of the run, at most 2 minutes: caches and pools fill
console = Console(stderr=True, soft_wrap=True)


@dataclass
class Tally:
    """Latencies (ms, from the moment each request was due) and errors of one kind of request."""

    latencies: array = field(default_factory=lambda: array("f"))
    errors: int = 0
    examples: list[str] = field(default_factory=list)

    def failed(self, what: str) -> None:
        self.errors += 1
        if len(self.examples) < 5:
            self.examples.append(what)


class Client:
    """HTTP/1.1 keep-alive connections to the server, each carrying one request at a time. Like
    any careful client it reuses a connection only while the server keeps it open (uvicorn closes
    one idle for 5 s), so that a close racing a request is not counted against the server."""

    IDLE = 4.0  # seconds a connection is reused after its last answer

    def __init__(self, host: str, port: int, limit: int = 256):
        self.host, self.port = host, port
        self.idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(limit)

    async def connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        fresh = time.monotonic() - self.IDLE
        while self.idle:
            used, reader, writer = self.idle.pop()
            if used > fresh and not reader.at_eof():
                return reader, writer
            writer.close()
        return await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, token: str, body: bytes) -> tuple[int, bytes]:
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        async with self.slots:
            reader, writer = await self.connection()
            try:
                writer.write(head + body)
                status, length, close = _response_head(await reader.readuntil(b"\r\n\r\n"))
                payload = await reader.readexactly(length)
            except BaseException:
                writer.close()
                raise
            if close:
                writer.close()
            else:
                self.idle.append((time.monotonic(), reader, writer))
            return status, payload


def _response_head(head: bytes) -> tuple[int, int, bool]:
    """Status, Content-Length and whether the server closes the connection."""
    lines = head.split(b"\r\n")
    fields = dict(line.lower().split(b":", 1) for line in lines[1:] if b":" in line)
    return int(lines[0].split()[1]), int(fields[b"content-length"]), fields.get(b"connection", b"").strip() == b"close"


async def on_schedule(rate: float, count: int, fire) -> None:
    """Starts `fire(i, due)` for i < count at `rate` a second on a fixed schedule (open loop)."""
    start, running = time.perf_counter(), set()  # the loop's clock ticks in whole ms (uvloop)
    for i in range(count):
        due = start + i / rate
        if due > time.perf_counter():
            await asyncio.sleep(due - time.perf_counter())
        task = asyncio.create_task(fire(i, due))
        running.add(task)
        task.add_done_callback(running.discard)
    if running:
        await asyncio.wait(running)


async def timed(client: Client, tally: Tally, due: float, expected: int, method: str, path: str,
                token: str, body: bytes) -> bytes | None:
    """One request; its latency on success, an error otherwise; the answer's body or None."""
    try:
        async with asyncio.timeout(TIMEOUT):
            status, payload = await client.request(method, path, token, body)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, KeyError,
            TimeoutError) as exc:
        tally.failed(f"{method} {path}: {type(exc).__name__}")
        return None
    if status != expected:
        tally.failed(f"{method} {path}: {status} {payload[:200].decode(errors='replace')}")
        return None
    tally.latencies.append((time.perf_counter() - due) * 1000)
    return payload


class Verifications:
    """Card-data queries of sampled members, each through the next facility's token."""

    def __init__(self, client: Client, queries: list[dict], tokens: list[str]):
        self.client, self.tokens, self.tally = client, tokens, Tally()
        self.bodies = [json.dumps(q).encode() for q in queries]

    async def fire(self, i: int, due: float) -> None:
        await timed(self.client, self.tally, due, 200, "POST", "/api/v1/verifications",
                    self.tokens[i % len(self.tokens)], self.bodies[i % len(self.bodies)])


class Writes:
    """Enrolments (every other one without a 個人番号), then, in turn, the 個人番号 of a member
    enrolled without one and a 資格確認書 application for another."""

    def __init__(self, client: Client, token: str):
        self.client, self.token, self.tally = client, token, Tally()
        self.to_number: list[str] = []
        self.to_certify: list[str] = []
        self.serials = itertools.count(1)

    def my_number(self) -> str:
        """Valid and unused: a leading 0, which the demo's numbers never have."""
        first11 = f"0{next(self.serials):010d}"
        return first11 + calc_check_digit(first11)

    async def fire(self, i: int, due: float) -> None:
        if i % 3 == 1 and self.to_number:
            member = self.to_number.pop()
            await self.send(due, 200, "PUT", f"/api/v1/members/{member}/my-number", {"my_number": self.my_number()})
        elif i % 3 == 2 and self.to_certify:
            member = self.to_certify.pop()
            await self.send(due, 201, "POST", f"/api/v1/members/{member}/eligibility-certificates",
                            {"reason": "needs_assistance"})
        else:
            with_number = i % 2 == 1
            body = {"relationship": "insured", "symbol": SYMBOL, "name": "負荷 太郎", "name_kana": "フカ タロウ",
                    "birth_date": "1985-04-01", "sex": "male", "qualified_on": "2026-04-01",
                    "registered_on": date.today().isoformat(), "standard_monthly_remuneration": 300000,
                    **({"my_number": self.my_number()} if with_number else {})}
            answer = await self.send(due, 201, "POST", "/api/v1/members", body)
            if answer is not None:
                (self.to_certify if with_number else self.to_number).append(json.loads(answer)["id"])

    async def send(self, due: float, expected: int, method: str, path: str, body: dict) -> bytes | None:
        return await timed(self.client, self.tally, due, expected, method, path, self.token,
                           json.dumps(body).encode())


@dataclass
class Run:
    seconds: float
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds in, RSS MB)
    elapsed: float = 0.0


async def soak(server: Server, args, queries: list[dict], tokens: list[str], admin: str) -> tuple[Run, Tally, Tally]:
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    client = Client(server.host, server.port)
    verifications, writes = Verifications(client, queries, tokens), Writes(client, admin)
    run = Run(args.minutes * 60)
    started = time.monotonic()
    load = asyncio.gather(on_schedule(args.rate, round(args.rate * run.seconds), verifications.fire),
                          on_schedule(args.writes, round(args.writes * run.seconds), writes.fire))
    watch = asyncio.create_task(watch_over(server, run, started, args.sample, verifications.tally, writes.tally))
    await load
    run.elapsed = time.monotonic() - started
    watch.cancel()
    run.samples.append((run.elapsed, server.memory_mb()))
    return run, verifications.tally, writes.tally


async def watch_over(server: Server, run: Run, started: float, every: float, verified: Tally, written: Tally):
    """Samples the server's memory every `every` seconds and shows the progress once a second
    (a live table on a terminal, else a line per sample)."""
    live = Live(console=console, auto_refresh=False) if console.is_terminal else None
    seen, next_sample = 0, 0.0
    with live or contextlib.nullcontext():
        while True:
            now = time.monotonic() - started
            recent = sorted(verified.latencies[seen:])
            seen += len(recent)
            sampled = now >= next_sample
            if sampled:
                run.samples.append((now, server.memory_mb()))
                next_sample += every
            shown = {"time s": f"{now:,.0f} / {run.seconds:,.0f}", "verified": f"{len(verified.latencies):,}",
                     "last second": f"{len(recent):,}",
                     "p50 / p99 ms": f"{_at(recent, 0.5):.1f} / {_at(recent, 0.99):.1f}" if recent else "–",
                     "writes": f"{len(written.latencies):,}", "errors": f"{verified.errors + written.errors:,}",
                     "RSS MB": f"{run.samples[-1][1]:,.0f}"}
            if live is not None:
                table = Table(*shown, title="soak")
                table.add_row(*shown.values())
                live.update(table, refresh=True)
            elif sampled:
                console.print(", ".join(f"{label} {value}" for label, value in shown.items()))
            await asyncio.sleep(1)


def _at(ordered, q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """The least-squares slope of RSS over time."""
    n = len(samples)
    if n < 2:
        return 0.0
    mean_t, mean_m = sum(t for t, _ in samples) / n, sum(m for _, m in samples) / n
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    return sum((t - mean_t) * (m - mean_m) for t, m in samples) / spread * 60 if spread else 0.0


def facility_code(n: int) -> str:
    payload = f"139{n:06d}"  # the demo's clinic is 13…
    return payload + luhn_check_digit(payload)


def verdict(args, run: Run, verified: Tally, written: Tally) -> tuple[list[str], list[str]]:
    """The report's cells and the reasons the soak failed (none when it passed)."""
    latencies = sorted(verified.latencies)
    achieved = len(latencies) / run.elapsed
    warm = min(WARM_UP[0] * run.seconds, WARM_UP[1])
    settled = [s for s in run.samples if s[0] >= warm]
    slope = slope_mb_per_min(settled)
    growth = slope * (settled[-1][0] - settled[0][0]) / 60 if settled else 0.0
    rss = [m for _, m in run.samples]
    cells = [f"{run.seconds / 60:g}", f"{args.rate:,.0f}", f"{achieved:,.1f}",
             f"{len(latencies) + verified.errors:,}", f"{len(written.latencies) + written.errors:,}",
             f"{verified.errors + written.errors}",
             " / ".join(f"{_at(latencies, q):.1f}" for q in (0.5, 0.99)) if latencies else "–",
             f"{latencies[-1]:.0f}" if latencies else "–",
             f"{rss[0]:.0f} / {rss[-1]:.0f} / {max(rss):.0f}", f"{growth:+.1f} ({slope:+.2f}/min)"]
    failures = [f"{verified.errors} verification errors, e.g. {verified.examples}"] if verified.errors else []
    failures += [f"{written.errors} write errors, e.g. {written.examples}"] if written.errors else []
    if achieved < ON_TARGET * args.rate:
        failures.append(f"achieved {achieved:,.1f}/s, below {ON_TARGET:.0%} of {args.rate:,.0f}/s")
    if growth > args.max_growth:
        failures.append(f"RSS grew {growth:.1f} MB after the warm-up (limit {args.max_growth:g} MB)")
    return cells, failures


HEADER = ("| database | members | workers | minutes | target/s | achieved/s | verifications | writes | errors "
          "| p50 / p99 ms | max ms | RSS start / end / max MB | RSS growth after warm-up MB |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=1000.0, help="verifications a second")
    parser.add_argument("--facilities", type=int, default=20, help="facility tokens the verifications use in turn")
    parser.add_argument("--writes", type=float, default=5.0, help="writes a second")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", help="SQLAlchemy URL of an empty database (default: a fresh SQLite file)")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between memory samples")
    parser.add_argument("--max-growth", type=float, default=20.0,
                        help="MB the server's RSS may grow after the warm-up (D-86)")
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(f"--host {args.host}: the soak only runs against this machine (loopback)")
    # A throwaway vault key unless one is configured: a benchmark never touches the user's key file.
    os.environ.setdefault("SHIKAKU_SECRET_KEY", secrets.token_urlsafe(32))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: stop the server too
    work = tempfile.mkdtemp(prefix="shikaku-soak-")
    try:
        db_url = args.db or f"sqlite:///{work}/soak.db"
        queries = seed(db_url, args.members)
        admin = secrets.token_urlsafe(24)
        with Server(db_url, args.port or free_port(), args.workers, {"SHIKAKU_ADMIN_TOKEN": admin},
                    args.host) as server:
            tokens = [call(server.base, "/api/v1/facilities", admin,
                           {"code": facility_code(n), "name": f"負荷試験 {n}"})["token"]
                      for n in range(args.facilities)]
            call(server.base, "/api/v1/employers", admin,
                 {"symbol": SYMBOL, "name": "負荷試験株式会社", "applied_on": "2000-04-01"})
            try:
                run, verified, written = uvloop.run(soak(server, args, queries, tokens, admin))
            except asyncio.CancelledError:  # SIGTERM during the load
                return 143
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cells, failures = verdict(args, run, verified, written)
    backend = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    print(HEADER)
    print("|---|" + "---:|" * (HEADER.count("|") - 2))
    print(f"| {backend} | {args.members:,} | {args.workers} | " + " | ".join(cells) + " |")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
