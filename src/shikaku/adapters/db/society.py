"""The society itself (保険者: one row, recorded by `shikaku init`) and the 医療機関等 it serves;
repositories on the unit of work's connection."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from .schema import facilities
from .schema import society as society_table

SOCIETY_ID = 1


@dataclass(frozen=True, slots=True)
class SocietyRecord:
    """保険者番号, 保険者名称, and the check value that proves the vault key is this database's."""

    insurer_number: str
    name: str
    key_check: str


class Society:
    def __init__(self, conn: Connection):
        self.conn = conn

    def get(self) -> SocietyRecord | None:
        """The society, or None before `shikaku init`."""
        row = self.conn.execute(select(society_table.c.insurer_number, society_table.c.name,
                                       society_table.c.key_check)).first()
        return SocietyRecord(*row) if row else None

    def add(self, insurer_number: str, name: str, key_check: str) -> None:
        self.conn.execute(insert(society_table).values(id=SOCIETY_ID, insurer_number=insurer_number,
                                                       name=name, key_check=key_check))

    def set_key_check(self, key_check: str) -> None:
        """The check value of a new vault key (`shikaku keys rotate`)."""
        self.conn.execute(update(society_table).values(key_check=key_check))


class Facilities:
    """医療機関等 by 医療機関コード."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def exists(self, code: str) -> bool:
        return self.conn.execute(select(facilities.c.code).where(facilities.c.code == code)).first() is not None

    def add(self, code: str, name: str) -> None:
        self.conn.execute(insert(facilities).values(code=code, name=name))
