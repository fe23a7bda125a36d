"""In-memory fakes of what works on the sealed 個人番号, the key rotation and the retention purge
(adapters/db/key_rotation.py, adapters/db/retention.py), over the store's member records and cards."""
from __future__ import annotations

from typing import TYPE_CHECKING

from shikaku.adapters.db.key_rotation import SealedRow
from shikaku.domain.family import MemberRecord, SealedMyNumber

if TYPE_CHECKING:
    from tests.service.fakes import Store


def _sealed(store: Store) -> list[MemberRecord]:
    """The member records holding a 個人番号, by member id."""
    return sorted((r for f in store.families.values() for r in f.members.values() if r.my_number),
                  key=lambda r: r.member_id)


class FakeKeyRotation:
    def __init__(self, store: Store):
        self.store = store

    def pending(self, marker: bytes, after: int = 0, limit: int | None = None) -> list[SealedRow]:
        found = [SealedRow(r.member_id, r.my_number.cipher, r.my_number.digest) for r in _sealed(self.store)
                 if not r.my_number.cipher.startswith(marker) and r.member_id > after]
        return found[:limit]

    def count_pending(self, marker: bytes) -> int:
        return len(self.pending(marker))

    def rekey(self, digest: str, cipher: bytes, new_digest: str) -> tuple[int, int]:
        records = [r for r in _sealed(self.store) if r.my_number.digest == digest]
        for r in records:
            r.my_number = SealedMyNumber(cipher, new_digest, r.my_number.last4)
        cards = self.store.cards.pop(digest, [])
        if cards:
            self.store.cards.setdefault(new_digest, []).extend(cards)
        return len(records), len(cards)

    def unmatched_cards(self) -> int:
        held = {r.my_number.digest for r in _sealed(self.store)}
        return sum(len(cards) for digest, cards in self.store.cards.items() if digest not in held)

    def hold_writers(self) -> None:
        """One unit of work at a time: nothing to hold."""

    def change_audit_key(self, key_id: str) -> None:
        self.store.audit_key = key_id


class FakeMyNumberRetention:
    def __init__(self, store: Store):
        self.store = store

    def holders(self) -> list[tuple[int, int]]:
        return [(r.member_id, r.identity.family_id) for r in _sealed(self.store)]

    def purge(self, member_ids: list[int]) -> None:
        for r in _sealed(self.store):
            if r.member_id in member_ids:
                r.my_number = None
