"""The read side of online verification: one indexed read per look-up, on plain DBAPI
connections (no ORM, no explicit transaction: each SELECT is atomic by itself), kept in a small
pool of their own. Returns the families' histories (their snapshots); the domain decides what
they mean."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import date
from typing import Iterator, NamedTuple

from sqlalchemy import Engine

from ...domain.myna import MynaCard
from ...domain.registry import FamilyHistory
from .snapshots import decode_snapshot


class Record(NamedTuple):
    """A member's record with its family's history and the look-up hash of its 個人番号."""

    member_id: int
    my_number_hash: str | None
    history: FamilyHistory


def _date(value) -> date | None:
    """SQLite hands dates back as ISO text, PostgreSQL as dates."""
    return date.fromisoformat(value) if isinstance(value, str) else value


_RECORDS = ("SELECT m.id, m.my_number_hash, f.payload FROM members m "
            "JOIN family_snapshots f ON f.family_id = m.family_id WHERE ")
_SQL = {
    "card_data": _RECORDS + "m.symbol = ? AND m.number = ? AND m.branch = ?",
    "card_data_any_branch": _RECORDS + "m.symbol = ? AND m.number = ?",
    # A person's records found through a card or another record in one statement (one snapshot),
    # so a key rotation re-hashing the person between two reads cannot hide them (D-38).
    "card_holder": _RECORDS + "m.my_number_hash = (SELECT c.my_number_hash FROM myna_cards c WHERE c.card_id = ?)",
    "same_person": _RECORDS + "m.my_number_hash = (SELECT o.my_number_hash FROM members o WHERE o.id = ?)",
    "card": "SELECT card_id, certificate_expires_on, insurance_registered_on, "
            "insurance_cancelled_on FROM myna_cards WHERE card_id = ?",
}


class PublishedView:
    def __init__(self, engine: Engine):
        self.engine = engine
        placeholder = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._sql = {name: sql.replace("?", placeholder) for name, sql in _SQL.items()}
        self._idle: list = []
        self._lock = threading.Lock()

    @contextmanager
    def _cursor(self) -> Iterator:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self.engine.raw_connection()
            if self.engine.dialect.name != "sqlite":
                conn.dbapi_connection.autocommit = True
        try:
            cursor = conn.cursor()
            yield cursor
            cursor.close()
        except Exception:
            conn.invalidate()
            raise
        with self._lock:
            self._idle.append(conn)

    def _fetch(self, name: str, *params) -> list:
        with self._cursor() as cursor:
            cursor.execute(self._sql[name], params)
            return cursor.fetchall()

    def _records(self, name: str, *params) -> list[Record]:
        return [Record(member_id, digest, decode_snapshot(payload))
                for member_id, digest, payload in self._fetch(name, *params)]

    def records_by_card_data(self, symbol: str, number: str, branch: str | None) -> list[Record]:
        """The records of a 記号・番号 (and 枝番; None: any), as the registry keeps them."""
        if branch is None:
            return self._records("card_data_any_branch", symbol, number)
        return self._records("card_data", symbol, number, branch)

    def records_of_card_holder(self, card_id: str) -> list[Record]:
        return self._records("card_holder", card_id)

    def records_of_same_person(self, member_id: int) -> list[Record]:
        """The records sharing the given record's My Number (the record itself included)."""
        return self._records("same_person", member_id)

    def card(self, card_id: str) -> MynaCard | None:
        rows = self._fetch("card", card_id)
        if not rows:
            return None
        card_id, expires, registered, cancelled = rows[0]
        return MynaCard(card_id, _date(expires), _date(registered), _date(cancelled))
