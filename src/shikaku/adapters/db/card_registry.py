"""マイナンバーカード as the national side registers them (myna_cards): the card with its
健康保険証利用登録, and the 暗証番号 a member signs in to the portal with (an argon2 hash, the misses
in a row); a repository on the unit of work's connection."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from ...domain.myna import MynaCard
from . import repository as repo
from .schema import myna_cards


@dataclass(frozen=True, slots=True)
class PinCard:
    """A card's 暗証番号 for the portal: its hash (None: no PIN) and the misses in a row."""

    card_id: str
    pin_hash: str | None
    pin_failures: int


def _pin_card(row) -> PinCard | None:
    return PinCard(row.card_id, row.pin_hash, row.pin_failures) if row else None


class CardRegistry:
    def __init__(self, conn: Connection):
        self.conn = conn

    def get(self, card_id: str) -> MynaCard | None:
        row = self.conn.execute(select(myna_cards).where(myna_cards.c.card_id == card_id)).first()
        return repo.card(row) if row else None

    def add(self, card: MynaCard, my_number_hash: str, pin_hash: str | None) -> None:
        """A new card of the 個人番号 with the look-up hash `my_number_hash`."""
        self.conn.execute(insert(myna_cards).values(
            card_id=card.card_id, my_number_hash=my_number_hash, pin_hash=pin_hash,
            certificate_expires_on=card.certificate_expires_on))

    def save(self, card: MynaCard) -> None:
        """Writes a card's 利用登録 and its cancellation."""
        self.conn.execute(update(myna_cards).where(myna_cards.c.card_id == card.card_id).values(
            insurance_registered_on=card.insurance_registered_on,
            insurance_cancelled_on=card.insurance_cancelled_on))

    def pin(self, card_id: str, *, for_update: bool = False) -> PinCard | None:
        """The PIN of a card (locked for the transaction with `for_update`), or None: no such card."""
        query = select(myna_cards).where(myna_cards.c.card_id == card_id)
        return _pin_card(self.conn.execute(query.with_for_update() if for_update else query).first())

    def portal_card(self, my_number_hash: str) -> PinCard | None:
        """The card with a PIN of a 個人番号 whose certificate runs longest (the member's current
        card), or None."""
        return _pin_card(self.conn.execute(
            select(myna_cards).where(myna_cards.c.my_number_hash == my_number_hash,
                                     myna_cards.c.pin_hash.is_not(None))
            .order_by(myna_cards.c.certificate_expires_on.desc(), myna_cards.c.card_id.desc())).first())

    def set_pin(self, card_id: str, pin_hash: str, *, only_if_set: bool = False) -> bool:
        """A new PIN, unlocked (no misses); `only_if_set`: only while the card has one. False
        when no card was changed."""
        which = [myna_cards.c.card_id == card_id] + ([myna_cards.c.pin_hash.is_not(None)] if only_if_set else [])
        return bool(self.conn.execute(update(myna_cards).where(*which)
                                      .values(pin_hash=pin_hash, pin_failures=0)).rowcount)

    def store_pin_failures(self, card_id: str, failures: int) -> None:
        self.conn.execute(update(myna_cards).where(myna_cards.c.card_id == card_id)
                          .values(pin_failures=failures))
