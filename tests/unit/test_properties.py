"""Property tests (issue 7, item 4) of the date rules against simple reference definitions
written from DOMAIN.md, independent of the code's own formulation. Further properties live
beside their rules: test_calendar (翌々営業日), test_age (年齢), test_ratio (own insured)."""
from __future__ import annotations

from datetime import date, timedelta

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from shikaku.domain import certificates as rules
from shikaku.domain.age import age_on
from shikaku.domain.calendar import BusinessCalendar
from shikaku.domain.policy import DEFAULT_POLICY
from shikaku.domain.ratio import InsuredIncome, copay_ratio
from tests.builders import insured_state

ONE_DAY = timedelta(days=1)
JAPAN = holidays.Japan()  # expands year by year on lookup
BOUNDED = settings(max_examples=300, deadline=None)


def birthday(birth: date, years: int) -> date:
    """The years-th birthday; 03-01 for a 02-29 birth in a common year."""
    try:
        return date(birth.year + years, birth.month, birth.day)
    except ValueError:
        return date(birth.year + years, 3, 1)


def reference_age(birth: date, on: date) -> int:
    """R-DATE-3: completed years counted with the day before the birthday already counting."""
    n = 0
    while birthday(birth, n + 1) - ONE_DAY <= on:
        n += 1
    return n


def reference_ratio(birth: date, insured: InsuredIncome, on: date) -> int:
    """DOMAIN.md's table. 未就学: until the 03-31 before the April in which the child enters
    school (born 04-02…04-01 of the next year enter together, 7 years after that 04-01);
    70–74: from the 1st of the month after reaching 70 (the birthday month for a 1st-born)
    to the day before the 75th birthday; 3割 then only if the insured is 70–74 too, with
    標準報酬月額 ≥ 280,000 and no income declaration."""
    school_year = birth.year if (birth.month, birth.day) > (4, 1) else birth.year - 1

    def elderly(b: date) -> bool:
        reached = birthday(b, 70) - ONE_DAY
        start = date(reached.year + reached.month // 12, reached.month % 12 + 1, 1)
        return start <= on < birthday(b, 75)

    if on <= date(school_year + 7, 3, 31):
        return 20
    if not elderly(birth):
        return 30
    active = elderly(insured.birth_date) and insured.standard_monthly_remuneration >= 280_000 \
        and not insured.income_declared_low
    return 30 if active else 20


def reference_expiry(issued: date, birth: date, coverage_end: date | None) -> date:
    """R-CERT-5: the first of 2029-11-30, 2034-11-30, … on or after the issue day, capped at
    5 years less a day, the day before the 75th birthday and the known coverage end."""
    end = date(2029, 11, 30)
    while end < issued:
        end = date(end.year + 5, 11, 30)
    five_years = birthday(issued, 5) - ONE_DAY
    return min(d for d in (end, five_years, birthday(birth, 75) - ONE_DAY, coverage_end) if d)


@BOUNDED
@given(st.integers(0, 25).map(lambda k: date(1996 + 4 * k, 2, 29)), st.integers(0, 110 * 366))
def test_r_date_3_leap_day_births_age_on_02_28(birth, days):
    on = birth + timedelta(days=days)
    assert age_on(birth, on) == reference_age(birth, on)


@BOUNDED
@given(st.dates(date(2000, 1, 1), date(2080, 12, 31)), st.sets(st.dates(date(2000, 1, 1), date(2081, 1, 31)),
                                                                max_size=8))
def test_r_date_2_next_business_day_steps_over_every_closed_day(d, closures):
    found = d + ONE_DAY
    while (found.weekday() >= 5 or found in JAPAN or found in closures
           or (found.month, found.day) >= (12, 29) or (found.month, found.day) <= (1, 3)):
        found += ONE_DAY
    assert BusinessCalendar(closures).next_business_day_after(d) == found


@BOUNDED
@given(st.dates(date(1920, 1, 1), date(2030, 12, 31)), st.dates(date(1920, 1, 1), date(1990, 12, 31)),
       st.integers(0, 85 * 366), st.sampled_from([58_000, 270_000, 280_000, 1_390_000]), st.booleans())
def test_r_ratio_dependent_by_the_insured_income(birth, insured_birth, days, remuneration, declared_low):
    on = birth + timedelta(days=days)
    insured = InsuredIncome(insured_birth, remuneration, declared_low)
    assert copay_ratio(birth, insured, on) == reference_ratio(birth, insured, on)


@BOUNDED
@given(st.dates(date(2024, 12, 2), date(2050, 12, 31)), st.dates(date(1950, 1, 1), date(2020, 12, 31)),
       st.none() | st.integers(0, 10 * 366))
def test_r_cert_5_expiry_matches_reference(issued, birth, coverage_days):
    coverage_end = None if coverage_days is None else issued + timedelta(days=coverage_days)
    who = insured_state(issued, birth=birth, coverage_ends_on=coverage_end)
    assert rules.certificate_expiry(issued, who, DEFAULT_POLICY) == \
        reference_expiry(issued, birth, coverage_end)
