"""The read side of online verification: one indexed read per look-up, on plain DBAPI
connections (no ORM, no explicit transaction: each SELECT is atomic by itself), kept in a small
pool of their own. Returns the families' histories (their snapshots); the domain decides what
they mean."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import date
from typing import Iterable, Iterator, NamedTuple

from sqlalchemy import Engine

from ...domain.certificates import CertificateReason, HeldCertificate
from ...domain.myna import MynaCard
from ...domain.registry import FamilyHistory
from ...domain.verification import CardsOnFile
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


# The records of several 記号・番号 (any 枝番), one statement.
# (A join with the list, not `(symbol, number) IN (VALUES …)`: SQLite scans the table for that.)
_RECORDS_OF_CARD_NUMBERS = ("SELECT m.symbol, m.number, m.branch, m.id, m.my_number_hash, m.family_id, f.payload "
                            "FROM (VALUES {pairs}) AS k JOIN members m ON m.symbol = k.column1 "
                            "AND m.number = k.column2 JOIN family_snapshots f ON f.family_id = m.family_id")

# The cards issued to some members, one statement: 資格確認書 ('c') and legacy 健康保険証 ('l').
_CARDS_ON_FILE = ("SELECT member_id, 'c', issued_on, valid_from, expires_on, superseded_on, cancelled_on, serial, "
                  "reason FROM eligibility_certificates WHERE member_id IN ({ids}) UNION ALL "
                  "SELECT member_id, 'l', issued_on, NULL, valid_until, NULL, NULL, NULL, NULL "
                  "FROM legacy_cards WHERE member_id IN ({ids})")
_CHUNK = 500  # keys in one statement (each binds two parameters)
# Connections kept for the look-ups, taken from the engine's pool: as many as usually run at
# once (the event loop, the bulk worker, a few threads); a burst beyond gives them back.
_KEEP_IDLE = 4


class PublishedView:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._placeholder = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._sql = {name: sql.replace("?", self._placeholder) for name, sql in _SQL.items()}
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
            kept = len(self._idle) < _KEEP_IDLE
            if kept:
                self._idle.append(conn)
        if not kept:  # back to the engine's pool, which the rest of the server draws from too
            if self.engine.dialect.name != "sqlite":
                conn.dbapi_connection.autocommit = False
            conn.close()

    def _fetch(self, name: str, *params) -> list:
        with self._cursor() as cursor:
            cursor.execute(self._sql[name], params)
            return cursor.fetchall()

    def _fetch_chunked(self, keys: list, statement) -> list:
        """The rows of `statement(chunk)` — (SQL, parameters) — for `keys` a chunk at a time."""
        rows = []
        for start in range(0, len(keys), _CHUNK):
            sql, params = statement(keys[start:start + _CHUNK])
            with self._cursor() as cursor:
                cursor.execute(sql, params)
                rows += cursor.fetchall()
        return rows

    def _records(self, name: str, *params) -> list[Record]:
        return [Record(member_id, digest, decode_snapshot(payload))
                for member_id, digest, payload in self._fetch(name, *params)]

    def records_by_card_data(self, symbol: str, number: str, branch: str | None) -> list[Record]:
        """The records of a 記号・番号 (and 枝番; None: any), as the registry keeps them."""
        if branch is None:
            return self._records("card_data_any_branch", symbol, number)
        return self._records("card_data", symbol, number, branch)

    def prefetched(self, numbers: Iterable[tuple[str, str]]) -> PublishedView:
        """This view with the records of these 記号・番号 read at once (`Prefetched`)."""
        return Prefetched(self, numbers)

    def records_by_card_numbers(self, numbers: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list]:
        """The records of several 記号・番号, each with its 枝番: {(記号, 番号): [(枝番, Record)]}
        (those without a record are absent). A family's snapshot is decoded once."""
        found, families = {}, {}
        pair = f"({self._placeholder}, {self._placeholder})"
        rows = self._fetch_chunked(sorted(set(numbers)), lambda chunk: (
            _RECORDS_OF_CARD_NUMBERS.format(pairs=", ".join([pair] * len(chunk))), [v for p in chunk for v in p]))
        for symbol, number, branch, member_id, digest, family_id, payload in rows:
            history = families.get(family_id)
            if history is None:
                history = families[family_id] = decode_snapshot(payload)
            found.setdefault((symbol, number), []).append((branch, Record(member_id, digest, history)))
        return found

    def records_of_card_holder(self, card_id: str) -> list[Record]:
        return self._records("card_holder", card_id)

    def records_of_same_person(self, member_id: int) -> list[Record]:
        """The records sharing the given record's My Number (the record itself included)."""
        return self._records("same_person", member_id)

    def cards_on_file(self, member_ids: Iterable[int]) -> dict[int, CardsOnFile]:
        """The cards issued to these members (those without one are absent). Documents the
        society hands out, read at once rather than published: their 交付年月日 is printed on
        the card the patient shows (D-174)."""
        rows = self._fetch_chunked(sorted(set(member_ids)), lambda chunk: (
            _CARDS_ON_FILE.format(ids=", ".join([self._placeholder] * len(chunk))), chunk * 2))
        certificates: dict[int, list] = {}
        legacy: dict[int, list] = {}
        for member_id, kind, issued, valid_from, until, superseded, cancelled, serial, reason in rows:
            if kind == "c":
                held = HeldCertificate(serial, CertificateReason(reason), _date(valid_from), _date(until),
                                       _date(superseded), _date(cancelled))
                certificates.setdefault(member_id, []).append((_date(issued), held))
            else:
                legacy.setdefault(member_id, []).append((_date(issued), _date(until)))
        return {member_id: CardsOnFile(tuple(certificates.get(member_id, ())), tuple(legacy.get(member_id, ())))
                for member_id in certificates.keys() | legacy.keys()}

    def card(self, card_id: str) -> MynaCard | None:
        rows = self._fetch("card", card_id)
        if not rows:
            return None
        card_id, expires, registered, cancelled = rows[0]
        return MynaCard(card_id, _date(expires), _date(registered), _date(cancelled))


class Prefetched:
    """A published view with the records of some 記号・番号 read in one statement (a bulk's):
    the same answers as `PublishedView`, the other look-ups passed to it."""

    def __init__(self, view: PublishedView, numbers: Iterable[tuple[str, str]]):
        self.view, self.numbers = view, set(numbers)
        self.found = view.records_by_card_numbers(self.numbers)

    def records_by_card_data(self, symbol: str, number: str, branch: str | None) -> list[Record]:
        if (symbol, number) not in self.numbers:
            return self.view.records_by_card_data(symbol, number, branch)
        return [record for found, record in self.found.get((symbol, number), ()) if branch in (None, found)]

    def __getattr__(self, name: str):
        return getattr(self.view, name)
