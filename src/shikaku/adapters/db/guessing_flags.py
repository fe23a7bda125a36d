"""The guessing flags table (DOMAIN.md §10): one row each time a facility's queries for a
記号・番号 start being answered as not found because it tried too many birth dates."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, func, insert, select, update

from .schema import facilities, guessing_flags


class Flag(NamedTuple):
    id: int
    facility_code: str
    symbol: str
    number: str
    birth_dates: int
    flagged_at: datetime
    released_at: datetime | None
    released_by: str | None


class GuessingFlags:
    """The flags, on the unit of work's connection: raised, read back by every process, released."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def add(self, facility_code: str, symbol: str, number: str, birth_dates: int, at: datetime) -> int:
        return self.conn.execute(insert(guessing_flags).values(
            facility_code=facility_code, symbol=symbol, number=number, birth_dates=birth_dates,
            flagged_at=at).returning(guessing_flags.c.id)).scalar_one()

    def since(self, moment: datetime) -> list[Flag]:
        """The flags raised after `moment`, released or not, oldest first."""
        rows = self.conn.execute(select(guessing_flags).where(guessing_flags.c.flagged_at > moment)
                                 .order_by(guessing_flags.c.id))
        return [Flag(*row) for row in rows]

    def page(self, limit: int, offset: int) -> tuple[list[dict], int]:
        """The flags newest first, with the facility's name."""
        total = self.conn.execute(select(func.count()).select_from(guessing_flags)).scalar_one()
        rows = self.conn.execute(
            select(guessing_flags, facilities.c.name.label("facility_name"))
            .outerjoin(facilities, facilities.c.code == guessing_flags.c.facility_code)
            .order_by(guessing_flags.c.id.desc()).limit(limit).offset(offset))
        return [dict(row._mapping) for row in rows], total

    def release(self, flag_id: int, by: str, at: datetime) -> Flag | None:
        """Marks a live flag released (one statement: two supervisors cannot both release it):
        the flag, or None when there is no such live flag."""
        row = self.conn.execute(
            update(guessing_flags).where(guessing_flags.c.id == flag_id, guessing_flags.c.released_at.is_(None))
            .values(released_at=at, released_by=by).returning(*guessing_flags.c)).first()
        return Flag(*row) if row else None

    def get(self, flag_id: int) -> Flag | None:
        row = self.conn.execute(select(guessing_flags).where(guessing_flags.c.id == flag_id)).first()
        return Flag(*row) if row else None
