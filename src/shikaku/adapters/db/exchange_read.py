"""Read model of the national-side exports (中間サーバーへの登録ファイル, the list of members
without マイナ保険証): the registry's families, in batches, in a stable order."""
from __future__ import annotations

from datetime import date
from typing import Iterator

from sqlalchemy import Connection, select

from ...domain.family import Family
from .families import SqlFamilies
from .schema import members, registrations

FAMILIES_PER_BATCH = 1000
MEMBERS_PER_BATCH = 2000


class ExchangeRead:
    def __init__(self, conn: Connection):
        self.conn = conn

    def families_published_on(self, on: date) -> Iterator[Family]:
        """The families with a registration published on `on`, by family id."""
        family_ids = self.conn.execute(select(registrations.c.family_id).distinct()
                                       .where(registrations.c.publish_on == on)
                                       .order_by(registrations.c.family_id)).scalars().all()
        for start in range(0, len(family_ids), FAMILIES_PER_BATCH):
            batch = family_ids[start:start + FAMILIES_PER_BATCH]
            found = SqlFamilies(self.conn).of_families(batch)
            yield from (found[family_id] for family_id in batch)

    def member_batches(self) -> Iterator[list[tuple[int, Family]]]:
        """Every member (member id, their family), by member id, in batches."""
        last = 0
        while batch := self.conn.execute(select(members.c.id, members.c.family_id).where(members.c.id > last)
                                         .order_by(members.c.id).limit(MEMBERS_PER_BATCH)).all():
            found = SqlFamilies(self.conn).of_families(row.family_id for row in batch)
            yield [(row.id, found[row.family_id]) for row in batch]
            last = batch[-1].id
