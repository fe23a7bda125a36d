"""標準報酬月額 (standard monthly remuneration) grades as dated data."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shikaku.domain.errors import DomainError
from shikaku.domain.remuneration import GRADES, validate_remuneration

ON = date(2025, 6, 1)


@pytest.mark.parametrize("amount", [58_000, 68_000, 260_000, 280_000, 500_000, 530_000, 790_000,
                                    830_000, 1_390_000])
def test_grade_amounts_are_valid(amount):
    assert validate_remuneration(amount, ON) == amount


@pytest.mark.parametrize("amount", [0, 57_000, 57_999, 58_001, 300_001, 299_999, 1_390_001,
                                    1_400_000, -58_000])
def test_non_grade_amounts_are_refused(amount):
    with pytest.raises(DomainError) as refused:
        validate_remuneration(amount, ON)
    assert refused.value.code == "invalid_remuneration"
    assert refused.value.field == "standard_monthly_remuneration"
    assert refused.value.status == 422
    assert "58,000" in refused.value.message and "1,390,000" in refused.value.message


def test_refusal_names_the_given_field():
    with pytest.raises(DomainError) as refused:
        validate_remuneration(57_000, ON, field="new_remuneration")
    assert refused.value.field == "new_remuneration"


@pytest.mark.parametrize("on", [date(2016, 3, 31), date(2016, 4, 1), date(2016, 4, 2), date(2000, 1, 1)])
def test_dates_before_the_table_use_the_earliest_table(on):
    """Around the table's start (2016-04-01): earlier dates are judged by the earliest table."""
    assert validate_remuneration(58_000, on) == 58_000
    with pytest.raises(DomainError):
        validate_remuneration(57_000, on)


def test_grades_table_is_dated_from_2016_04_01():
    with pytest.raises(LookupError):
        GRADES.on(date(2016, 3, 31))
    assert len(GRADES.on(date(2016, 4, 1))) == 50


def test_grades_table_shape():
    """50 strictly increasing grades from 58,000 to 1,390,000, whole thousands."""
    grades = GRADES.on(ON)
    assert (len(grades), grades[0], grades[-1]) == (50, 58_000, 1_390_000)
    assert all(a < b for a, b in zip(grades, grades[1:]))
    assert all(g % 1000 == 0 for g in grades)


@pytest.mark.parametrize(("below", "above"), [(260_000, 280_000), (500_000, 530_000), (790_000, 830_000)])
def test_r_lim_1_band_edges_are_adjacent_grades(below, above):
    """R-LIM-1's bands (エ ≤ 260,000 / ウ ≥ 280,000 …) leave no grade between their edges."""
    grades = GRADES.on(ON)
    assert grades.index(above) == grades.index(below) + 1


@given(st.integers(0, 2_000_000))
def test_valid_iff_in_the_table(amount):
    if amount in GRADES.on(ON):
        assert validate_remuneration(amount, ON) == amount
    else:
        with pytest.raises(DomainError):
            validate_remuneration(amount, ON)
