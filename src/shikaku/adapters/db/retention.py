"""保存期間 (D-40): the members holding a 個人番号, and the deletion of a leaver's (its
ciphertext, look-up hash and last four digits); a repository on the unit of work's connection."""
from __future__ import annotations

from sqlalchemy import Connection, select, update

from .schema import members


class MyNumberRetention:
    def __init__(self, conn: Connection):
        self.conn = conn

    def holders(self) -> list[tuple[int, int]]:
        """(member id, family id) of every member holding a 個人番号, by member id."""
        rows = self.conn.execute(select(members.c.id, members.c.family_id)
                                 .where(members.c.my_number_cipher.is_not(None)).order_by(members.c.id))
        return [(row.id, row.family_id) for row in rows]

    def purge(self, member_ids: list[int]) -> None:
        """Deletes the 個人番号 of these members."""
        self.conn.execute(update(members).where(members.c.id.in_(member_ids))
                          .values(my_number_cipher=None, my_number_hash=None, my_number_last4=None))
