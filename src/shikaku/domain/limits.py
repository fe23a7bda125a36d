"""適用区分 (limit category) from the insured's 標準報酬月額 (R-LIM-1)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .errors import DomainError
from .policy import Dated, DatedValue, Period
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


# ------------------------------------------------------------------ R-LIM-2: 自己負担限度額

@dataclass(frozen=True, slots=True)
class MonthlyLimit:
    """One category's monthly limit: `base` plus 1% of the cost above `threshold` (when set);
    for 70–74 一般 and 低所得 also the outpatient (外来, per person) limit."""

    base: int
    threshold: int | None = None
    outpatient: int | None = None


def _table(a, i, u, e, o, general, low2, low1) -> dict[str, MonthlyLimit]:
    """ア イ ウ apply to 現役並みⅢ Ⅱ Ⅰ too (R-LIM-1)."""
    return {"A01": a, "A02": i, "A03": u, "A04": e, "A05": o, "B01": a, "B02": i, "B03": u,
            "B04": general, "B05": low2, "B06": low1}


SELF_PAY_LIMITS = DatedValue("self_pay_limits", (
    # 健康保険法施行令第42条 as in force from 2018-08 (the 70–74 amounts of DOMAIN.md R-LIM-2).
    Dated(Period(date(2018, 8, 1), date(2026, 7, 31)), _table(
        MonthlyLimit(252_600, 842_000), MonthlyLimit(167_400, 558_000), MonthlyLimit(80_100, 267_000),
        MonthlyLimit(57_600), MonthlyLimit(35_400), MonthlyLimit(57_600, outpatient=18_000),
        MonthlyLimit(24_600, outpatient=8_000), MonthlyLimit(15_000, outpatient=8_000))),
    # 令和8年8月診療分から (first step of the 2026 revision).
    Dated(Period(date(2026, 8, 1), date(2027, 7, 31)), _table(
        MonthlyLimit(270_300, 901_000), MonthlyLimit(179_100, 597_000), MonthlyLimit(85_800, 286_000),
        MonthlyLimit(61_500), MonthlyLimit(36_900), MonthlyLimit(61_500, outpatient=22_000),
        MonthlyLimit(25_700, outpatient=11_000), MonthlyLimit(15_700, outpatient=8_000))),
    # From 2027-08 the categories under 70 are split further (13 categories); that table is not
    # loaded until its remuneration bands are confirmed, so months from 2027-08 are refused.
))


def self_pay_limit(category_code: str, medical_cost: int, month: date, outpatient_only: bool = False) -> int:
    """自己負担限度額 for a month of medical cost (総医療費) in a category (R-LIM-2), in yen;
    the 1% part is rounded to the nearest yen (1円未満四捨五入)."""
    try:
        limit = SELF_PAY_LIMITS.on(month.replace(day=1))[category_code]
    except LookupError:
        raise DomainError("limit_table_not_available",
                          "この診療月の自己負担限度額は登録されていません", "month") from None
    if outpatient_only and limit.outpatient is not None:
        return limit.outpatient
    if limit.threshold is None:
        return limit.base
    return limit.base + (max(0, medical_cost - limit.threshold) + 50) // 100
