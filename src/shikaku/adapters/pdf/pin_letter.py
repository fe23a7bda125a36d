"""暗証番号再設定通知書 (D-94) as plain data: the one document the PDF adapter prints that the
domain does not describe (the domain's are in domain/documents.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ...domain.documents import Holder


@dataclass(frozen=True, slots=True)
class PinResetLetterPrint:
    """暗証番号再設定通知書 (D-94): the letter mailed to a member with the new PIN of the portal.
    The card is named by the last characters of its id only: the letter alone must not be a
    full sign-in if it goes astray (the member reads the card number off their own card)."""

    holder: Holder
    card_hint: str  # the last 4 characters of the card id
    pin: str  # the new 4-digit PIN: printed here and nowhere else
    issued_on: date  # 再設定日
