"""R-DATE-2 business days and R-MYNA-2 翌々営業日."""

from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shikaku.domain.calendar import BusinessCalendar

CALENDAR = BusinessCalendar()  # without the society's closures


@pytest.mark.parametrize(
    ("registered", "visible"),
    [
        (date(2025, 11, 28), date(2025, 12, 2)),
        (date(2025, 12, 26), date(2026, 1, 6)),
        (date(2025, 6, 5), date(2025, 6, 9)),
        (date(2026, 4, 6), date(2026, 4, 8)),
        (date(2026, 3, 2), date(2026, 3, 4)),
        (date(2025, 11, 21), date(2025, 11, 26)),  # over 2025-11-24 振替休日
        (date(2026, 9, 18), date(2026, 9, 25)),  # over シルバーウィーク 9-21..9-23
    ],
)
def test_r_myna_2_second_business_day_after(registered, visible):
    assert CALENDAR.second_business_day_after(registered) == visible
    assert CALENDAR.second_business_day_after(registered) == visible  # memoised answer


@pytest.mark.parametrize(
    ("d", "open_"),
    [
        (date(2026, 12, 28), True),  # Monday before 年末年始
        (date(2026, 12, 29), False),
        (date(2026, 12, 31), False),
        (date(2024, 1, 3), False),  # Wednesday, last day of 年末年始
        (date(2024, 1, 4), True),
        (date(2025, 11, 24), False),  # 振替休日
        (date(2025, 11, 25), True),
        (date(2026, 9, 22), False),  # 国民の休日
        (date(2025, 11, 29), False),  # Saturday
        (date(2025, 11, 30), False),  # Sunday
        (date(2025, 12, 1), True),
    ],
)
def test_r_date_2_is_business_day(d, open_):
    assert CALENDAR.is_business_day(d) is open_


def test_r_date_2_citizens_holiday_comes_from_holidays_package():
    assert date(2026, 9, 22) in holidays.Japan(years=2026)


def test_r_date_2_next_business_day_after_is_strict():
    assert CALENDAR.next_business_day_after(date(2025, 12, 1)) == date(2025, 12, 2)
    assert CALENDAR.next_business_day_after(date(2026, 12, 28)) == date(2027, 1, 4)


def test_r_date_2_configured_closure_shifts_second_business_day():
    calendar = BusinessCalendar(closures=[date(2026, 3, 3)])
    assert not calendar.is_business_day(date(2026, 3, 3))
    assert calendar.second_business_day_after(date(2026, 3, 2)) == date(2026, 3, 5)
    assert CALENDAR.second_business_day_after(date(2026, 3, 2)) == date(2026, 3, 4)


_REFERENCE_HOLIDAYS = holidays.country_holidays("JP")


def _naive_is_business_day(d: date, closures: set[date]) -> bool:
    year_end = {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}
    return d.weekday() < 5 and (d.month, d.day) not in year_end and d not in closures and d not in _REFERENCE_HOLIDAYS


@given(
    st.dates(date(2000, 1, 1), date(2090, 12, 31)),
    st.sets(st.dates(date(2000, 1, 1), date(2091, 1, 31)), max_size=5),
)
def test_r_myna_2_second_business_day_after_matches_day_by_day_reference(registered, closures):
    d, found = registered, 0
    while found < 2:
        d += timedelta(days=1)
        found += _naive_is_business_day(d, closures)
    assert BusinessCalendar(closures).second_business_day_after(registered) == d
