"""保存期間: how long the society keeps a leaver's 個人番号 after the 資格喪失日 (D-40)."""
from __future__ import annotations

from datetime import date

from .age import anniversary
from .registry import MemberState


def my_number_kept_until(lost_on: date, years: int) -> date:
    """The last day a leaver's 個人番号 is kept: the day before the `years`-th anniversary of
    the 資格喪失日 (a 02-29 loss has its anniversary on 03-01 in common years)."""
    return date.fromordinal(anniversary(lost_on, years).toordinal() - 1)


def my_number_due_for_deletion(state: MemberState, today: date, years: int) -> bool:
    """Whether the member has left (資格喪失日 on or before today) and the retention is over."""
    return state.loss.on <= today and my_number_kept_until(state.loss.on, years) < today
