"""Dated policy (施策の日付): transition dates, periods and amounts as data with effective periods.

No rule writes one of these dates as a literal; each reads it from a `Policy`, so that a society
(or a later national notice) changes data, not code.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Callable, Generic, Mapping, TypeVar

from .dates import FIRST_DAY, LAST_DAY

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive span of days; `None` means open on that side."""

    first: date | None
    last: date | None

    def __contains__(self, day: date) -> bool:
        return (self.first is None or self.first <= day) and (self.last is None or day <= self.last)


@dataclass(frozen=True, slots=True)
class Dated(Generic[T]):
    """One value of a dated policy item, in force over `period`."""

    period: Period
    value: T


@dataclass(frozen=True)
class DatedValue(Generic[T]):
    """A policy item whose value depends on the day (e.g. 自己負担限度額, changed 2026-08 and 2027-08)."""

    name: str
    entries: tuple[Dated[T], ...]

    def on(self, day: date) -> T:
        for entry in self.entries:
            if day in entry.period:
                return entry.value
        raise LookupError(f"policy {self.name} has no value on {day.isoformat()}")


@dataclass(frozen=True)
class CertificateCycle:
    """資格確認書の更新サイクル (R-CERT-5): first cycle end, then every `years` years; never over `max_years`."""

    first_end: date
    years: int
    max_years: int


@dataclass(frozen=True)
class Policy:
    """The society's dated policy table. `DEFAULT_POLICY` holds the national dates of DOMAIN.md."""

    # R-LEG-1: legacy cards (健康保険証) were issued through 2024-12-01 and never after.
    legacy_card_issue: Period = Period(None, date(2024, 12, 1))
    # R-LEG-2: a legacy card proves eligibility through 2025-12-01 at the latest.
    legacy_card_use: Period = Period(None, date(2025, 12, 1))
    # R-PROV-1: 暫定的な取扱い (national notices of 2025-06-27 and 2025-11-12).
    provisional_handling: Period = Period(date(2025, 12, 2), date(2026, 3, 31))
    # R-CERT-5: 資格確認書 exist from 2024-12-02.
    certificates: Period = Period(date(2024, 12, 2), None)
    certificate_cycle: DatedValue[CertificateCycle] = field(default_factory=lambda: DatedValue(
        "certificate_cycle",
        (Dated(Period(date(2024, 12, 2), None), CertificateCycle(date(2029, 11, 30), 5, 5)),)))
    # R-MYNA-5: months after the month of the card certificate's expiry that it still works.
    myna_certificate_grace_months: int = 3
    # R-LIM-5: how long a 限度額適用認定証 is valid at most, in months (configurable).
    limit_certificate_months: int = 12
    # R-CERT-4: members enrolled on or before this day are in the ex officio cohort.
    ex_officio_enrolled_by: date = date(2024, 12, 1)
    # R-CERT-8: renewal runs may start on this month-day before a cycle end.
    renewal_opens: tuple[int, int] = (9, 1)
    # 保存期間 of a leaver's 個人番号, in years after the 資格喪失日 (the society's rule; D-40).
    my_number_retention_years: int = 7
    # DOMAIN.md §10: different birth dates one facility may try for one 記号・番号, and over how
    # many hours, before its queries for that 記号・番号 are answered as not found.
    guessing_birth_dates: int = 5
    guessing_window_hours: int = 24


DEFAULT_POLICY = Policy()

# 刑の名称 printed on the back of a card, by its 交付年月日 (D-156): 懲役 and 禁錮 were replaced by
# 拘禁刑 from 2025-06-01. National law, not the society's choice, so not a `Policy` field.
# Source: 刑法等の一部を改正する法律（令和4年法律第67号）, 施行期日 令和7年6月1日 (政令);
# 法務省 https://www.moj.go.jp/keiji1/keiji12_00200.html ; 施行日: https://nagaoka-law.com/column/1985
PENAL_TERM: DatedValue[str] = DatedValue("penal_term", (
    Dated(Period(None, date(2025, 5, 31)), "懲役"),
    Dated(Period(date(2025, 6, 1), None), "拘禁刑")))


class PolicyError(ValueError):
    """A configured policy item the society cannot have; `item` names it."""

    def __init__(self, item: str, message: str):
        super().__init__(f"{item}: {message}")
        self.item = item


def _iso_day(item: str, text: str) -> date:
    """A configured day: an ISO date within the days the application handles (D-92)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise PolicyError(item, f"{text!r} is not an ISO date (YYYY-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PolicyError(item, f"{day.isoformat()} is outside {FIRST_DAY.isoformat()} … "
                                f"{LAST_DAY.isoformat()}")
    return day


def _extend_provisional_handling(policy: Policy, text: str) -> Policy:
    """R-PROV-1 (暫定的な取扱い) through a later last day: a society (or a later national notice)
    extends it; it never ends before the national last day."""
    item, national = "provisional_handling_until", policy.provisional_handling
    until = _iso_day(item, text)
    if until < national.last:
        raise PolicyError(item, f"{until.isoformat()} is before the national last day "
                                f"{national.last.isoformat()}; R-PROV-1 can only be extended")
    return replace(policy, provisional_handling=Period(national.first, until))


# The items a society may configure, each applied to the policy by its function.
OVERRIDES: dict[str, Callable[[Policy, str], Policy]] = {
    "provisional_handling_until": _extend_provisional_handling,
}


def configured_policy(overrides: Mapping[str, str]) -> Policy:
    """The society's dated policy: the national dates of DOMAIN.md with the configured
    `overrides` (item name → ISO date, `OVERRIDES`); an unknown item or a value the item cannot
    take is refused (`PolicyError`), never ignored."""
    policy = DEFAULT_POLICY
    for item, text in overrides.items():
        if item not in OVERRIDES:
            raise PolicyError(item, f"not a configurable policy item (one of {', '.join(OVERRIDES)})")
        policy = OVERRIDES[item](policy, text)
    return policy
