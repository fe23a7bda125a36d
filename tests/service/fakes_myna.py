"""In-memory fake of the card registry (adapters/db/card_registry.py): the cards are the store's
`cards` (by look-up hash, as the other fakes read them), their PINs `card_pins`."""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from shikaku.adapters.db.card_registry import PinCard
from shikaku.domain.myna import MynaCard
from tests.service.fakes_verification import card_holder_hash

if TYPE_CHECKING:
    from tests.service.fakes import Store


class FakeCardRegistry:
    def __init__(self, store: Store):
        self.store = store

    def get(self, card_id: str) -> MynaCard | None:
        digest = card_holder_hash(self.store, card_id)
        return next(c for c in self.store.cards[digest] if c.card_id == card_id) if digest else None

    def add(self, card: MynaCard, my_number_hash: str, pin_hash: str | None) -> None:
        assert self.get(card.card_id) is None  # the primary key
        self.store.cards.setdefault(my_number_hash, []).append(card)
        self.store.card_pins[card.card_id] = PinCard(card.card_id, pin_hash, 0)

    def save(self, card: MynaCard) -> None:
        held = self.store.cards[card_holder_hash(self.store, card.card_id)]
        held[:] = [card if c.card_id == card.card_id else c for c in held]

    def pin(self, card_id: str, *, for_update: bool = False) -> PinCard | None:
        if self.get(card_id) is None:
            return None
        return self.store.card_pins.get(card_id, PinCard(card_id, None, 0))

    def portal_card(self, my_number_hash: str) -> PinCard | None:
        cards = sorted(self.store.cards.get(my_number_hash, []),
                       key=lambda c: (c.certificate_expires_on, c.card_id), reverse=True)
        return next((pin for c in cards if (pin := self.pin(c.card_id)).pin_hash), None)

    def set_pin(self, card_id: str, pin_hash: str, *, only_if_set: bool = False) -> bool:
        held = self.pin(card_id)
        if held is None or (only_if_set and held.pin_hash is None):
            return False
        self.store.card_pins[card_id] = dataclasses.replace(held, pin_hash=pin_hash, pin_failures=0)
        return True

    def store_pin_failures(self, card_id: str, failures: int) -> None:
        self.store.card_pins[card_id] = dataclasses.replace(self.pin(card_id), pin_failures=failures)
