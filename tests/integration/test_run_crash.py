"""Faults (issue 7, item 6): kill -9 an ex officio run mid-way, run it again, and every member in
the cohort holds exactly one certificate (R-CERT-4); kill -9 an import while it stores, and
nothing of it is kept; run it again, and it is stored once. `SHIKAKU_LONG_TESTS=1`: a cohort of
3,000 killed four times on the way, and an import of 100,000 rows."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from shikaku.adapters.db.schema import certificate_runs, eligibility_certificates, import_files, registrations
from shikaku.adapters.db.schema import members as member_rows
from shikaku.service_layer import commands, members
from tests.helpers import LONG_TESTS, insured_body
from tests.integration.test_exchange import csv_bytes, insured

CLI = str(Path(sys.executable).with_name("shikaku"))
COHORT, RUN_KILLS = (3000, 4) if LONG_TESTS else (300, 1)


def run_progress(ctx) -> int:
    with ctx.reading() as conn:
        return conn.execute(select(certificate_runs.c.last_member_id)).scalar() or 0


def test_kill_9_during_a_run_then_rerun_issues_exactly_once(ctx, admin, db_url, tmp_path):
    for _ in range(COHORT):
        members.enrol(ctx, admin, commands.Enrolment(**insured_body(qualified_on="2019-04-01")))
    env = dict(os.environ, SHIKAKU_RUN_BATCH="5")
    command = [CLI, "ex-officio", "--run-on", "2025-10-01", "--db", db_url, "--out-dir", str(tmp_path)]
    issued = 0
    for _ in range(RUN_KILLS):  # each rerun resumes and is killed again further on
        victim = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        reached, deadline = run_progress(ctx), time.time() + 120
        while time.time() < deadline and run_progress(ctx) <= reached:
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        with ctx.reading() as conn:
            now = conn.execute(select(func.count()).select_from(eligibility_certificates)).scalar_one()
        assert issued < now < COHORT, "each kill must land in the middle of the run"
        issued = now
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)
    with ctx.reading() as conn:
        per_member = conn.execute(select(eligibility_certificates.c.member_id, func.count())
                                  .group_by(eligibility_certificates.c.member_id)).all()
        run = conn.execute(select(certificate_runs)).one()
    assert len(per_member) == COHORT and all(n == 1 for _, n in per_member)
    assert (run.status, run.issued) == ("completed", COHORT)
    assert (tmp_path / f"run-{run.id}.csv").read_text(encoding="utf-8-sig").count("\n") == COHORT + 1


IMPORT_ROWS = 100_000 if LONG_TESTS else 20_000  # seconds of work: the kill lands while the import stores


def import_storing(ctx, db_url: str) -> bool:
    """Whether another process holds the registry's write lock (the import's store phase)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        probe = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    with ctx.reading() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'members' AND l.mode = 'ExclusiveLock' AND l.granted")))


def counts(ctx) -> list[int]:
    with ctx.reading() as conn:
        return [conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (member_rows, registrations, import_files)]


def test_kill_9_during_an_import_keeps_nothing_then_rerun_stores_once(ctx, db_url, tmp_path):
    path = tmp_path / "todoke.csv"
    path.write_bytes(csv_bytes([insured(number=str(n)) for n in range(1, IMPORT_ROWS + 1)]))
    command = [CLI, "import", str(path), "--db", db_url]
    victim = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and victim.poll() is None and not import_storing(ctx, db_url):
        time.sleep(0.01)
    time.sleep(0.2)
    assert victim.poll() is None, "the kill must land while the import stores"
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert counts(ctx) == [0, 0, 0]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    assert counts(ctx) == [IMPORT_ROWS, IMPORT_ROWS, 1]
    again = subprocess.run(command, capture_output=True, timeout=300)
    assert again.returncode != 0 and counts(ctx) == [IMPORT_ROWS, IMPORT_ROWS, 1]
