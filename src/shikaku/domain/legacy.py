"""健康保険証 (legacy cards) in the transition (R-LEG-1, R-LEG-2)."""
from __future__ import annotations

from datetime import date

from .errors import DomainError
from .policy import DEFAULT_POLICY, Policy


def legacy_card_valid_until(issued_on: date, expires_on: date | None,
                            policy: Policy = DEFAULT_POLICY) -> date:
    """The last day a legacy card can prove eligibility (R-LEG-2): the end of the transition or
    its own printed expiry, whichever comes first. Refuses a card issued on or after 2024-12-02
    (R-LEG-1: none is issued or reissued)."""
    if issued_on not in policy.legacy_card_issue:
        raise DomainError("legacy_card_discontinued",
                          "令和6年12月2日以降、健康保険証は発行・再交付できません。資格確認書の交付をご案内ください",
                          "issued_on")
    if expires_on is not None and expires_on < issued_on:
        raise DomainError("invalid_period", "有効期限が交付日より前になっています", "expires_on")
    last = policy.legacy_card_use.last
    return min(last, expires_on) if expires_on is not None else last


def legacy_card_proves(valid_until: date, loss_on: date, on: date) -> bool:
    """A legacy card proves eligibility on `on` (R-LEG-2): through its validity and never on or
    after the member's 資格喪失日."""
    return on <= valid_until and on < loss_on
