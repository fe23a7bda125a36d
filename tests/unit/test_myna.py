"""マイナ保険証 on the card side: R-MYNA-1 (2), R-MYNA-5 (certificate grace), R-MYNA-6 (cancellation).
The society side of R-MYNA-1…4 (publication) is in test_registry.py."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shikaku.domain.myna import (
    card_works,
    certificate_grace_end,
    is_registered_for_insurance,
    myna_usable,
)
from shikaku.domain.policy import DEFAULT_POLICY, Policy
from tests.builders import around, myna_card

ONE_DAY = timedelta(days=1)


# ------------------------------------------------------------------ R-MYNA-5

@pytest.mark.parametrize(("expires_on", "last_day"), [
    (date(2026, 1, 15), date(2026, 4, 30)),
    (date(2026, 10, 31), date(2027, 1, 31)),  # year wrap
    (date(2026, 9, 30), date(2026, 12, 31)),
    (date(2026, 12, 1), date(2027, 3, 31)),
    (date(2027, 11, 15), date(2028, 2, 29)),  # leap February
    (date(2026, 11, 30), date(2027, 2, 28)),
])
def test_r_myna_5_grace_end(expires_on, last_day):
    """R-MYNA-5: an expired certificate works until the end of the third month after the month of expiry."""
    assert certificate_grace_end(expires_on, DEFAULT_POLICY) == last_day


@pytest.mark.parametrize(("expires_on", "last_day"), [
    (date(2026, 1, 15), date(2026, 4, 30)),
    (date(2026, 10, 31), date(2027, 1, 31)),
])
def test_r_myna_5_card_works_through_the_grace_end_only(expires_on, last_day):
    """R-MYNA-5: the card works the day before and on the last grace day, not the day after."""
    c = myna_card(expires_on)
    before, day, after = around(last_day)
    assert [card_works(c, d, DEFAULT_POLICY) for d in (before, day, after)] == [True, True, False]


def test_r_myna_5_card_works_around_the_expiry_day_itself():
    c = myna_card(date(2026, 1, 15))
    assert all(card_works(c, d, DEFAULT_POLICY) for d in around(date(2026, 1, 15)))


@pytest.mark.parametrize(("months", "expires_on", "last_day"), [
    (0, date(2026, 1, 15), date(2026, 1, 31)),
    (1, date(2026, 12, 15), date(2027, 1, 31)),
    (12, date(2026, 1, 15), date(2027, 1, 31)),
    (24, date(2026, 12, 15), date(2028, 12, 31)),
])
def test_r_myna_5_grace_months_is_policy(months, expires_on, last_day):
    """R-MYNA-5 as dated policy: the number of grace months comes from the Policy."""
    assert certificate_grace_end(expires_on, Policy(myna_certificate_grace_months=months)) == last_day


def _naive_grace_end(expires_on: date, months: int) -> date:
    """Walk to the 1st of the month, then forward month by month, months + 1 times; the day before."""
    day = expires_on.replace(day=1)
    for _ in range(months + 1):
        day = (day + timedelta(days=31)).replace(day=1)
    return day - ONE_DAY


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.integers(0, 30))
def test_r_myna_5_grace_end_matches_naive_month_walk(expires_on, months):
    assert certificate_grace_end(expires_on, Policy(myna_certificate_grace_months=months)) == \
        _naive_grace_end(expires_on, months)


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)))
def test_r_myna_5_card_stops_working_on_a_first_of_month(expires_on):
    """R-MYNA-5: the first day the card no longer works is a 1st, 3–4 months after expiry."""
    c = myna_card(expires_on, registered_on=date(1999, 1, 1))
    end = certificate_grace_end(expires_on, DEFAULT_POLICY)
    assert card_works(c, end, DEFAULT_POLICY) and not card_works(c, end + ONE_DAY, DEFAULT_POLICY)
    assert (end + ONE_DAY).day == 1
    assert 89 <= (end - expires_on).days <= 122


# ------------------------------------------------------------------ R-MYNA-1 (2), R-MYNA-6

def test_r_myna_1_use_registration_from_its_day():
    """R-MYNA-1 (2): the card works as マイナ保険証 from the day of the 利用登録."""
    c = myna_card(registered_on=date(2025, 3, 10))
    before, day, after = around(date(2025, 3, 10))
    assert [card_works(c, d, DEFAULT_POLICY) for d in (before, day, after)] == [False, True, True]


def test_r_myna_1_card_without_use_registration_never_works():
    c = myna_card(registered_on=None)
    assert not is_registered_for_insurance(c, date(2026, 1, 1))
    assert not card_works(c, date(2026, 1, 1), DEFAULT_POLICY)


def test_r_myna_6_cancelled_on_d_works_on_d_minus_1_not_on_d():
    """R-MYNA-6: cancelled on 2026-02-10: registered and working on 02-09, neither on 02-10 nor 02-11."""
    c = myna_card(cancelled_on=date(2026, 2, 10))
    before, day, after = around(date(2026, 2, 10))
    assert [is_registered_for_insurance(c, d) for d in (before, day, after)] == [True, False, False]
    assert [card_works(c, d, DEFAULT_POLICY) for d in (before, day, after)] == [True, False, False]


ONLINE_FROM = date(2025, 12, 2)


def test_r_myna_1_usable_from_the_published_my_number_registration():
    """R-MYNA-1 (1) with R-MYNA-2: usable from `online_from`, not the day before."""
    before, day, after = around(ONLINE_FROM)
    assert [myna_usable(ONLINE_FROM, [myna_card()], d, DEFAULT_POLICY)
            for d in (before, day, after)] == [False, True, True]


@pytest.mark.parametrize(("online_from", "cards"), [
    (None, [myna_card()]),  # the society never registered the My Number (R-MYNA-3)
    (ONLINE_FROM, []),  # no card
    (ONLINE_FROM, [myna_card(registered_on=None)]),  # no 利用登録
    (ONLINE_FROM, [myna_card(cancelled_on=date(2025, 12, 5))]),  # R-MYNA-6
    (ONLINE_FROM, [myna_card(expires_on=date(2025, 8, 20))]),  # grace ended 2025-11-30 (R-MYNA-5)
])
def test_r_myna_1_not_usable_without_both_conditions(online_from, cards):
    assert not myna_usable(online_from, cards, date(2025, 12, 10), DEFAULT_POLICY)


def test_r_myna_1_one_working_card_is_enough():
    cards = [myna_card(registered_on=None, card_id="old"), myna_card(card_id="new")]
    assert myna_usable(ONLINE_FROM, cards, date(2025, 12, 10), DEFAULT_POLICY)


def test_r_myna_5_usable_through_grace_end():
    """R-MYNA-1 with R-MYNA-5: certificate expired 2025-08-20 → usable through 2025-11-30."""
    cards = [myna_card(expires_on=date(2025, 8, 20))]
    before, day, after = around(date(2025, 11, 30))
    assert [myna_usable(date(2025, 1, 6), cards, d, DEFAULT_POLICY)
            for d in (before, day, after)] == [True, True, False]
