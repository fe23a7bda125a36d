"""マイナ保険証: when a My Number card works as the health-insurance card (R-MYNA-1, -5, -6)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from .policy import DEFAULT_POLICY, Policy


@dataclass(frozen=True, slots=True)
class MynaCard:
    """A マイナンバーカード as the national side knows it, with its 健康保険証利用登録."""

    card_id: str
    certificate_expires_on: date  # 利用者証明用電子証明書の有効期限
    insurance_registered_on: date | None = None  # 利用登録
    insurance_cancelled_on: date | None = None  # 利用登録の解除 (R-MYNA-6)


def certificate_grace_end(expires_on: date, policy: Policy = DEFAULT_POLICY) -> date:
    """The last day an expired card still works: the end of the third month after the month of
    expiry (R-MYNA-5)."""
    months = expires_on.month + policy.myna_certificate_grace_months  # 1-based month index
    first_after = date(expires_on.year + months // 12, months % 12 + 1, 1)
    return first_after - timedelta(days=1)


def is_registered_for_insurance(card: MynaCard, on: date) -> bool:
    """利用登録 in force on `on`: registered on or before, not cancelled on or before (R-MYNA-6)."""
    return (card.insurance_registered_on is not None and card.insurance_registered_on <= on
            and (card.insurance_cancelled_on is None or on < card.insurance_cancelled_on))


def card_works(card: MynaCard, on: date, policy: Policy = DEFAULT_POLICY) -> bool:
    """The card itself works as マイナ保険証 on `on` (R-MYNA-1 (2), R-MYNA-5, R-MYNA-6)."""
    return is_registered_for_insurance(card, on) and on <= certificate_grace_end(
        card.certificate_expires_on, policy)


def myna_usable(online_from: date | None, cards: Iterable[MynaCard], on: date,
                policy: Policy = DEFAULT_POLICY) -> bool:
    """Online verification with マイナ保険証 works on `on` (R-MYNA-1): the society's registration
    of the My Number has been published (`online_from`, R-MYNA-2) and one card works."""
    return online_from is not None and online_from <= on and any(
        card_works(card, on, policy) for card in cards)
