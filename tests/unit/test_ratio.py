"""一部負担金の割合 (copay ratio) and its age milestones: R-RATIO-1 … R-RATIO-4.

Expected dates are worked out by hand from DOMAIN.md (R-DATE-3: an age is reached on the day
before the birthday), never taken from the code under test."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shikaku.domain.age import age_on
from shikaku.domain.ratio import (
    InsuredIncome,
    copay_ratio,
    elderly_from,
    is_active_income,
    is_elderly,
    late_elderly_from,
    preschool_until,
)
from tests.builders import around

ONE_DAY = timedelta(days=1)
BIRTHS = st.dates(date(1900, 1, 1), date(2090, 12, 31))


def self_insured(birth: date, remuneration: int = 300_000, declared_low: bool = False) -> InsuredIncome:
    """The member is their own 被保険者."""
    return InsuredIncome(birth, remuneration, declared_low)


ADULT_INSURED = InsuredIncome(date(1980, 5, 10), 300_000)  # 45 in 2025: not a 高齢受給者


# ------------------------------------------------------------------ R-RATIO-1

@pytest.mark.parametrize(("birth", "on"), [
    (date(1980, 5, 10), date(2025, 6, 1)),
    (date(2000, 1, 1), date(2025, 1, 1)),
    (date(1956, 6, 15), date(2025, 6, 30)),  # 69
])
def test_r_ratio_1_default_is_30(birth, on):
    """R-RATIO-1: 3割 for a member neither preschool nor 70–74."""
    assert copay_ratio(birth, self_insured(birth), on) == 30


# ------------------------------------------------------------------ R-RATIO-2

@pytest.mark.parametrize(("birth", "last_preschool_day"), [
    (date(2021, 6, 1), date(2028, 3, 31)),  # reaches 6 on 2027-05-31
    (date(2019, 4, 1), date(2025, 3, 31)),  # reaches 6 on 2025-03-31 itself
    (date(2019, 4, 2), date(2026, 3, 31)),  # reaches 6 on 2025-04-01: one more school year
    (date(2019, 3, 31), date(2025, 3, 31)),  # reaches 6 on 2025-03-30
    (date(2020, 2, 29), date(2026, 3, 31)),  # reaches 6 on 2026-02-28
])
def test_r_ratio_2_preschool_until(birth, last_preschool_day):
    """R-RATIO-2: 2割 until the first 03-31 on or after reaching 6."""
    assert preschool_until(birth) == last_preschool_day


@pytest.mark.parametrize(("birth", "last_preschool_day"), [
    (date(2021, 6, 1), date(2028, 3, 31)),
    (date(2019, 4, 1), date(2025, 3, 31)),
    (date(2019, 4, 2), date(2026, 3, 31)),
])
def test_r_ratio_2_ratio_at_the_boundary(birth, last_preschool_day):
    """R-RATIO-2: 20 the day before and on the last preschool day, 30 the day after."""
    before, day, after = around(last_preschool_day)
    assert copay_ratio(birth, ADULT_INSURED, before) == 20
    assert copay_ratio(birth, ADULT_INSURED, day) == 20
    assert copay_ratio(birth, ADULT_INSURED, after) == 30


def test_r_ratio_2_april_1_and_april_2_births_differ_by_a_school_year():
    """R-RATIO-2: on 2025-04-01 the April 1 child is 3割 and the April 2 child still 2割."""
    on = date(2025, 4, 1)
    assert copay_ratio(date(2019, 4, 1), ADULT_INSURED, on) == 30
    assert copay_ratio(date(2019, 4, 2), ADULT_INSURED, on) == 20


def test_r_ratio_2_newborn_is_preschool():
    birth = date(2025, 6, 1)
    assert copay_ratio(birth, ADULT_INSURED, birth) == 20


@given(BIRTHS)
def test_r_ratio_2_preschool_until_invariant(birth):
    """R-RATIO-2: the result is a 03-31 on which the child has reached 6 (age 6), while on the
    previous 03-31 the child was still 5 — which makes it the *first* such 03-31."""
    last = preschool_until(birth)
    assert (last.month, last.day) == (3, 31)
    assert age_on(birth, last) == 6
    assert age_on(birth, date(last.year - 1, 3, 31)) == 5


@given(BIRTHS)
def test_r_ratio_2_ratio_switches_on_april_1(birth):
    """R-RATIO-2: a non-elderly child goes from 20 to 30 exactly on the April 1 after 6."""
    last = preschool_until(birth)
    assert copay_ratio(birth, ADULT_INSURED, last) == 20
    assert copay_ratio(birth, ADULT_INSURED, last + ONE_DAY) == 30


# ------------------------------------------------------------------ R-RATIO-3: start of 70–74

@pytest.mark.parametrize(("birth", "first_day"), [
    (date(1955, 6, 1), date(2025, 6, 1)),  # born on the 1st: the birthday month
    (date(1955, 6, 2), date(2025, 7, 1)),  # born on the 2nd: the next month
    (date(1955, 6, 30), date(2025, 7, 1)),
    (date(1955, 1, 1), date(2025, 1, 1)),  # reaches 70 on 2024-12-31
    (date(1955, 12, 2), date(2026, 1, 1)),  # reaches 70 on 2025-12-01: year wrap
    (date(1956, 1, 1), date(2026, 1, 1)),
    (date(1956, 2, 29), date(2026, 3, 1)),  # reaches 70 on 2026-02-28
    (date(1956, 3, 1), date(2026, 3, 1)),  # reaches 70 on 2026-02-28
])
def test_r_ratio_3_elderly_from(birth, first_day):
    """R-RATIO-3: from the 1st of the month after reaching 70 (the birthday month if born on the 1st)."""
    assert elderly_from(birth) == first_day


@pytest.mark.parametrize(("birth", "first_day"), [
    (date(1955, 6, 1), date(2025, 6, 1)),
    (date(1955, 6, 2), date(2025, 7, 1)),
    (date(1955, 12, 2), date(2026, 1, 1)),
])
def test_r_ratio_3_ratio_at_the_start_of_70_74(birth, first_day):
    """R-RATIO-3: 30 the day before the first day, 20 on it and the day after (2割, not 現役並み)."""
    insured = self_insured(birth, 260_000)
    before, day, after = around(first_day)
    assert not is_elderly(birth, before)
    assert is_elderly(birth, day) and is_elderly(birth, after)
    assert [copay_ratio(birth, insured, d) for d in (before, day, after)] == [30, 20, 20]


def test_r_ratio_3_born_on_the_2nd_is_70_but_not_yet_elderly_for_the_rest_of_the_month():
    """R-RATIO-3: born 1955-06-02 reaches 70 on 2025-06-01, yet stays 3割 through 2025-06-30."""
    birth = date(1955, 6, 2)
    assert age_on(birth, date(2025, 6, 1)) == 70
    assert copay_ratio(birth, self_insured(birth, 260_000), date(2025, 6, 30)) == 30


@pytest.mark.parametrize(("remuneration", "expected"), [
    (260_000, 20),
    (280_000, 30),
    (500_000, 30),
])
def test_r_ratio_3_active_income_threshold(remuneration, expected):
    """R-RATIO-3: 現役並み (3割) when the elderly insured's 標準報酬月額 is ≥ 280,000."""
    birth = date(1954, 3, 10)  # 71 in 2025
    assert copay_ratio(birth, self_insured(birth, remuneration), date(2025, 6, 1)) == expected


