"""Read model of the member portal (加入者ポータル): the records of the person behind a session's
card (card → 個人番号 look-up hash → their records)."""
from __future__ import annotations

from sqlalchemy import Connection, select

from .schema import members, myna_cards


class PortalRecords:
    def __init__(self, conn: Connection):
        self.conn = conn

    def card_holder(self, card_id: str) -> tuple[str | None, list[tuple[int, int]]]:
        """The look-up hash of the card holder's 個人番号 (None: no such card) and the
        (member id, family id) of every record holding it, by id."""
        digest = self.conn.execute(select(myna_cards.c.my_number_hash)
                                   .where(myna_cards.c.card_id == card_id)).scalar()
        if digest is None:
            return None, []
        rows = self.conn.execute(select(members.c.id, members.c.family_id)
                                 .where(members.c.my_number_hash == digest).order_by(members.c.id))
        return digest, [(row.id, row.family_id) for row in rows]
