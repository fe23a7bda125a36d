"""What the benchmarks, the soak and the restart test share: a demo society to verify against,
a real `shikaku serve` process (its own session, so that a crash can take all its processes at
once), a small JSON client, and the server's memory read from /proc."""
from __future__ import annotations

import ipaddress
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).with_name("shikaku"))
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
    with ctx.connection() as conn:
        total = conn.execute(select(members_table.c.id).order_by(members_table.c.id.desc())).first()[0]
        ids = random.Random(2).sample(range(1, total + 1), min(5000, total))
        rows = conn.execute(select(members_table.c.symbol, members_table.c.number,
                                   members_table.c.branch, members_table.c.birth_date)
                            .where(members_table.c.id.in_(ids)))
        queries = [{"service_date": "2026-06-01", "method": "card_info", "insurer_number": INSURER,
                    "symbol": r.symbol, "number": r.number, "branch": r.branch,
                    "birth_date": r.birth_date.isoformat(), "limit_consent": True} for r in rows]
    ctx.engine.dispose()
    return queries


def call(base: str, path: str, token: str | None, body=None, method: str | None = None,
         timeout: float = 120) -> dict:
    """One JSON request (POST with a body, else GET); HTTP errors raise urllib's HTTPError."""
    request = urllib.request.Request(base + path, method=method or ("POST" if body is not None else "GET"),
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=timeout) as r:
        return json.loads(r.read())


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine (127.0.0.0/8, ::1, localhost): load goes nowhere else."""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`shikaku serve` on `host`:`port` (loopback only), started in a session of its own."""

    def __init__(self, db_url: str, port: int, workers: int = 1, env: dict | None = None,
                 host: str = "127.0.0.1"):
        if not is_loopback(host):
            raise ValueError(f"{host} is not a loopback address")
        self.db_url, self.host, self.port, self.workers = db_url, host, port, workers
        self.env = {**os.environ, **(env or {})}
        # Compiled modules cached outside the work tree: a restart then takes seconds, not tens
        # (the test runs forbid bytecode files in the tree).
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "shikaku-pycache"))
        self.base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> Server:
        self.process = subprocess.Popen(
            [CLI, "serve", "--db", self.db_url, "--host", self.host, "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"shikaku serve exited with {self.process.returncode}")
            try:
                call(self.base, "/api/v1/health", None, timeout=1)
                return self
            except OSError:
                time.sleep(0.05)
        self.crash()
        raise RuntimeError("shikaku serve did not start")

    def pids(self) -> list[int]:
        """The master and every process below it (the workers)."""
        found, queue = [], [self.process.pid]
        while queue:
            pid = queue.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    queue += [int(child) for child in task.read_text().split()]
                except OSError:
                    pass
        return found

    def memory_mb(self, field: str = "VmRSS") -> float:
        """The sum of `field` (VmRSS now, VmHWM the peak) over the server's processes."""
        total = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:  # gone meanwhile
                continue
            for line in status.splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
        return total / 1024

    def crash(self, whole: bool = True) -> None:
        """SIGKILL to every process of the server at once, as a power cut or the OOM killer of
        its service would (`whole`), or to the master alone; returns once all are gone."""
        if whole:
            os.killpg(self.process.pid, signal.SIGKILL)
        else:
            self.process.kill()
        self.process.wait()
        self._wait_for_group()

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM to the master (a graceful restart): it finishes the requests in hand, lets
        its workers flush, and exits; returns its exit status."""
        self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(timeout)
        self._wait_for_group()
        return status

    def _wait_for_group(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.killpg(self.process.pid, signal.SIGKILL)
        raise RuntimeError("processes of the server outlived it")

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_exc) -> None:
        if self.process.poll() is None:
            self.stop()


class Bench(NamedTuple):
    """What a benchmark measures against: a seeded society served by one `shikaku serve`."""

    server: Server
    token: str  # a facility's bearer token
    queries: list[dict]  # card-data queries of a sample of members
    work: Path  # a scratch directory, removed afterwards
    db_url: str


@contextmanager
def benchmarked_society(members: int, workers: int, port: int, db_url: str | None,
                        prefix: str) -> Iterator[Bench]:
    """Seeds `members` (a fresh SQLite file unless `db_url`), serves them with the facility rate
    limit off (D-75) and registers the facility 1310112345."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    db_url = db_url or f"sqlite:///{work / 'bench.db'}"
    try:
        queries = seed(db_url, members)
        admin = "bench-admin-" + os.urandom(8).hex()
        env = dict(os.environ, SHIKAKU_ADMIN_TOKEN=admin, SHIKAKU_FACILITY_RATE="off")
        with Server(db_url, port, workers, env) as server:
            token = call(server.base, "/api/v1/facilities", admin, {"code": "1310112345", "name": "bench"})["token"]
            yield Bench(server, token, queries, work, db_url)
    finally:
        shutil.rmtree(work, ignore_errors=True)
