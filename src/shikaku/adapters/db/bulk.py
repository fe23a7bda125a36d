"""Bulk writing inside a use case's transaction, straight to the driver of its connection:
executemany on SQLite, COPY on PostgreSQL. Values go to the driver as they are (ISO dates,
JSON as text), which is several times faster than SQLAlchemy's per-row processing."""
from __future__ import annotations

from datetime import date
from operator import itemgetter
from typing import Sequence

import orjson
from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, text, update

from ...domain.calendar import BusinessCalendar
from ...domain.family import Family
from .families import PROJECTION, member_columns
from .schema import family_snapshots, members, registrations, symbols
from .snapshots import member_rows, registration_rows, snapshot_payload


class TableWriter:
    """Appends rows (tuples in `columns` order) to one table."""

    def __init__(self, conn: Connection, table: Table, columns: Sequence[str]):
        self.raw = conn.connection.dbapi_connection
        self.postgres = conn.dialect.name == "postgresql"
        quote = conn.dialect.identifier_preparer.quote
        names = ", ".join(quote(c) for c in columns)
        marks = ", ".join("?" * len(columns))
        self.statement = (f"COPY {quote(table.name)} ({names}) FROM STDIN" if self.postgres else
                          f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})")

    def write(self, rows: Sequence[tuple]) -> None:
        if not rows:
            return
        cursor = self.raw.cursor()
        try:
            if self.postgres:
                with cursor.copy(self.statement) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.statement, rows)
        finally:
            cursor.close()


def next_id(conn: Connection, column) -> int:
    """One more than the largest value of an id column (ids given by a bulk load that holds
    the table's write lock)."""
    return (conn.execute(select(func.max(column))).scalar() or 0) + 1


def lock_exclusive(conn: Connection, tables: Sequence[Table]) -> None:
    """Other writers of these tables wait until the transaction ends; readers go on. (SQLite's
    writing transactions already hold the database's write lock.)"""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"LOCK TABLE {', '.join(t.name for t in tables)} IN EXCLUSIVE MODE")


def advance_sequences(conn: Connection, columns: Sequence) -> None:
    """On PostgreSQL, moves the sequences of id columns past the ids a bulk load gave."""
    if conn.dialect.name != "postgresql":
        return
    for column in columns:
        table = column.table.name
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', '{column.name}'), "
                          f"GREATEST((SELECT max({column.name}) FROM {table}), 1))"))


