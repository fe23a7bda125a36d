"""Exactly-once issue (R-CERT-4): kill -9 an ex officio run mid-way, run it again, and every
member in the cohort holds exactly one certificate."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from shikaku.adapters.db.schema import certificate_runs, eligibility_certificates
from shikaku.service_layer import commands, members
from tests.helpers import insured_body

CLI = str(Path(sys.executable).with_name("shikaku"))


def test_kill_9_during_a_run_then_rerun_issues_exactly_once(ctx, admin, db_url, tmp_path):
    for _ in range(300):
        members.enrol(ctx, admin, commands.Enrolment(**insured_body(qualified_on="2019-04-01")))
    env = dict(os.environ, SHIKAKU_RUN_BATCH="5")
    command = [CLI, "ex-officio", "--run-on", "2025-10-01", "--db", db_url, "--out-dir", str(tmp_path)]
    victim = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        with ctx.reading() as conn:
            progress = conn.execute(select(certificate_runs.c.last_member_id)).scalar()
        if progress:
            break
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    with ctx.reading() as conn:
        half = conn.execute(select(func.count()).select_from(eligibility_certificates)).scalar_one()
    assert 0 < half < 300, "the kill must land in the middle of the run"
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    with ctx.reading() as conn:
        per_member = conn.execute(select(eligibility_certificates.c.member_id, func.count())
                                  .group_by(eligibility_certificates.c.member_id)).all()
        run = conn.execute(select(certificate_runs)).one()
    assert len(per_member) == 300 and all(n == 1 for _, n in per_member)
    assert (run.status, run.issued) == ("completed", 300)
    assert (tmp_path / f"run-{run.id}.csv").read_text(encoding="utf-8-sig").count("\n") == 301
