"""An import's bulk work on the registry inside one transaction (届出ファイルの取込): the tables'
write lock, families by 記号・番号, the records holding the file's 個人番号, member ids and
番号 counted in memory, the rows written in batches, the plain indexes dropped for a load that
at least doubles the registry, and the import's own record. It decides nothing: the families
are the domain's (`domain.family.Family`), checked by `service_layer.exchange.loader`."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone
from typing import Iterator

from sqlalchemy import Connection, insert, select

from ...domain.calendar import BusinessCalendar
from ...domain.family import Family, Holder
from . import repository as repo
from .bulk import BulkLedger, FamilyWriter, create_indexes, drop_plain_indexes, lock_exclusive
from .families import SqlFamilies
from .schema import family_snapshots, import_files, members, registrations, symbols


class RegistryLoad:
    def __init__(self, conn: Connection, calendar: BusinessCalendar, write: bool):
        self.conn, self.write = conn, write
        if write:  # no other import of the same file can slip in
            lock_exclusive(conn, (symbols, members, registrations, family_snapshots, import_files))
        self.ledger = BulkLedger(conn, calendar)
        self.registry_empty = self.ledger.next_member_id == 1
        self.writer = FamilyWriter(conn)
        self.indexes: list[str] = []  # dropped for the load, created again by `finish`

    def earlier_import(self, content_hash: str):
        """The import of a file with the same bytes (its id and imported_at), or None."""
        return self.conn.execute(select(import_files.c.id, import_files.c.imported_at)
                                 .where(import_files.c.content_hash == content_hash)).first()

    def families(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Family]:
        """The registry's families of these 記号・番号 (found through the unique index, which a
        bulk load keeps)."""
        return {} if self.registry_empty else SqlFamilies(self.conn).of_numbers(pairs)

    def holders(self, digests: Iterator[str]) -> dict[str, list[Holder]]:
        """The registry's records holding a 個人番号 of the file, by look-up hash (read before
        any index is dropped; an empty registry has none)."""
        found: dict[str, list] = {}
        while not self.registry_empty and (batch := list(itertools.islice(digests, 1000))):
            for row in self.conn.execute(select(members.c.id, members.c.family_id, members.c.my_number_hash)
                                         .where(members.c.my_number_hash.in_(batch))):
                found.setdefault(row.my_number_hash, []).append(row)
        histories = repo.load_families(self.conn, (r.family_id for rows in found.values() for r in rows))
        return {digest: [Holder(histories[r.family_id], r.id) for r in rows] for digest, rows in found.items()}

    def expect(self, rows: int) -> None:
        """Drops the plain indexes when the load at least doubles the members."""
        if self.write and rows > self.ledger.next_member_id:
            self.indexes = drop_plain_indexes(self.conn, (members, registrations))

    def add(self, family: Family, *, existing: bool) -> None:
        self.writer.add(family, existing=existing)

    def flush(self) -> None:
        self.writer.flush()

    def finish(self, *, content_hash: str, filename: str, encoding: str | None, rows: int,
               counts: dict, actor: str) -> int:
        """Counters, sequences, indexes and the import's record; returns its id."""
        self.ledger.finish()
        create_indexes(self.conn, self.indexes)
        wrote = self.ledger.wrote
        return self.conn.execute(insert(import_files).values(
            content_hash=content_hash, filename=filename, encoding=encoding, rows=rows, counts=counts,
            first_seq=self.ledger.first_seq if wrote else None,
            last_seq=self.ledger.next_seq - 1 if wrote else None,
            imported_at=datetime.now(timezone.utc), actor=actor)).inserted_primary_key[0]