def test_r_ratio_3_active_income_from_the_first_elderly_day():
    """R-RATIO-3: 現役並み applies only once the insured is a 高齢受給者 (born 1955-06-02, from 2025-07-01)."""
    birth = date(1955, 6, 2)
    insured = self_insured(birth, 280_000)
    before, day, after = around(date(2025, 7, 1))
    assert [is_active_income(insured, d) for d in (before, day, after)] == [False, True, True]


def test_r_ratio_3_elderly_dependent_of_an_insured_under_70_is_20():
    """R-RATIO-3: a 71-year-old dependent of a 60-year-old insured with 500,000 pays 2割."""
    dependent_birth = date(1954, 3, 10)
    insured = InsuredIncome(date(1965, 1, 20), 500_000)
    on = date(2025, 6, 1)
    assert age_on(dependent_birth, on) == 71 and age_on(insured.birth_date, on) == 60
    assert copay_ratio(dependent_birth, insured, on) == 20


def test_r_ratio_3_elderly_dependent_follows_the_insured_becoming_elderly():
    """R-RATIO-3: the dependent turns 3割 on the day the 280,000 insured becomes 高齢受給者."""
    dependent_birth = date(1953, 9, 9)
    insured = InsuredIncome(date(1955, 6, 2), 280_000)  # elderly from 2025-07-01
    before, day, after = around(date(2025, 7, 1))
    assert [copay_ratio(dependent_birth, insured, d) for d in (before, day, after)] == [20, 30, 30]


