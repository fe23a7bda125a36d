"""Read model of the reception desk (窓口, DOMAIN.md §9) for staff: the registry's record of a
patient found by the printed data, and the legacy cards recorded for them. The domain decides
what they are worth on the service date."""
from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import Connection, select

from .schema import legacy_cards, members


class RecordedLegacyCard(NamedTuple):
    """A 健康保険証 as recorded (R-LEG-1) with its R-LEG-2 validity."""

    issued_on: date
    valid_until: date


class ReceptionRecords:
    def __init__(self, conn: Connection):
        self.conn = conn

    def members_by_card_data(self, symbol: str, number: str, branch: str | None,
                             birth_date: date) -> list[int]:
        """The ids of the records with these 記号・番号 (and 枝番; None: any) and birth date, as
        the registry keeps them (`domain.verification.card_numbers`)."""
        where = [members.c.symbol == symbol, members.c.number == number, members.c.birth_date == birth_date]
        if branch is not None:
            where.append(members.c.branch == branch)
        return list(self.conn.execute(select(members.c.id).where(*where)).scalars())

    def legacy_cards(self, member_id: int) -> list[RecordedLegacyCard]:
        """The legacy cards recorded for a member, in the order recorded."""
        rows = self.conn.execute(select(legacy_cards.c.issued_on, legacy_cards.c.valid_until)
                                 .where(legacy_cards.c.member_id == member_id).order_by(legacy_cards.c.id))
        return [RecordedLegacyCard(*row) for row in rows]
