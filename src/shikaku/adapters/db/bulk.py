"""Bulk writing inside a use case's transaction, straight to the driver of its connection:
executemany on SQLite, COPY on PostgreSQL. Values go to the driver as they are (ISO dates,
JSON as text), which is several times faster than SQLAlchemy's per-row processing."""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import Connection, Table, func, select, text


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