def drop_plain_indexes(conn: Connection, tables: Sequence[Table]) -> list[str]:
    """Drops the plain (non-unique) indexes of `tables`, returning the statements that create
    them again: after a load that doubles a table, building an index once is much faster than
    keeping it up to date row by row. Inside the transaction, so a rollback keeps them."""
    definitions: list[tuple[str, str]] = []
    for table in tables:
        if conn.dialect.name == "sqlite":
            plain = [row[1] for row in conn.exec_driver_sql(f"PRAGMA index_list('{table.name}')")
                     if row[2] == 0 and row[3] == "c"]
            definitions += [(name, conn.execute(text("SELECT sql FROM sqlite_master WHERE name = :n"),
                                                {"n": name}).scalar_one()) for name in plain]
        elif conn.dialect.name == "postgresql":
            definitions += [tuple(row) for row in conn.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = :t AND indexdef NOT LIKE 'CREATE UNIQUE %'"), {"t": table.name})]
    quote = conn.dialect.identifier_preparer.quote
    for name, _ in definitions:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
    return [definition for _, definition in definitions]


def create_indexes(conn: Connection, definitions: Sequence[str]) -> None:
    for definition in definitions:
        conn.exec_driver_sql(definition)


_MEMBER_COLUMNS = ("id", "family_id", "relationship", "symbol", "number", "branch", "last_branch",
                   "name", "name_kana", "birth_date", "qualified_on", "my_number_cipher",
                   "my_number_hash", "my_number_last4")
_member_row = itemgetter(*_MEMBER_COLUMNS)
_REGISTRATION_COLUMNS = ("seq", "family_id", "member_id", "kind", "effective_on", "registered_on",
                         "publish_on", "data")


class FamilyWriter:
    """Saves many `Family` aggregates in one transaction (an import, the demo society): what
    each added since it was loaded, collected by `add` and written by `flush` in batches."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.writers = {name: TableWriter(conn, table, columns) for name, table, columns in (
            ("members", members, _MEMBER_COLUMNS), ("registrations", registrations, _REGISTRATION_COLUMNS),
            ("snapshots", family_snapshots, ("family_id", "payload")))}
        self._reset()

    def _reset(self) -> None:
        self.rows: dict[str, list] = {"members": [], "registrations": [], "snapshots": []}
        self.updates: list[dict] = []
        self.replaced: list[int] = []  # families whose snapshot is rewritten

    def add(self, family: Family, *, existing: bool) -> None:
        """Collects the family's new rows (`existing`: it was in the registry before)."""
        if not family.new_registrations:
            return
        rows, last = self.rows, {family.insured_id: family.last_branch}
        for member_id in family.new_members:
            values = member_columns(family.members[member_id], last.get(member_id, 0))
            values["birth_date"] = values["birth_date"].isoformat()
            values["qualified_on"] = values["qualified_on"].isoformat()
            rows["members"].append(_member_row(values))
        for member_id in family.changed - set(family.new_members):
            values = member_columns(family.members[member_id], last.get(member_id, 0))
            self.updates.append({"_id": member_id, **{c: values[c] for c in PROJECTION}})
        family_id = family.family_id
        regs = registration_rows(family.registrations)
        snapshot = snapshot_payload(member_rows(m.identity for m in family.members.values()), regs)
        first_new = family.new_registrations[0].seq  # the rows are what the snapshot stores of them
        rows["registrations"] += [(seq, family_id, member, kind, effective, registered, publish,
                                   orjson.dumps(data).decode())
                                  for seq, member, kind, effective, registered, publish, data in regs
                                  if seq >= first_new]
        rows["snapshots"].append((family_id, snapshot))
        if existing:
            self.replaced.append(family_id)
        family.saved()

    def flush(self) -> None:
        conn = self.conn
        if self.replaced:
            conn.execute(delete(family_snapshots).where(family_snapshots.c.family_id.in_(self.replaced)))
        self.writers["members"].write(self.rows["members"])
        if self.updates:
            conn.execute(update(members).where(members.c.id == bindparam("_id"))
                         .values({c: bindparam(c) for c in PROJECTION}), self.updates)
        self.writers["registrations"].write(self.rows["registrations"])
        self.writers["snapshots"].write(self.rows["snapshots"])
        self._reset()


class BulkLedger:
    """Member ids, registration order and 番号 handed out by a bulk load that holds the tables'
    write lock (`lock_exclusive`): counted in memory from the largest values, and written back
    by `finish`. 公開日 by the business calendar (R-MYNA-2), remembered per day."""

    def __init__(self, conn: Connection, calendar: BusinessCalendar):
        self.conn, self.calendar = conn, calendar
        self.next_member_id = next_id(conn, members.c.id)
        self.first_seq = self.next_seq = next_id(conn, registrations.c.seq)
        self.counters = {row.symbol: row.last_number for row in conn.execute(select(symbols))}
        self.known_symbols = set(self.counters)
        self.touched_symbols: set[str] = set()
        self._publish: dict[date, date] = {}

    def new_member_id(self) -> int:
        self.next_member_id += 1
        return self.next_member_id - 1

    def new_seq(self) -> int:
        self.next_seq += 1
        return self.next_seq - 1

    def new_number(self, symbol: str, given: str | None) -> str:
        last = self.counters.get(symbol, 0)
        number = int(given) if given else last + 1
        self.counters[symbol] = max(last, number)
        self.touched_symbols.add(symbol)
        return str(number)

    def publish_on(self, registered_on: date) -> date:
        day = self._publish.get(registered_on)
        if day is None:
            day = self._publish[registered_on] = self.calendar.second_business_day_after(registered_on)
        return day

    @property
    def wrote(self) -> bool:
        return self.next_seq > self.first_seq

    def finish(self) -> None:
        """Stores the 番号 counters and moves the id sequences past the ids handed out."""
        for symbol in sorted(self.touched_symbols):
            values = {"symbol": symbol, "last_number": self.counters[symbol]}
            self.conn.execute(update(symbols).where(symbols.c.symbol == symbol).values(values)
                              if symbol in self.known_symbols else insert(symbols).values(values))
        advance_sequences(self.conn, (members.c.id, registrations.c.seq))