def test_r_ratio_3_non_elderly_dependent_of_active_income_insured_is_30():
    """R-RATIO-3 applies to 70–74 only: a 60-year-old dependent of a 現役並み insured is 3割 (R-RATIO-1)."""
    insured = InsuredIncome(date(1953, 9, 9), 830_000)
    assert copay_ratio(date(1965, 1, 20), insured, date(2025, 6, 1)) == 30


@pytest.mark.parametrize("who", ["insured", "dependent"])
def test_r_ratio_3_income_declaration_returns_30_to_20(who):
    """R-RATIO-3: an approved income declaration (年収 under the limits) returns 現役並み to 2割."""
    insured_birth, on = date(1953, 9, 9), date(2025, 6, 1)
    birth = insured_birth if who == "insured" else date(1954, 3, 10)
    assert copay_ratio(birth, InsuredIncome(insured_birth, 500_000, False), on) == 30
    assert copay_ratio(birth, InsuredIncome(insured_birth, 500_000, True), on) == 20


# ------------------------------------------------------------------ R-RATIO-4: the 75th birthday

@pytest.mark.parametrize(("birth", "birthday"), [
    (date(1950, 12, 10), date(2025, 12, 10)),
    (date(1951, 1, 1), date(2026, 1, 1)),
])
def test_r_ratio_4_elderly_until_the_day_before_the_75th_birthday(birth, birthday):
    """R-RATIO-4: 高齢受給者 the day before the 75th birthday, not on it nor after."""
    assert late_elderly_from(birth) == birthday
    before, day, after = around(birthday)
    assert [is_elderly(birth, d) for d in (before, day, after)] == [True, False, False]


# ------------------------------------------------------------------ properties

def _naive_elderly_from(birth: date) -> date:
    """Step to the day the person reaches 70 (by age_on), then to the next 1st of a month."""
    day = date(birth.year + 69, 1, 1)
    while age_on(birth, day) < 70:
        day += ONE_DAY
    day += ONE_DAY
    while day.day != 1:
        day += ONE_DAY
    return day


@given(st.dates(date(1900, 1, 1), date(2020, 12, 31)))
def test_r_ratio_3_elderly_from_matches_naive_stepping(birth):
    assert elderly_from(birth) == _naive_elderly_from(birth)


def _last_march_31_before(day: date) -> date:
    """The last 03-31 strictly before `day`."""
    this_year = date(day.year, 3, 31)
    return this_year if this_year < day else date(day.year - 1, 3, 31)


@given(st.dates(date(1900, 1, 1), date(2030, 12, 31)), st.integers(0, 85 * 366),
       st.sampled_from([58_000, 260_000, 280_000, 1_390_000]), st.booleans())
def test_r_ratio_own_insured_ratio_by_definition(birth, days_after_birth, remuneration, declared_low):
    """R-RATIO-1…3 for a member who is their own insured, from naive definitions: preschool while
    the child was under 6 on the last 03-31 before the day; 70–74 from the naive first day until
    the day before the 75th birthday (the day after which the person is 75)."""
    on = birth + timedelta(days=days_after_birth)
    ratio = copay_ratio(birth, self_insured(birth, remuneration, declared_low), on)
    preschool = age_on(birth, _last_march_31_before(on)) < 6
    elderly = _naive_elderly_from(birth) <= on and age_on(birth, on - ONE_DAY) < 75
    if preschool:
        assert ratio == 20
    elif elderly:
        assert ratio == (30 if remuneration >= 280_000 and not declared_low else 20)
    else:
        assert ratio == 30
