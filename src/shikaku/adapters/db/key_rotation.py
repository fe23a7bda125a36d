"""鍵の入れ替え in the database (`shikaku keys rotate`, D-38): the members whose 個人番号 is sealed
under another key, and the re-keying of a person's rows (member records and My Number cards
share a look-up hash, so they change together); a repository on the unit of work's connection."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, exists, func, select, update
from sqlalchemy.exc import OperationalError

from . import audit_chain
from . import repository as repo
from .schema import members, myna_cards

# What a transaction may meet that is worth trying it again for: a deadlock, a lock timeout.
TRANSIENT_ERRORS = (OperationalError,)


@dataclass(frozen=True, slots=True)
class SealedRow:
    """A member's sealed 個人番号: the ciphertext (naming its key) and the look-up hash."""

    id: int
    cipher: bytes
    digest: str


class KeyRotation:
    def __init__(self, conn: Connection):
        self.conn = conn

    def _pending(self, marker: bytes):
        head = func.substr(members.c.my_number_cipher, 1, len(marker))
        return select(members.c.id, members.c.my_number_cipher, members.c.my_number_hash).where(
            members.c.my_number_cipher.is_not(None), head != marker)

    def pending(self, marker: bytes, after: int = 0, limit: int | None = None) -> list[SealedRow]:
        """Members after `after` whose ciphertext does not begin with the key's `marker`, by id."""
        query = self._pending(marker).where(members.c.id > after).order_by(members.c.id).limit(limit)
        return [SealedRow(*row) for row in self.conn.execute(query)]

    def count_pending(self, marker: bytes) -> int:
        return repo.count(self.conn, self._pending(marker))

    def rekey(self, digest: str, cipher: bytes, new_digest: str) -> tuple[int, int]:
        """Every member row and card of the look-up hash `digest` under the new key: (member rows,
        cards) changed."""
        re_keyed = self.conn.execute(update(members).where(members.c.my_number_hash == digest)
                                     .values(my_number_cipher=cipher, my_number_hash=new_digest)).rowcount
        cards = self.conn.execute(update(myna_cards).where(myna_cards.c.my_number_hash == digest)
                                  .values(my_number_hash=new_digest)).rowcount
        return re_keyed, cards

    def unmatched_cards(self) -> int:
        """Cards whose hash matches no member: no number to re-hash them from."""
        return self.conn.execute(select(func.count()).select_from(myna_cards).where(~exists().where(
            members.c.my_number_hash == myna_cards.c.my_number_hash))).scalar_one()

    def hold_writers(self) -> None:
        """Until the transaction ends, writers of members and cards wait; readers do not
        (PostgreSQL; SQLite's writing transaction holds the only write lock already)."""
        if self.conn.dialect.name == "postgresql":
            self.conn.exec_driver_sql("LOCK TABLE members, myna_cards IN SHARE ROW EXCLUSIVE MODE")

    def change_audit_key(self, key_id: str) -> None:
        """Audit rows appended after this in the transaction are hashed with the key's audit key."""
        audit_chain.change_key(self.conn, key_id)
