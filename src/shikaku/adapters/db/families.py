"""The families repository (世帯): `domain.family.Family` aggregates loaded from and saved to
the members, registrations and family_snapshots tables, one family per transaction; and the
`Ledger` that hands out member ids, registration order and 番号 inside it. (The bulk writers
of an import and of the demo society save families through `bulk.FamilyWriter`.)"""
from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import Connection, bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from ...domain.calendar import BusinessCalendar
from ...domain.family import Family, Holder, MemberRecord, SealedMyNumber
from ...domain.registrations import decode, encode
from ...domain.registry import FamilyHistory, Identity, Kind, Registration, Relationship
from . import repository as repo
from .schema import family_snapshots, members, registrations
from .snapshots import encode_snapshot

_RELATIONSHIPS = {relationship.value: relationship for relationship in Relationship}
# Columns of a member a change may rewrite (the search projection and the vault).
PROJECTION = ("name", "name_kana", "last_branch", "my_number_cipher", "my_number_hash", "my_number_last4",
              "birth_date", "qualified_on")  # the last two follow a 訂正 of the enrolment (D-125)


def record_from_row(row) -> MemberRecord:
    """A members row as the aggregate's member record."""
    sealed = SealedMyNumber(row.my_number_cipher, row.my_number_hash, row.my_number_last4) \
        if row.my_number_hash else None
    identity = Identity(row.id, row.family_id, _RELATIONSHIPS[row.relationship], row.symbol,
                        row.number, row.branch)
    return MemberRecord(identity, row.name, row.name_kana, _day(row.birth_date),
                        _day(row.qualified_on), sealed)


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def member_columns(record: MemberRecord, last_branch: int) -> dict:
    """The members row of a record (`last_branch`: the insured's 枝番 handed out; 0 otherwise)."""
    i, sealed = record.identity, record.my_number
    return {"id": i.member_id, "family_id": i.family_id, "relationship": i.relationship.value,
            "symbol": i.symbol, "number": i.number, "branch": i.branch, "last_branch": last_branch,
            "name": record.name, "name_kana": record.name_kana, "birth_date": record.birth_date,
            "qualified_on": record.qualified_on,
            "my_number_cipher": sealed.cipher if sealed else None,
            "my_number_hash": sealed.digest if sealed else None,
            "my_number_last4": sealed.last4 if sealed else None}


def family_from_rows(rows: list, history: FamilyHistory | None) -> Family:
    """A family from its members rows and its snapshot (None: nothing registered yet)."""
    insured = next(row for row in rows if row.relationship == Relationship.INSURED.value)
    return Family(insured.symbol, insured.number, [record_from_row(row) for row in rows],
                  history.registrations if history else (), insured.last_branch)


