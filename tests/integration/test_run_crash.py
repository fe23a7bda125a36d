"""Faults (issue 7, item 6): kill -9 an ex officio run mid-way, run it again, and every member in
the cohort holds exactly one certificate (R-CERT-4); kill -9 an import while it stores, and
nothing of it is kept; run it again, and it is stored once. `SHIKAKU_LONG_TESTS=1`: a cohort of
3,000 killed four times on the way, and an import of 100,000 rows."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import func, select

from shikaku.adapters.db.schema import certificate_runs, eligibility_certificates, import_files, registrations
from shikaku.adapters.db.schema import members as member_rows
from shikaku.service_layer.exchange.result import APPLY_STAGE
from tests.builders import enrolled, insured_body, insured_row, notification_csv, reading
from tests.helpers import LONG_TESTS, eventually

CLI = str(Path(sys.executable).with_name("shikaku"))
COHORT, RUN_KILLS = (3000, 4) if LONG_TESTS else (300, 1)


def run_progress(ctx) -> int:
    with ctx.connection() as conn:
        return conn.execute(select(certificate_runs.c.last_member_id)).scalar() or 0


def test_kill_9_during_a_run_then_rerun_issues_exactly_once(ctx, admin, db_url, tmp_path):
    for _ in range(COHORT):
        enrolled(ctx, admin, insured_body(qualified_on="2019-04-01"))
    env = dict(os.environ, SHIKAKU_RUN_BATCH="5")
    command = [CLI, "ex-officio", "--run-on", "2025-10-01", "--db", db_url, "--out-dir", str(tmp_path)]
    issued = 0
    for _ in range(RUN_KILLS):  # each rerun resumes and is killed again further on
        reached = run_progress(ctx)
        victim = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:  # the kill lands once the run has committed a batch past where it stood
            eventually(lambda: victim.poll() is not None or run_progress(ctx) > reached,
                       "the run to commit a batch")
        finally:
            victim.send_signal(signal.SIGKILL)
            victim.wait()
        with ctx.connection() as conn:
            now = conn.execute(select(func.count()).select_from(eligibility_certificates)).scalar_one()
        assert issued < now < COHORT, "each kill must land in the middle of the run"
        issued = now
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)
    with ctx.connection() as conn:
        per_member = conn.execute(select(eligibility_certificates.c.member_id, func.count())
                                  .group_by(eligibility_certificates.c.member_id)).all()
        run = conn.execute(select(certificate_runs)).one()
    assert len(per_member) == COHORT and all(n == 1 for _, n in per_member)
    assert (run.status, run.issued) == ("completed", COHORT)
    assert (tmp_path / f"run-{run.id}.csv").read_text(encoding="utf-8-sig").count("\n") == COHORT + 1


IMPORT_ROWS = 100_000 if LONG_TESTS else 20_000  # stored in chunks of 5,000 (exchange.CHUNK_ROWS)
SHOWN = re.compile(rf"{APPLY_STAGE}\D*?(\d+)%")  # the store stage's progress bar, as drawn


def storing(drawn: list[bytes]) -> bool:
    """Whether the import's progress bar (drawn as on a terminal) shows the store stage begun
    and not done: at least one chunk of rows written inside its one transaction (D-70), the
    commit still to come."""
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(list(drawn)).decode(errors="replace"))
    done = SHOWN.findall(shown)
    return bool(done) and 0 < int(done[-1]) < 100


def collect(stream, drawn: list[bytes]) -> None:
    """Appends what the stream gives until it ends."""
    while chunk := stream.read1(65536):
        drawn.append(chunk)


def counts(ctx) -> list[int]:
    with ctx.connection() as conn:
        return [conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (member_rows, registrations, import_files)]


def test_kill_9_during_an_import_keeps_nothing_then_rerun_stores_once(ctx, db_url, tmp_path):
    path = tmp_path / "todoke.csv"
    path.write_bytes(notification_csv([insured_row(number=str(n), 氏名カナ=reading(n)) for n in range(1, IMPORT_ROWS + 1)]))
    command = [CLI, "import", str(path), "--db", db_url]
    terminal = dict(os.environ, TTY_COMPATIBLE="1", TERM="xterm")  # Rich draws the bar into the pipe
    victim = subprocess.Popen(command, env=terminal, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    drawn: list[bytes] = []
    reader = threading.Thread(target=collect, args=(victim.stdout, drawn))
    reader.start()
    try:
        eventually(lambda: victim.poll() is not None or storing(drawn), "the import to store its first rows")
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        reader.join()
    assert victim.returncode == -signal.SIGKILL, "the kill must land while the import stores"
    assert counts(ctx) == [0, 0, 0]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    assert counts(ctx) == [IMPORT_ROWS, IMPORT_ROWS, 1]
    again = subprocess.run(command, capture_output=True, timeout=300)
    assert again.returncode != 0 and counts(ctx) == [IMPORT_ROWS, IMPORT_ROWS, 1]
