"""健康保険証 (legacy cards) in the transition (R-LEG-1, R-LEG-2)."""
from __future__ import annotations

from datetime import date, timedelta

from .errors import DomainError
from .policy import Policy
from .wareki import format_wareki


def legacy_card_valid_until(issued_on: date, expires_on: date | None,
                            policy: Policy) -> date:
    """The last day a legacy card can prove eligibility (R-LEG-2): the end of the transition or
    its own printed expiry, whichever comes first. Refuses a card issued on or after 2024-12-02
    (R-LEG-1: none is issued or reissued); the refusal sends the holder of a lost card to a
    資格確認書 on application instead (R-CERT-9)."""
    if issued_on not in policy.legacy_card_issue:
        first_without = policy.legacy_card_issue.last + timedelta(days=1)
        raise DomainError("legacy_card_discontinued", f"{format_wareki(first_without)}以降、健康保険証は"
                          "発行・再交付できません。資格確認書の交付をご案内ください", "issued_on")
    if expires_on is not None and expires_on < issued_on:
        raise DomainError("invalid_period", "有効期限が交付日より前になっています", "expires_on")
    last = policy.legacy_card_use.last
    return min(last, expires_on) if expires_on is not None else last


def check_legacy_card_issue(issued_on: date, qualified_on: date) -> None:
    """A legacy card recorded for a member was issued within their coverage (R-LEG-1)."""
    if issued_on < qualified_on:
        raise DomainError("invalid_period", "交付日が資格取得日より前になっています", "issued_on")


def legacy_card_proves(valid_until: date, loss_on: date, on: date) -> bool:
    """A legacy card proves eligibility on `on` (R-LEG-2): through its validity and never on or
    after the member's 資格喪失日."""
    return on <= valid_until and on < loss_on


def legacy_card_on_face(issued_on: date, valid_until: date, on: date) -> bool:
    """A recorded legacy card is valid on its face on `on` (R-LEG-2): issued by then and within
    its validity (`legacy_card_valid_until`: the end of the transition or its printed expiry).
    Whether the holder is still eligible is the desk table's (§9), not the card's face."""
    return issued_on <= on <= valid_until