class SqlFamilies:
    """Families in the database (the writer's connection)."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def get(self, member_id: int, *, for_update: bool = False) -> Family | None:
        """The family of a member (locked for the transaction with `for_update`), or None."""
        row = repo.member_row(self.conn, member_id, for_update=for_update)
        return self.of_families([row.family_id])[row.family_id] if row else None

    def by_number(self, symbol: str, number: str) -> Family | None:
        """The family of a 記号・番号, or None."""
        found = self.of_numbers([(symbol, number)])
        return next(iter(found.values()), None)

    def of_numbers(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Family]:
        """The families of several 記号・番号, by (記号, 番号) (one query whatever their number)."""
        if not pairs:
            return {}
        ids = self.conn.execute(select(members.c.family_id).distinct().where(
            tuple_(members.c.symbol, members.c.number).in_(pairs))).scalars()
        return {(f.symbol, f.number): f for f in self.of_families(list(ids)).values()}

    def of_families(self, family_ids: Iterable[int]) -> dict[int, Family]:
        ids = sorted(set(family_ids))
        if not ids:
            return {}
        rows: dict[int, list] = {}
        for row in self.conn.execute(select(members).where(members.c.family_id.in_(ids))):
            rows.setdefault(row.family_id, []).append(row)
        histories = repo.load_families(self.conn, ids)
        return {family_id: family_from_rows(rows[family_id], histories.get(family_id))
                for family_id in rows}

    def holders(self, digests: Iterable[str], *, besides: int | None = None) -> list[Holder]:
        """The records of other families holding a 個人番号 (by its look-up hashes: two while a
        key rotation runs), for D-6."""
        found = [row for row in repo.members_with_hash(self.conn, *digests) if row.family_id != besides]
        histories = repo.load_families(self.conn, (row.family_id for row in found))
        return [Holder(histories[row.family_id], row.id) for row in found]

    def save(self, family: Family) -> None:
        """Writes what the family added: new and changed members, registrations, the snapshot."""
        conn = self.conn
        last = {family.insured_id: family.last_branch}
        new = [member_columns(family.members[m], last.get(m, 0)) for m in family.new_members]
        if new:
            conn.execute(insert(members), new)
        changed = [{"_id": m, **{c: member_columns(family.members[m], last.get(m, 0))[c] for c in PROJECTION}}
                   for m in sorted(family.changed - set(family.new_members))]
        if changed:
            conn.execute(update(members).where(members.c.id == bindparam("_id"))
                         .values({c: bindparam(c) for c in PROJECTION}), changed)
        if family.new_registrations:
            conn.execute(insert(registrations), [
                {"seq": r.seq, "family_id": family.family_id, "member_id": r.member_id,
                 "kind": r.kind.value, "effective_on": r.effective_on, "registered_on": r.registered_on,
                 "publish_on": r.publish_on, "data": encode(r.data)} for r in family.new_registrations])
        _store_snapshot(conn, family.family_id, snapshot_of(family))
        family.saved()


def snapshot_of(family: Family) -> str:
    history = family.history
    return encode_snapshot(history.identities.values(), history.registrations)


def _store_snapshot(conn: Connection, family_id: int, payload: str) -> None:
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    conn.execute(dialect.insert(family_snapshots).values(family_id=family_id, payload=payload)
                 .on_conflict_do_update(index_elements=["family_id"], set_={"payload": payload}))


def refresh_snapshot(conn: Connection, family_id: int) -> None:
    """Rewrites a family's snapshot from the source tables (members, registrations): a repair,
    and the reference the tests hold every writer's snapshots to."""
    identities = [record_from_row(row).identity
                  for row in conn.execute(select(members).where(members.c.family_id == family_id))]
    regs = [Registration(row.seq, row.member_id, Kind(row.kind), _day(row.effective_on),
                         _day(row.registered_on), _day(row.publish_on), decode(row.kind, row.data))
            for row in conn.execute(select(registrations).where(registrations.c.family_id == family_id))]
    _store_snapshot(conn, family_id, encode_snapshot(identities, regs))


class SqlLedger:
    """Member ids, registration order and 番号 handed out in the writer's transaction, and the
    公開日 by the business calendar (R-MYNA-2)."""

    def __init__(self, conn: Connection, calendar: BusinessCalendar):
        self.conn, self.calendar = conn, calendar
        self._next: dict[str, int] = {}

    def _take(self, column) -> int:
        """The next id of `column`: the sequence on PostgreSQL; on SQLite one more than the
        largest (the writing transaction holds the database's write lock)."""
        if self.conn.dialect.name == "postgresql":
            table = column.table.name
            return self.conn.exec_driver_sql(
                f"SELECT nextval(pg_get_serial_sequence('{table}', '{column.name}'))").scalar_one()
        key = column.table.name
        if key not in self._next:
            self._next[key] = (self.conn.execute(select(func.max(column))).scalar() or 0) + 1
        value = self._next[key]
        self._next[key] += 1
        return value

    def new_member_id(self) -> int:
        return self._take(members.c.id)

    def new_seq(self) -> int:
        return self._take(registrations.c.seq)

    def new_number(self, symbol: str, given: str | None) -> str:
        return str(repo.next_number(self.conn, symbol, int(given) if given else None))

    def publish_on(self, registered_on: date) -> date:
        return self.calendar.second_business_day_after(registered_on)
