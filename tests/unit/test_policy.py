"""Dated policy: Period, DatedValue and the national dates of DOMAIN.md in DEFAULT_POLICY."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shikaku.domain.policy import DEFAULT_POLICY, Dated, DatedValue, Period
from tests.builders import around

FIRST, LAST = date(2026, 8, 1), date(2027, 7, 31)
DATES = st.dates(date(1900, 1, 1), date(2200, 12, 31))


# ------------------------------------------------------------------ Period

def test_period_closed_edges_are_inclusive():
    period = Period(FIRST, LAST)
    assert [d in period for d in around(FIRST)] == [False, True, True]
    assert [d in period for d in around(LAST)] == [True, True, False]


def test_period_single_day():
    period = Period(FIRST, FIRST)
    assert [d in period for d in around(FIRST)] == [False, True, False]


def test_period_open_start():
    period = Period(None, LAST)
    assert date(1, 1, 1) in period
    assert [d in period for d in around(LAST)] == [True, True, False]


def test_period_open_end():
    period = Period(FIRST, None)
    assert date(9999, 12, 31) in period
    assert [d in period for d in around(FIRST)] == [False, True, True]


def test_period_open_both_ends_contains_everything():
    period = Period(None, None)
    assert date(1, 1, 1) in period and date(9999, 12, 31) in period


@given(st.none() | DATES, st.none() | DATES, DATES)
def test_period_containment_by_definition(first, last, day):
    expected = (first is None or first <= day) and (last is None or day <= last)
    assert (day in Period(first, last)) is expected


# ------------------------------------------------------------------ DatedValue

# Shaped like R-LIM-2's effective-dated limits (changes 2026-08 and 2027-08).
LIMIT_E = DatedValue("limit_e", (
    Dated(Period(date(2015, 1, 1), date(2026, 7, 31)), 57_600),
    Dated(Period(date(2026, 8, 1), date(2027, 7, 31)), 60_600),
    Dated(Period(date(2027, 8, 1), None), 63_600),
))


def test_dated_value_switches_on_the_first_day_of_the_new_period():
    assert [LIMIT_E.on(d) for d in around(date(2026, 8, 1))] == [57_600, 60_600, 60_600]
    assert [LIMIT_E.on(d) for d in around(date(2027, 8, 1))] == [60_600, 63_600, 63_600]


def test_dated_value_at_the_first_day():
    assert LIMIT_E.on(date(2015, 1, 1)) == 57_600


def test_dated_value_before_the_first_entry_raises_lookup_error():
    with pytest.raises(LookupError, match="limit_e.*2014-12-31"):
        LIMIT_E.on(date(2014, 12, 31))


def test_dated_value_open_end_lasts_forever():
    assert LIMIT_E.on(date(9999, 12, 31)) == 63_600


def test_dated_value_gap_and_closed_end_raise_lookup_error():
    value = DatedValue("gappy", (
        Dated(Period(date(2020, 1, 1), date(2020, 12, 31)), "a"),
        Dated(Period(date(2022, 1, 1), date(2022, 12, 31)), "b"),
    ))
    assert value.on(date(2020, 12, 31)) == "a"
    with pytest.raises(LookupError):
        value.on(date(2021, 1, 1))
    assert value.on(date(2022, 1, 1)) == "b"
    with pytest.raises(LookupError):
        value.on(date(2023, 1, 1))


def test_dated_value_without_entries_raises_lookup_error():
    with pytest.raises(LookupError):
        DatedValue("empty", ()).on(date(2025, 1, 1))


# ------------------------------------------------------------------ DEFAULT_POLICY holds DOMAIN.md's dates

def test_r_leg_1_default_issue_period_ends_2024_12_01():
    assert [d in DEFAULT_POLICY.legacy_card_issue for d in around(date(2024, 12, 1))] == [True, True, False]


def test_r_leg_2_default_use_period_ends_2025_12_01():
    assert [d in DEFAULT_POLICY.legacy_card_use for d in around(date(2025, 12, 1))] == [True, True, False]


def test_r_prov_1_default_provisional_handling_2025_12_02_to_2026_03_31():
    period = DEFAULT_POLICY.provisional_handling
    assert [d in period for d in around(date(2025, 12, 2))] == [False, True, True]
    assert [d in period for d in around(date(2026, 3, 31))] == [True, True, False]


def test_r_cert_5_default_certificates_from_2024_12_02_and_cycle():
    assert [d in DEFAULT_POLICY.certificates for d in around(date(2024, 12, 2))] == [False, True, True]
    cycle = DEFAULT_POLICY.certificate_cycle.on(date(2024, 12, 2))
    assert (cycle.first_end, cycle.years, cycle.max_years) == (date(2029, 11, 30), 5, 5)
    with pytest.raises(LookupError):
        DEFAULT_POLICY.certificate_cycle.on(date(2024, 12, 1))


def test_default_policy_numbers():
    assert DEFAULT_POLICY.myna_certificate_grace_months == 3  # R-MYNA-5
    assert DEFAULT_POLICY.limit_certificate_months == 12  # R-LIM-5
    assert DEFAULT_POLICY.ex_officio_enrolled_by == date(2024, 12, 1)  # R-CERT-4
    assert DEFAULT_POLICY.renewal_opens == (9, 1)  # R-CERT-8
