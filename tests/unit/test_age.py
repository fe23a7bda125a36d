"""R-DATE-3: age is reached on the day before the birthday (年齢計算ニ関スル法律)."""

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shikaku.domain.age import age_on, anniversary, date_reaching_age


@pytest.mark.parametrize(
    ("birth", "years", "expected"),
    [
        (date(2000, 4, 1), 25, date(2025, 4, 1)),
        (date(2000, 2, 29), 1, date(2001, 3, 1)),
        (date(2000, 2, 29), 4, date(2004, 2, 29)),
        (date(2000, 2, 29), 0, date(2000, 2, 29)),
    ],
)
def test_r_date_3_anniversary(birth, years, expected):
    assert anniversary(birth, years) == expected


@pytest.mark.parametrize(
    ("birth", "n", "expected"),
    [
        (date(2000, 4, 2), 25, date(2025, 4, 1)),
        (date(2000, 1, 1), 25, date(2024, 12, 31)),
        (date(2000, 2, 29), 1, date(2001, 2, 28)),
        (date(2000, 2, 29), 4, date(2004, 2, 28)),
        (date(2000, 3, 1), 4, date(2004, 2, 29)),
    ],
)
def test_r_date_3_date_reaching_age(birth, n, expected):
    assert date_reaching_age(birth, n) == expected


@pytest.mark.parametrize(
    ("birth", "n"),
    [
        (date(2019, 4, 2), 6),  # 未就学 boundary
        (date(2019, 4, 1), 6),
        (date(1955, 4, 2), 70),
        (date(1955, 6, 15), 70),
        (date(1950, 6, 15), 75),
        (date(1950, 1, 1), 75),
        (date(1952, 2, 29), 75),
        (date(2000, 4, 1), 25),
    ],
)
def test_r_date_3_age_changes_on_the_day_before_the_birthday(birth, n):
    day_before_birthday = anniversary(birth, n) - timedelta(days=1)
    assert age_on(birth, day_before_birthday) == n
    assert age_on(birth, day_before_birthday - timedelta(days=1)) == n - 1


def test_r_date_3_feb_29_birth_ages_on_feb_28():
    birth = date(2000, 2, 29)
    assert age_on(birth, date(2001, 2, 27)) == 0
    assert age_on(birth, date(2001, 2, 28)) == 1
    assert age_on(birth, date(2004, 2, 27)) == 3
    assert age_on(birth, date(2004, 2, 28)) == 4


@pytest.mark.parametrize("d", [date(2000, 4, 1), date(1999, 1, 1), date(2001, 3, 30)])
def test_r_date_3_age_zero_before_first_age_day(d):
    assert age_on(date(2000, 4, 1), d) == 0


def _reference_age(birth: date, d: date) -> int:
    """Day before the birthday, same calendar day each year, clamped to the month's end."""
    eve = birth - timedelta(days=1)

    def reaching(n: int) -> date:
        year = eve.year + n
        return date(year, eve.month, min(eve.day, calendar.monthrange(year, eve.month)[1]))

    n = 0
    while reaching(n + 1) <= d:
        n += 1
    return n


@given(st.dates(date(1900, 1, 1), date(2030, 12, 31)), st.dates(date(1900, 1, 1), date(2130, 12, 31)))
def test_r_date_3_age_on_matches_reference(birth, d):
    assert age_on(birth, d) == _reference_age(birth, d)
