"""健康保険証 (legacy card) in the transition: R-LEG-1, R-LEG-2."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shikaku.domain.errors import DomainError
from shikaku.domain.legacy import legacy_card_on_face, legacy_card_proves, legacy_card_valid_until
from shikaku.domain.policy import DEFAULT_POLICY
from tests.builders import around

TRANSITION_END = date(2025, 12, 1)  # R-LEG-2
FAR = date(2099, 1, 1)


# ------------------------------------------------------------------ R-LEG-1

@pytest.mark.parametrize("issued_on", [date(2024, 11, 30), date(2024, 12, 1), date(2015, 4, 1)])
def test_r_leg_1_issued_on_or_before_2024_12_01_accepted(issued_on):
    assert legacy_card_valid_until(issued_on, None, DEFAULT_POLICY) == TRANSITION_END


@pytest.mark.parametrize("issued_on", [date(2024, 12, 2), date(2024, 12, 3), date(2026, 1, 1)])
def test_r_leg_1_issued_from_2024_12_02_refused(issued_on):
    """R-LEG-1: no legacy card is issued or reissued on or after 2024-12-02."""
    with pytest.raises(DomainError) as refused:
        legacy_card_valid_until(issued_on, None, DEFAULT_POLICY)
    assert refused.value.code == "legacy_card_discontinued"
    assert refused.value.field == "issued_on"


def test_r_leg_1_refusal_comes_before_the_expiry_check():
    with pytest.raises(DomainError) as refused:
        legacy_card_valid_until(date(2024, 12, 2), date(2024, 1, 1), DEFAULT_POLICY)
    assert refused.value.code == "legacy_card_discontinued"


# ------------------------------------------------------------------ R-LEG-2: valid_until

@pytest.mark.parametrize(("expires_on", "valid_until"), [
    (None, date(2025, 12, 1)),
    (date(2025, 11, 30), date(2025, 11, 30)),
    (date(2025, 12, 1), date(2025, 12, 1)),
    (date(2025, 12, 2), date(2025, 12, 1)),
    (date(2027, 3, 31), date(2025, 12, 1)),
    (date(2024, 12, 1), date(2024, 12, 1)),  # expires the day it was issued
])
def test_r_leg_2_valid_until_is_the_earlier_of_transition_end_and_own_expiry(expires_on, valid_until):
    assert legacy_card_valid_until(date(2024, 12, 1), expires_on, DEFAULT_POLICY) == valid_until


def test_r_leg_2_expiry_before_issue_refused():
    with pytest.raises(DomainError) as refused:
        legacy_card_valid_until(date(2024, 6, 1), date(2024, 5, 31), DEFAULT_POLICY)
    assert refused.value.code == "invalid_period"
    assert refused.value.field == "expires_on"


# ------------------------------------------------------------------ R-LEG-2: proves

def test_r_leg_2_proves_on_2025_12_01_not_on_2025_12_02():
    valid_until = legacy_card_valid_until(date(2023, 4, 1), None, DEFAULT_POLICY)
    before, day, after = around(TRANSITION_END)
    assert [legacy_card_proves(valid_until, FAR, d) for d in (before, day, after)] == [True, True, False]


def test_r_leg_2_own_printed_expiry():
    valid_until = legacy_card_valid_until(date(2023, 4, 1), date(2025, 6, 30), DEFAULT_POLICY)
    before, day, after = around(date(2025, 6, 30))
    assert [legacy_card_proves(valid_until, FAR, d) for d in (before, day, after)] == [True, True, False]


def test_r_leg_2_never_on_or_after_the_loss_day():
    """R-LEG-2: 資格喪失日 2025-10-01 (the first day not covered): proves on 09-30 only."""
    loss_on = date(2025, 10, 1)
    before, day, after = around(loss_on)
    assert [legacy_card_proves(TRANSITION_END, loss_on, d) for d in (before, day, after)] == \
        [True, False, False]


def test_r_leg_2_loss_on_the_day_after_transition_end_changes_nothing():
    loss_on = date(2025, 12, 2)
    assert legacy_card_proves(TRANSITION_END, loss_on, date(2025, 12, 1))
    assert not legacy_card_proves(TRANSITION_END, loss_on, date(2025, 12, 2))


@given(st.dates(date(2015, 1, 1), date(2024, 12, 1)), st.none() | st.dates(date(2015, 1, 1), date(2030, 1, 1)),
       st.dates(date(2015, 1, 2), date(2030, 1, 1)), st.dates(date(2015, 1, 1), date(2030, 1, 1)))
def test_r_leg_2_proves_by_definition(issued_on, expires_on, loss_on, on):
    """R-LEG-2: proves on `on` iff on ≤ 2025-12-01, on ≤ own expiry and on < 資格喪失日."""
    if expires_on is not None and expires_on < issued_on:
        expires_on = issued_on
    valid_until = legacy_card_valid_until(issued_on, expires_on, DEFAULT_POLICY)
    expected = on <= TRANSITION_END and (expires_on is None or on <= expires_on) and on < loss_on
    assert legacy_card_proves(valid_until, loss_on, on) == expected


# ------------------------------------------------------------------ R-LEG-2: at the desk

def test_r_leg_2_a_recorded_card_is_valid_on_its_face_from_issue_through_validity():
    issued_on, valid_until = date(2024, 4, 5), date(2025, 6, 30)
    assert [legacy_card_on_face(issued_on, valid_until, d) for d in around(issued_on)] == [False, True, True]
    assert [legacy_card_on_face(issued_on, valid_until, d) for d in around(valid_until)] == [True, True, False]
