"""一括照会 (OQS.md §1.2): the accepted bulks with their items and answers, and the claim a
worker holds while it answers one (a lease it renews with every chunk it stores). The items
are kept a chunk a row, as JSON text (orjson), and a chunk's answers are stored in its row at
once: 10,000 items are 20 rows, not 10,000. A claim is taken by one conditional UPDATE, so of
several workers, on one server or several, exactly one wins it. No rules here
(service_layer.bulk_confirmations)."""
from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

import orjson
from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from .schema import oqs_bulk_chunks, oqs_bulks

PENDING, ANSWERING, DONE = "pending", "answering", "done"
_B, _C = oqs_bulks.c, oqs_bulk_chunks.c


class StoredBulk(NamedTuple):
    reception_number: str
    facility_code: str
    header: dict
    service_date: date
    received_at: datetime
    items: int
    status: str


def _bulk(row) -> StoredBulk:
    return StoredBulk(row.reception_number, row.facility_code, row.header, row.service_date,
                      row.received_at, row.items, row.status)


def _json(value) -> str:
    return orjson.dumps(value).decode()


def _claimable(stale_before: datetime):
    """Waiting, or claimed by a worker that has made no progress since `stale_before`."""
    return or_(_B.status == PENDING, and_(_B.status == ANSWERING, _B.claimed_at < stale_before))


class SqlOqsBulks:
    def __init__(self, conn: Connection):
        self.conn = conn

    def add(self, bulk: StoredBulk, chunks: list[list]) -> None:
        """The bulk and its items, chunk by chunk in the order sent, unanswered."""
        self.conn.execute(insert(oqs_bulks).values(**bulk._asdict()))
        self.conn.execute(insert(oqs_bulk_chunks), [
            dict(reception_number=bulk.reception_number, chunk=n, searches=_json(searches))
            for n, searches in enumerate(chunks)])

    def get(self, reception_number: str) -> StoredBulk | None:
        row = self.conn.execute(select(oqs_bulks).where(_B.reception_number == reception_number)).first()
        return _bulk(row) if row else None

    def answered(self, reception_number: str) -> list[tuple]:
        """(search, unit) of every item, in the order sent (unit None: not answered yet)."""
        rows = self.conn.execute(select(_C.searches, _C.units).where(_C.reception_number == reception_number)
                                 .order_by(_C.chunk))
        found = []
        for row in rows:
            searches = orjson.loads(row.searches)
            found += zip(searches, orjson.loads(row.units) if row.units else [None] * len(searches))
        return found

    def claimable(self, stale_before: datetime, limit: int) -> list[str]:
        """Reception numbers a worker may claim, the oldest first."""
        return list(self.conn.execute(select(_B.reception_number).where(_claimable(stale_before))
                                      .order_by(_B.received_at).limit(limit)).scalars())

    def claim(self, reception_number: str, worker: str, now: datetime, stale_before: datetime) -> bool:
        """Takes the bulk for `worker` unless another worker took it first."""
        done = self.conn.execute(update(oqs_bulks).where(
            _B.reception_number == reception_number, _claimable(stale_before))
            .values(status=ANSWERING, claimed_by=worker, claimed_at=now))
        return done.rowcount == 1

    def unanswered(self, reception_number: str) -> tuple[int, list] | None:
        """The first chunk without answers: its number and its items."""
        row = self.conn.execute(select(_C.chunk, _C.searches).where(
            _C.reception_number == reception_number, _C.units.is_(None)).order_by(_C.chunk).limit(1)).first()
        return (row.chunk, orjson.loads(row.searches)) if row else None

    def store(self, reception_number: str, worker: str, now: datetime, chunk: int, units: list[dict]) -> bool:
        """Stores a chunk's answers and renews the claim; False (nothing stored) when the bulk
        is no longer `worker`'s."""
        if not self._renew(reception_number, worker, now):
            return False
        self.conn.execute(update(oqs_bulk_chunks).where(
            _C.reception_number == reception_number, _C.chunk == chunk).values(units=_json(units)))
        return True

    def finish(self, reception_number: str, worker: str, now: datetime) -> bool:
        """Marks the bulk answered; False when it is no longer `worker`'s."""
        done = self.conn.execute(update(oqs_bulks).where(
            _B.reception_number == reception_number, _B.status == ANSWERING, _B.claimed_by == worker)
            .values(status=DONE, answered_at=now, claimed_by=None, claimed_at=None))
        return done.rowcount == 1

    def purge(self, received_before: datetime) -> int:
        """Deletes the bulks received before `received_before` with their items; how many."""
        old = select(_B.reception_number).where(_B.received_at < received_before).scalar_subquery()
        self.conn.execute(delete(oqs_bulk_chunks).where(_C.reception_number.in_(old)))
        return self.conn.execute(delete(oqs_bulks).where(_B.received_at < received_before)).rowcount

    def _renew(self, reception_number: str, worker: str, now: datetime) -> bool:
        done = self.conn.execute(update(oqs_bulks).where(
            _B.reception_number == reception_number, _B.status == ANSWERING, _B.claimed_by == worker)
            .values(claimed_at=now))
        return done.rowcount == 1
