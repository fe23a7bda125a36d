"""適用区分 (limit category) from the insured's 標準報酬月額 (R-LIM-1)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .ratio import InsuredIncome, is_active_income, is_elderly


@dataclass(frozen=True, slots=True)
class LimitCategory:
    """One 適用区分 with the code online verification returns (DOMAIN.md §10)."""

    code: str
    label: str
    elderly: bool


CATEGORIES = {c.code: c for c in (
    LimitCategory("A01", "ア", False),
    LimitCategory("A02", "イ", False),
    LimitCategory("A03", "ウ", False),
    LimitCategory("A04", "エ", False),
    LimitCategory("A05", "オ", False),
    LimitCategory("B01", "現役並みⅢ", True),
    LimitCategory("B02", "現役並みⅡ", True),
    LimitCategory("B03", "現役並みⅠ", True),
    LimitCategory("B04", "一般", True),
    LimitCategory("B05", "低所得Ⅱ", True),
    LimitCategory("B06", "低所得Ⅰ", True),
)}

# Lower bounds of the remuneration bands, highest first: ア/現役並みⅢ, イ/Ⅱ, ウ/Ⅰ; below: エ/一般.
REMUNERATION_BANDS = ((830_000, "A01", "B01"), (530_000, "A02", "B02"), (280_000, "A03", "B03"))
BASE_UNDER_70, BASE_ELDERLY = "A04", "B04"


def limit_category(birth: date, insured: InsuredIncome, on: date,
                   approved: str | None = None) -> LimitCategory:
    """適用区分 of a member born on `birth` on `on` (R-LIM-1).

    `approved` is a category granted by application (オ, 低所得Ⅱ・Ⅰ: 限度額適用・標準負担額減額認定)
    in force on the day; it replaces the band when it belongs to the member's age group."""
    elderly = is_elderly(birth, on)
    if approved is not None and CATEGORIES[approved].elderly == elderly:
        return CATEGORIES[approved]
    if elderly and not is_active_income(insured, on):
        return CATEGORIES[BASE_ELDERLY]
    for floor, under_70, over_70 in REMUNERATION_BANDS:
        if insured.standard_monthly_remuneration >= floor:
            return CATEGORIES[over_70 if elderly else under_70]
    return CATEGORIES[BASE_ELDERLY if elderly else BASE_UNDER_70]
