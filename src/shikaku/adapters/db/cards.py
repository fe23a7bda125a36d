"""The cards a member may show (健康保険証 of before 2024-12-02, マイナンバーカード as the
national side reports them): repositories on the writer's or reader's connection."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import Connection, insert

from ...domain.myna import MynaCard
from . import repository as repo
from .schema import legacy_cards


class LegacyCards:
    """健康保険証 issued before 2024-12-02 (R-LEG-1)."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def add(self, member_id: int, issued_on: date, expires_on: date | None, valid_until: date) -> int:
        return self.conn.execute(insert(legacy_cards).values(
            member_id=member_id, issued_on=issued_on, expires_on=expires_on,
            valid_until=valid_until)).inserted_primary_key[0]


class MynaCards:
    """マイナンバーカード as the national side reports them (利用登録 …), by look-up hash."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def by_hash(self, digests: Iterable[str]) -> dict[str, list[MynaCard]]:
        return repo.cards_by_hash(self.conn, digests)
