"""In-memory fakes of the read models of the reception desk and the member portal (tests/service)."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from shikaku.adapters.db.reception import RecordedLegacyCard
from tests.service.fakes_verification import card_holder_hash, holding, members_where, with_card_data

if TYPE_CHECKING:
    from tests.service.fakes import Store


class FakeReceptionRecords:
    def __init__(self, store: Store):
        self.store = store

    def members_by_card_data(self, symbol: str, number: str, branch: str | None,
                             birth_date: date) -> list[int]:
        printed = with_card_data(symbol, number, branch)
        return [r.member_id for r, _ in members_where(self.store, lambda r: printed(r) and r.birth_date == birth_date)]

    def legacy_cards(self, member_id: int) -> list[RecordedLegacyCard]:
        return [RecordedLegacyCard(card["issued_on"], card["valid_until"])
                for card in self.store.legacy_cards if card["member_id"] == member_id]


class FakePortalRecords:
    def __init__(self, store: Store):
        self.store = store

    def card_holder(self, card_id: str) -> tuple[str | None, list[tuple[int, int]]]:
        digest = card_holder_hash(self.store, card_id)
        return digest, [(r.member_id, f.family_id) for r, f in members_where(self.store, holding(digest))]
