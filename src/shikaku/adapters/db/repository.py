"""Reading and writing the registry tables; rows in, domain objects out. No rules here."""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ...domain.myna import MynaCard
from ...domain.registry import FamilyHistory, Identity, Kind, Registration, Relationship
from .schema import members, myna_cards, registrations, symbols

# Registration data is JSON; these keys hold dates.
_DATE_KEYS = frozenset({"birth_date", "coverage_ends_on", "valid_until"})


def _encode(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


def _decode(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: date.fromisoformat(v) if k in _DATE_KEYS and v is not None else v
            for k, v in data.items()}


def _identity(row) -> Identity:
    return Identity(member_id=row.id, family_id=row.family_id,
                    relationship=Relationship(row.relationship), symbol=row.symbol,
                    number=row.number, branch=row.branch)


def _registration(row) -> Registration:
    return Registration(seq=row.seq, member_id=row.member_id, kind=Kind(row.kind),
                        effective_on=row.effective_on, registered_on=row.registered_on,
                        publish_on=row.publish_on, data=_decode(row.data))


_IDENTITY_COLUMNS = (members.c.id, members.c.family_id, members.c.relationship,
                     members.c.symbol, members.c.number, members.c.branch)


def load_families(conn: Connection, family_ids: Iterable[int]) -> dict[int, FamilyHistory]:
    """The histories of the given families, two queries whatever their number."""
    ids = sorted(set(family_ids))
    if not ids:
        return {}
    identities: dict[int, list[Identity]] = {i: [] for i in ids}
    for row in conn.execute(select(*_IDENTITY_COLUMNS).where(members.c.family_id.in_(ids))):
        identities[row.family_id].append(_identity(row))
    regs: dict[int, list[Registration]] = {i: [] for i in ids}
    for row in conn.execute(select(registrations).where(registrations.c.family_id.in_(ids))
                            .order_by(registrations.c.seq)):
        regs[row.family_id].append(_registration(row))
    return {i: FamilyHistory(identities[i], regs[i]) for i in ids}


def load_family(conn: Connection, family_id: int) -> FamilyHistory:
    return load_families(conn, [family_id])[family_id]


def member_row(conn: Connection, member_id: int, *, for_update: bool = False):
    query = select(members).where(members.c.id == member_id)
    return conn.execute(query.with_for_update() if for_update else query).first()


def members_with_hash(conn: Connection, my_number_hash: str) -> list:
    return list(conn.execute(select(members).where(members.c.my_number_hash == my_number_hash)))


def add_registration(conn: Connection, *, family_id: int, member_id: int, kind: Kind,
                     effective_on: date, registered_on: date, publish_on: date,
                     data: Mapping[str, Any]) -> None:
    conn.execute(insert(registrations).values(
        family_id=family_id, member_id=member_id, kind=kind.value, effective_on=effective_on,
        registered_on=registered_on, publish_on=publish_on, data=_encode(data)))


def next_number(conn: Connection, symbol: str, given: int | None) -> int:
    """Hands out the next 番号 of a 記号, or records a given one so it is never handed out."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    conn.execute(dialect.insert(symbols).values(symbol=symbol, last_number=0)
                 .on_conflict_do_nothing(index_elements=["symbol"]))
    if given is None:
        return conn.execute(update(symbols).where(symbols.c.symbol == symbol)
                            .values(last_number=symbols.c.last_number + 1)
                            .returning(symbols.c.last_number)).scalar_one()
    conn.execute(update(symbols).where(symbols.c.symbol == symbol, symbols.c.last_number < given)
                 .values(last_number=given))
    return given


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
