"""The runs repository (職権交付・更新の一括処理): the runs with their counts and checkpoint, and
the members a run walks, in id order, a batch at a time."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, func, insert, select, update

from ...domain.certificates import COMPLETED, RUNNING, IssueRun
from .schema import certificate_runs, members

_R = certificate_runs.c


def _run(row) -> IssueRun:
    return IssueRun(row.id, row.kind, row.run_on, row.cohort, row.dry_run, row.status, row.issued,
                    row.skipped, row.last_member_id, row.started_at, row.finished_at)


class SqlCertificateRuns:
    def __init__(self, conn: Connection):
        self.conn = conn

    def get(self, run_id: int) -> IssueRun | None:
        row = self.conn.execute(select(certificate_runs).where(_R.id == run_id)).first()
        return _run(row) if row else None

    def unfinished(self, kind: str, run_on: date, cohort: str, dry_run: bool) -> int | None:
        """The id of the run with these parameters that is still running, if any."""
        return self.conn.execute(select(_R.id).where(
            _R.kind == kind, _R.run_on == run_on, _R.cohort == cohort, _R.dry_run == dry_run,
            _R.status == RUNNING)).scalar()

    def add(self, kind: str, run_on: date, cohort: str, dry_run: bool, started_at: datetime) -> int:
        """A new run, running from the first member; returns its id."""
        return self.conn.execute(insert(certificate_runs).values(
            kind=kind, run_on=run_on, cohort=cohort, dry_run=dry_run, status=RUNNING, issued=0,
            skipped=0, last_member_id=0, started_at=started_at)).inserted_primary_key[0]

    def latest(self, limit: int) -> list[IssueRun]:
        """The latest runs, newest first."""
        return [_run(row) for row in self.conn.execute(
            select(certificate_runs).order_by(_R.id.desc()).limit(limit))]

    def next_batch(self, after: int, limit: int) -> list[tuple[int, int]]:
        """(member id, family id) of the next `limit` members after the checkpoint `after`, in
        id order, locked for the transaction."""
        rows = self.conn.execute(select(members.c.id, members.c.family_id).where(members.c.id > after)
                                 .order_by(members.c.id).limit(limit).with_for_update())
        return [(row.id, row.family_id) for row in rows]

    def advance(self, run_id: int, issued: int, skipped: int, last_member_id: int) -> None:
        """Adds a batch's counts and moves the checkpoint past its last member."""
        self.conn.execute(update(certificate_runs).where(_R.id == run_id).values(
            issued=_R.issued + issued, skipped=_R.skipped + skipped, last_member_id=last_member_id))

    def complete(self, run_id: int, finished_at: datetime) -> None:
        self.conn.execute(update(certificate_runs).where(_R.id == run_id)
                          .values(status=COMPLETED, finished_at=finished_at))

    def position(self, last_member_id: int) -> tuple[int, int]:
        """(members done, members in all): a checkpoint counted against the registry."""
        total = self.conn.execute(select(func.count()).select_from(members)).scalar_one()
        done = self.conn.execute(select(func.count()).select_from(members)
                                 .where(members.c.id <= last_member_id)).scalar_one()
        return done, total
