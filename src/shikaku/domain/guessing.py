"""Birth-date guessing (生年月日の推測, DOMAIN.md §10, last line): a facility that knows a
記号・番号 could learn the holder's name by trying birth dates until one verifies. Once one
facility has tried more than `Policy.guessing_birth_dates` different birth dates for the same
記号・番号 within `Policy.guessing_window_hours`, its further queries for that 記号・番号 are
answered as not found, whatever the truth, and the staff are told. Pure: the ledger of attempts
is kept by the service layer."""
from __future__ import annotations

from .policy import Policy


def window_seconds(policy: Policy) -> float:
    """How far back attempts count."""
    return policy.guessing_window_hours * 3600.0


def is_guessing(birth_dates_tried: int, policy: Policy) -> bool:
    """Whether the different birth dates tried within the window (the current one included) go
    past the limit."""
    return birth_dates_tried > policy.guessing_birth_dates
