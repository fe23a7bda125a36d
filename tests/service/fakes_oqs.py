"""In-memory fake of the 一括照会 repository (adapters.db.oqs_bulks), for tests/service."""
from __future__ import annotations

import copy
from datetime import datetime
from typing import TYPE_CHECKING

from shikaku.adapters.db.oqs_bulks import ANSWERING, DONE, PENDING, StoredBulk

if TYPE_CHECKING:
    from tests.service.fakes import Store


class FakeOqsBulks:
    """`store.oqs_bulks`: reception number → dict(bulk, claimed_by, claimed_at, chunks) where
    chunks is a list of [searches, units or None]."""

    def __init__(self, store: Store):
        self.rows = store.oqs_bulks

    def add(self, bulk: StoredBulk, chunks: list[list]) -> None:
        assert bulk.reception_number not in self.rows
        self.rows[bulk.reception_number] = dict(bulk=bulk, claimed_by=None, claimed_at=None,
                                                chunks=[[copy.deepcopy(c), None] for c in chunks])

    def get(self, reception_number: str) -> StoredBulk | None:
        row = self.rows.get(reception_number)
        return row["bulk"] if row else None

    def answered(self, reception_number: str) -> list[tuple]:
        return [pair for searches, units in self.rows[reception_number]["chunks"]
                for pair in zip(searches, units or [None] * len(searches))]

    def claimable(self, stale_before: datetime, limit: int) -> list[str]:
        found = sorted((row["bulk"].received_at, number) for number, row in self.rows.items()
                       if self._claimable(row, stale_before))
        return [number for _, number in found[:limit]]

    def claim(self, reception_number: str, worker: str, now: datetime, stale_before: datetime) -> bool:
        row = self.rows.get(reception_number)
        if row is None or not self._claimable(row, stale_before):
            return False
        row.update(bulk=row["bulk"]._replace(status=ANSWERING), claimed_by=worker, claimed_at=now)
        return True

    def unanswered(self, reception_number: str) -> tuple[int, list] | None:
        chunks = self.rows[reception_number]["chunks"]
        return next(((n, copy.deepcopy(searches)) for n, (searches, units) in enumerate(chunks) if units is None),
                    None)

    def store(self, reception_number: str, worker: str, now: datetime, chunk: int, units: list[dict]) -> bool:
        if not self._renew(reception_number, worker, now):
            return False
        self.rows[reception_number]["chunks"][chunk][1] = copy.deepcopy(units)
        return True

    def finish(self, reception_number: str, worker: str, now: datetime) -> bool:
        row = self.rows[reception_number]
        if row["bulk"].status != ANSWERING or row["claimed_by"] != worker:
            return False
        row.update(bulk=row["bulk"]._replace(status=DONE), claimed_by=None, claimed_at=None)
        return True

    def purge(self, received_before: datetime) -> int:
        old = [n for n, row in self.rows.items() if row["bulk"].received_at < received_before]
        for number in old:
            del self.rows[number]
        return len(old)

    def _renew(self, reception_number: str, worker: str, now: datetime) -> bool:
        row = self.rows[reception_number]
        if row["bulk"].status != ANSWERING or row["claimed_by"] != worker:
            return False
        row["claimed_at"] = now
        return True

    @staticmethod
    def _claimable(row: dict, stale_before: datetime) -> bool:
        status = row["bulk"].status
        return status == PENDING or (status == ANSWERING and row["claimed_at"] < stale_before)
