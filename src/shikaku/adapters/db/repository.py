"""Reading and writing the registry tables; rows in, domain objects out. No rules here."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ...domain.myna import MynaCard
from ...domain.registry import FamilyHistory
from .schema import (
    family_snapshots,
    members,
    myna_cards,
    serials,
    symbols,
)
from .snapshots import decode_snapshot


def _dialect(conn: Connection):
    return sqlite if conn.dialect.name == "sqlite" else postgresql


def family_from_snapshot(payload: str | bytes) -> FamilyHistory:
    """A family's stored history (the snapshot every view folds)."""
    return decode_snapshot(payload)


def load_families(conn: Connection, family_ids: Iterable[int]) -> dict[int, FamilyHistory]:
    """The histories of the given families, in one query whatever their number."""
    ids = sorted(set(family_ids))
    if not ids:
        return {}
    rows = conn.execute(select(family_snapshots).where(family_snapshots.c.family_id.in_(ids)))
    return {row.family_id: family_from_snapshot(row.payload) for row in rows}


def load_family(conn: Connection, family_id: int) -> FamilyHistory:
    return load_families(conn, [family_id])[family_id]


MAX_ID = 2**63 - 1  # BIGINT


def parse_id(text: str) -> int:
    """A row id from a URL: ASCII digits within BIGINT, else -1, which no row has."""
    digits = text.isascii() and text.isdigit() and len(text) <= 19
    return int(text) if digits and int(text) <= MAX_ID else -1


def member_row(conn: Connection, member_id: int, *, for_update: bool = False):
    query = select(members).where(members.c.id == member_id)
    return conn.execute(query.with_for_update() if for_update else query).first()


def members_with_hash(conn: Connection, *my_number_hashes: str) -> list:
    """The members holding a 個人番号, by its look-up hash (two while a key rotation runs)."""
    return list(conn.execute(select(members).where(members.c.my_number_hash.in_(my_number_hashes))))


def insert_if_absent(conn: Connection, table, key_column: str, values: Mapping[str, Any]) -> None:
    """Creates the row unless one with the same key exists (writers racing insert it once)."""
    conn.execute(_dialect(conn).insert(table).values(dict(values))
                 .on_conflict_do_nothing(index_elements=[key_column]))


def _counter(conn: Connection, table, key: str, given: int | None = None) -> int:
    """Bumps (or raises to `given`) a named counter row and returns the value. Row locks make
    concurrent writers take turns, so no value is handed out twice."""
    key_column, counter = table.c[table.primary_key.columns.keys()[0]], list(table.c)[1]
    insert_if_absent(conn, table, key_column.name, {key_column.name: key, counter.name: 0})
    if given is None:
        return conn.execute(update(table).where(key_column == key).values({counter.name: counter + 1})
                            .returning(counter)).scalar_one()
    conn.execute(update(table).where(key_column == key, counter < given).values({counter.name: given}))
    return given


def next_number(conn: Connection, symbol: str, given: int | None) -> int:
    """Hands out the next 番号 of a 記号, or records a given one so it is never handed out."""
    return _counter(conn, symbols, symbol, given)


def next_serial(conn: Connection, kind: str) -> int:
    """The next 交付番号 of a kind of document."""
    return _counter(conn, serials, kind)


def next_branch(conn: Connection, insured_id: int) -> int:
    """Hands out the next 枝番 of a family; branches are never reused."""
    return conn.execute(update(members).where(members.c.id == insured_id)
                        .values(last_branch=members.c.last_branch + 1)
                        .returning(members.c.last_branch)).scalar_one()


def cards_by_hash(conn: Connection, hashes: Iterable[str]) -> dict[str, list[MynaCard]]:
    wanted = sorted({h for h in hashes if h})
    found: dict[str, list[MynaCard]] = {h: [] for h in wanted}
    if wanted:
        for row in conn.execute(select(myna_cards).where(myna_cards.c.my_number_hash.in_(wanted))):
            found[row.my_number_hash].append(card(row))
    return found


def card(row) -> MynaCard:
    return MynaCard(card_id=row.card_id, certificate_expires_on=row.certificate_expires_on,
                    insurance_registered_on=row.insurance_registered_on,
                    insurance_cancelled_on=row.insurance_cancelled_on)


def count(conn: Connection, query) -> int:
    return conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
