"""一部負担金の割合 (copay ratio) and the age milestones that drive it (R-RATIO-1,
R-RATIO-2, R-RATIO-3, R-RATIO-4)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from .age import anniversary, date_reaching_age

GENERAL = 30  # R-RATIO-1: 3割
PRESCHOOL = 20  # R-RATIO-2: 未就学 2割
ELDERLY = 20  # R-RATIO-3: 高齢受給者 2割
ELDERLY_ACTIVE_INCOME = 30  # R-RATIO-3: 現役並み所得者 3割

# R-RATIO-3: 現役並み when the insured's 標準報酬月額 is at least this.
ACTIVE_INCOME_REMUNERATION = 280_000


def preschool_until(birth: date) -> date:
    """未就学: the last day of the 2割 ratio, the first 03-31 on or after reaching age 6 (R-RATIO-2)."""
    reached = date_reaching_age(birth, 6)
    march_31 = date(reached.year, 3, 31)
    return march_31 if reached <= march_31 else date(reached.year + 1, 3, 31)


def elderly_from(birth: date) -> date:
    """高齢受給者: the 1st of the month after reaching 70 (R-RATIO-3).

    Reaching 70 happens the day before the birthday (R-DATE-3), so one born on the 1st reaches it
    on the last day of the previous month and starts in the birthday month, as the rule says."""
    reached = date_reaching_age(birth, 70)
    return date(reached.year + reached.month // 12, reached.month % 12 + 1, 1)


@lru_cache(maxsize=1 << 16)
def late_elderly_from(birth: date) -> date:
    """The 75th birthday: the member leaves for 後期高齢者医療 on this day (資格喪失, R-RATIO-4).
    Remembered: every fold asks it of every member, and birth dates repeat."""
    return anniversary(birth, 75)


def elderly_until(birth: date) -> date:
    """The last day as 高齢受給者: the day before the 75th birthday."""
    return late_elderly_from(birth) - timedelta(days=1)


def is_elderly(birth: date, on: date) -> bool:
    """高齢受給者 (70–74) on `on` (R-RATIO-3)."""
    return elderly_from(birth) <= on < late_elderly_from(birth)


@dataclass(frozen=True, slots=True)
class InsuredIncome:
    """What the ratio of any member of a family needs to know about its 被保険者 on a day."""

    birth_date: date
    standard_monthly_remuneration: int
    income_declared_low: bool = False  # 基準収入額適用申請 approved: 現役並み returns to 2割


def is_active_income(insured: InsuredIncome, on: date) -> bool:
    """現役並み所得 (R-RATIO-3): the insured is a 高齢受給者 with 標準報酬月額 ≥ 280,000 and no
    income declaration returning the family to 2割."""
    return (is_elderly(insured.birth_date, on)
            and insured.standard_monthly_remuneration >= ACTIVE_INCOME_REMUNERATION
            and not insured.income_declared_low)


def copay_ratio(birth: date, insured: InsuredIncome, on: date) -> int:
    """一部負担金の割合 in percent on `on` for a member born on `birth`: 3割 by default (R-RATIO-1),
    2割 before school (R-RATIO-2), 2割 or 現役並み 3割 at 70–74 (R-RATIO-3)."""
    if on <= preschool_until(birth):
        return PRESCHOOL
    if is_elderly(birth, on):
        return ELDERLY_ACTIVE_INCOME if is_active_income(insured, on) else ELDERLY
    return GENERAL
