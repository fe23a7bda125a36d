"""Benchmark of the demo society generator (`make bench-demo`).

Generates N members (default 1,000,000) into a fresh SQLite file under /tmp, or into the
database given by --db (it must be empty: the generator skips a database that has members),
and prints one Markdown table row: backend, members, seconds, members per second, database
size. --header prints the table header first.

    .venv/bin/python bench/demo_generation.py --members 1000000 --header
    .venv/bin/python bench/demo_generation.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

# A throwaway vault key unless one is configured: a benchmark never touches the user's key file.
os.environ.setdefault("SHIKAKU_SECRET_KEY", secrets.token_urlsafe(32))

from shikaku.adapters.db.schema import members  # noqa: E402
from shikaku.demo.generator import DEMO_INSURER_NAME, DEMO_INSURER_NUMBER, generate  # noqa: E402
from shikaku.entrypoints.cli import initialise  # noqa: E402


def _fresh_sqlite() -> tuple[str, Path]:
    path = Path(tempfile.gettempdir()) / "shikaku-bench-demo.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}", path


def _size(ctx, path: Path | None) -> int:
    if path is not None:
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with ctx.engine.connect() as conn:
        return conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--db", help="SQLAlchemy URL of an empty database (default: fresh SQLite under /tmp)")
    parser.add_argument("--seed", type=int, default=20251202)
    parser.add_argument("--header", action="store_true", help="print the Markdown table header first")
    args = parser.parse_args(argv)

    url, path = (args.db, None) if args.db else _fresh_sqlite()
    if path is None and make_url(url).get_backend_name() == "sqlite":
        path = Path(make_url(url).database)
    ctx = initialise(url, DEMO_INSURER_NUMBER, DEMO_INSURER_NAME)
    with ctx.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(members)).scalar_one():
            print("the database already has members: use an empty one", file=sys.stderr)
            return 2
    started = time.perf_counter()
    summary = generate(ctx, members=args.members, seed=args.seed)
    elapsed = time.perf_counter() - started
    with ctx.engine.connect() as conn:
        generated = conn.execute(select(func.count()).select_from(members)).scalar_one()
    size = _size(ctx, path)
    print(summary.splitlines()[0], file=sys.stderr)
    if args.header:
        print("| backend | members | seconds | members/s | database size |")
        print("|---|---:|---:|---:|---:|")
    print(f"| {ctx.engine.dialect.name} | {generated:,} | {elapsed:.1f} | {generated / elapsed:,.0f} "
          f"| {size / 2**20:,.0f} MiB |")
    ctx.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
