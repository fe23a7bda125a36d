"""The bitemporal registry (FamilyHistory): the society's view, the facilities' published view
(R-MYNA-1…4), transaction-time audits, losses and their cascade to dependents (R-RATIO-4),
coverage end, and the checks before registering."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shikaku.domain.errors import DomainError
from shikaku.domain.family import check_disqualification, check_enrolment, my_number_in_use
from shikaku.domain.myna import MynaCard, myna_usable
from shikaku.domain.policy import DEFAULT_POLICY
from shikaku.domain.registry import FamilyHistory, Kind, LossReason
from tests.builders import CALENDAR, LONG_AGO, Family, around

ONE_DAY = timedelta(days=1)
FRI = date(2025, 11, 28)  # R-MYNA-2's example: registered Friday …
TUE = date(2025, 12, 2)  # … visible from Tuesday


def eligible(view, member_id: int, days) -> list[bool]:
    """`view(member_id, day).eligible` for each day (view: state or visible_state)."""
    return [view(member_id, d).eligible for d in days]


def visible(history: FamilyHistory, member_id: int, days) -> list[bool]:
    return [history.visible_state(member_id, d) is not None for d in days]


# ================================================================== R-MYNA-2 / R-MYNA-3: publication

def test_r_myna_2_enrolled_with_my_number_friday_visible_from_tuesday():
    """R-MYNA-2: registered Fri 2025-11-28 → not visible on Mon 12-01, visible from Tue 12-02."""
    family = Family()
    insured = family.insured(qualified_on=date(2025, 11, 1), registered_on=FRI)
    history = family.history
    assert visible(history, insured, (FRI, *around(TUE))) == [False, False, True, True]
    state = history.visible_state(insured, TUE)
    assert state.eligible and state.online_from == TUE and state.my_number_registered_on == FRI


def test_r_myna_2_society_sees_the_enrolment_at_once():
    """R-MYNA-4: the society's own view (`state`) needs no publication."""
    family = Family()
    insured = family.insured(qualified_on=date(2025, 11, 1), registered_on=FRI)
    assert eligible(family.history.state, insured, (date(2025, 11, 1), FRI, date(2025, 12, 1))) == \
        [True, True, True]


def test_r_myna_2_year_end_registration_visible_from_2026_01_06():
    """R-MYNA-2: registered Fri 2025-12-26 → visible from Tue 2026-01-06 (年末年始 and weekend)."""
    family = Family()
    insured = family.insured(qualified_on=date(2025, 12, 1), registered_on=date(2025, 12, 26))
    assert visible(family.history, insured, around(date(2026, 1, 6))) == [False, True, True]


def test_r_myna_3_member_without_my_number_is_never_visible():
    """R-MYNA-3: no My Number, no online record, however long after enrolment."""
    family = Family()
    insured = family.insured(registered_on=LONG_AGO, with_my_number=False)
    history = family.history
    assert visible(history, insured, (LONG_AGO, date(2020, 4, 3), date(2025, 12, 2), date(2030, 1, 1))) == \
        [False] * 4
    assert history.state(insured, date(2025, 12, 2)).eligible
    assert history.state(insured, date(2025, 12, 2)).online_from is None


def test_r_myna_3_visible_from_the_publication_of_the_my_number_registration():
    """R-MYNA-3: My Number registered Fri 2025-11-28 for a member enrolled in 2020 → from 12-02."""
    family = Family()
    insured = family.insured(registered_on=LONG_AGO, with_my_number=False)
    family.my_number(insured, FRI)
    history = family.history
    assert visible(history, insured, around(TUE)) == [False, True, True]
    state = history.visible_state(insured, TUE)
    assert (state.qualified_on, state.my_number_registered_on, state.online_from) == (LONG_AGO, FRI, TUE)


def test_r_myna_3_my_number_only_in_the_society_view_until_published():
    family = Family()
    insured = family.insured(registered_on=LONG_AGO, with_my_number=False)
    family.my_number(insured, FRI)
    history = family.history
    assert history.state(insured, FRI).my_number_registered_on == FRI
    assert history.published_by(date(2025, 12, 1)).state(insured, date(2025, 12, 1)).my_number_registered_on is None


def test_r_myna_3_dependent_needs_own_my_number():
    """R-MYNA-3: the insured's My Number does not make a dependent without one visible."""
    family = Family()
    family.insured(registered_on=LONG_AGO)
    dependent = family.dependent(registered_on=LONG_AGO, with_my_number=False)
    history = family.history
    assert history.visible_state(1, date(2025, 1, 6)) is not None
    assert history.visible_state(dependent, date(2025, 1, 6)) is None


def test_r_myna_1_usable_only_once_my_number_published_and_card_registered():
    """R-MYNA-1: (1) the society's registration, published (R-MYNA-2), and (2) the card's 利用登録."""
    family = Family()
    insured = family.insured(registered_on=LONG_AGO, with_my_number=False)
    family.my_number(insured, FRI)
    online_from = family.history.state(insured, TUE).online_from
    card = MynaCard("c", date(2030, 1, 1), insurance_registered_on=date(2024, 1, 1))
    unregistered = MynaCard("c", date(2030, 1, 1))
    assert [myna_usable(online_from, [card], d, DEFAULT_POLICY) for d in around(TUE)] == [False, True, True]
    assert not myna_usable(online_from, [unregistered], TUE, DEFAULT_POLICY)


@given(st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.integers(-3, 15))
def test_r_myna_2_visible_exactly_from_the_second_business_day(registered_on, offset):
    """R-MYNA-2: for any registration day, visible iff the day is on or after the second business
    day after it, which is itself a business day after the registration day."""
    family = Family()
    insured = family.insured(qualified_on=registered_on - timedelta(days=30), registered_on=registered_on)
    history = family.history
    publish = CALENDAR.second_business_day_after(registered_on)
    assert publish > registered_on and CALENDAR.is_business_day(publish)
    assert sum(CALENDAR.is_business_day(registered_on + timedelta(days=k))
               for k in range(1, (publish - registered_on).days + 1)) == 2
    day = publish + timedelta(days=offset)
    assert (history.visible_state(insured, day) is not None) == (day >= publish)


# ================================================================== R-MYNA-4: later changes

LATE_LOSS_ON = date(2025, 11, 15)


def late_loss_family() -> Family:
    """Insured since 2020 with My Number; 退職 on 2025-11-15 registered late on Fri 2025-11-28."""
    family = Family()
    family.insured(registered_on=LONG_AGO)
    return family.lose(1, LATE_LOSS_ON, registered_on=FRI)


def test_r_myna_4_late_loss_seen_by_the_society_at_once():
    history = late_loss_family().history
    assert eligible(history.state, 1, around(LATE_LOSS_ON)) == [True, False, False]
    loss = history.state(1, date(2025, 11, 20)).loss
    assert (loss.on, loss.reason, loss.scheduled) == (LATE_LOSS_ON, LossReason.RETIREMENT, False)


def test_r_myna_4_late_loss_not_visible_before_its_publish_on():
    """R-MYNA-4: facilities still see the member as eligible until 2025-12-02."""
    history = late_loss_family().history
    assert eligible(history.visible_state, 1, (LATE_LOSS_ON, *around(TUE))) == [True, True, False, False]
    assert history.visible_state(1, date(2025, 12, 1)).disqualified_on is None
    assert history.visible_state(1, TUE).disqualified_on == LATE_LOSS_ON


def test_r_myna_4_known_by_excludes_later_registrations():
    """known_by(K): the society's knowledge at the end of K (transaction time)."""
    history = late_loss_family().history
    before, day, after = around(FRI)
    assert [history.known_by(k).state(1, date(2025, 11, 20)).eligible for k in (before, day, after)] == \
        [True, False, False]


def test_known_by_before_enrolment_registration_has_no_member():
    family = Family()
    family.insured(registered_on=LONG_AGO)
    dependent = family.dependent(qualified_on=date(2025, 10, 1), registered_on=FRI)
    history = family.history
    assert history.known_by(FRI - ONE_DAY).state(dependent, date(2025, 11, 1)) is None
    assert history.known_by(FRI).state(dependent, date(2025, 11, 1)).eligible


def remuneration_family() -> Family:
    """Insured (45) at 300,000; a raise to 830,000 effective 2025-10-01 registered Fri 2025-11-28."""
    family = Family()
    family.insured(registered_on=LONG_AGO, remuneration=300_000)
    return family.amend(1, date(2025, 10, 1), registered_on=FRI, standard_monthly_remuneration=830_000)


def test_r_myna_4_amendment_in_the_society_view_from_its_effective_day():
    history = remuneration_family().history
    states = [history.state(1, d) for d in around(date(2025, 10, 1))]
    assert [s.insured.standard_monthly_remuneration for s in states] == [300_000, 830_000, 830_000]
    assert [s.limit.code for s in states] == ["A03", "A01", "A01"]


def test_r_myna_4_amendment_seen_by_facilities_only_from_its_publish_on():
    history = remuneration_family().history
    states = [history.visible_state(1, d) for d in around(TUE)]
    assert [s.insured.standard_monthly_remuneration for s in states] == [300_000, 830_000, 830_000]
    assert [s.limit.code for s in states] == ["A03", "A01", "A01"]


def test_r_myna_4_amendment_of_the_insured_reaches_the_dependent_view_when_published():
    family = remuneration_family()
    dependent = family.dependent(registered_on=LONG_AGO)
    history = family.history
    assert [history.visible_state(dependent, d).limit.code for d in around(TUE)] == ["A03", "A01", "A01"]


def test_r_myna_4_amendment_known_by_transaction_time():
    history = remuneration_family().history
    on = date(2025, 10, 15)
    assert [history.known_by(k).state(1, on).insured.standard_monthly_remuneration
            for k in around(FRI)] == [300_000, 830_000, 830_000]


def test_r_myna_4_name_change_published_with_lag():
    family = Family()
    family.insured(registered_on=LONG_AGO)
    family.amend(1, FRI, registered_on=FRI, name="新姓 1")
    history = family.history
    assert history.state(1, FRI).name == "新姓 1"
    assert [history.visible_state(1, d).name for d in around(TUE)] == ["試験 1", "新姓 1", "新姓 1"]


def test_r_myna_4_75th_birthday_loss_visible_with_no_lag():
    """R-MYNA-4 / R-RATIO-4: born 1950-12-10 → loses eligibility on 2025-12-10 in the published view too."""
    family = Family()
    family.insured(birth=date(1950, 12, 10), registered_on=LONG_AGO)
    history = family.history
    assert eligible(history.visible_state, 1, around(date(2025, 12, 10))) == [True, False, False]
    loss = history.visible_state(1, date(2025, 12, 10)).loss
    assert (loss.on, loss.reason, loss.scheduled) == (date(2025, 12, 10), LossReason.LATE_ELDERLY, True)


def test_r_myna_4_age_driven_ratio_changes_with_no_lag():
    """R-MYNA-4 / R-RATIO-3: born 1955-06-02 → 2割 from 2025-07-01 in the published view, no registration."""
    family = Family()
    family.insured(birth=date(1955, 6, 2), registered_on=LONG_AGO, remuneration=260_000)
    history = family.history
    assert [history.visible_state(1, d).copay_ratio for d in around(date(2025, 7, 1))] == [30, 20, 20]


def test_r_myna_4_preschool_end_with_no_lag():
    """R-MYNA-4 / R-RATIO-2: child born 2021-06-01 → 3割 from 2028-04-01 in the published view."""
    family = Family()
    family.insured(registered_on=LONG_AGO)
    child = family.dependent(birth=date(2021, 6, 1), qualified_on=date(2021, 6, 1))
    history = family.history
    assert [history.visible_state(child, d).copay_ratio for d in around(date(2028, 3, 31))] == [20, 20, 30]


# ================================================================== R-RATIO-3 through the family

def test_r_ratio_3_elderly_dependent_of_insured_under_70():
    """R-RATIO-3: 71-year-old dependent of a 60-year-old insured with 500,000 → 2割, 一般."""
    family = Family()
    family.insured(birth=date(1965, 1, 20), remuneration=500_000)
    dependent = family.dependent(birth=date(1954, 3, 10))
    state = family.history.state(dependent, date(2025, 6, 1))
    assert (state.copay_ratio, state.limit.code) == (20, "B04")


def test_r_ratio_3_elderly_family_active_income_and_income_declaration():
    """R-RATIO-3: insured 72 with 500,000 → family's 70–74 members 3割; declaration from 2025-08-01 → 2割."""
    family = Family()
    family.insured(birth=date(1953, 2, 10), remuneration=500_000)
    dependent = family.dependent(birth=date(1954, 3, 10))
    family.amend(1, date(2025, 8, 1), registered_on=date(2025, 8, 20), income_declared_low=True)
    history = family.history
    assert [history.state(dependent, d).copay_ratio for d in around(date(2025, 8, 1))] == [30, 20, 20]
    assert [history.state(1, d).copay_ratio for d in around(date(2025, 8, 1))] == [30, 20, 20]


def test_r_lim_4_approved_reduction_category_in_force_from_its_first_day():
    """R-LIM-1/-4: an approved オ (A05) applies from its first day through its last."""
    family = Family()
    family.insured(remuneration=500_000)
    family.register(1, Kind.CERTIFICATION, date(2025, 10, 1), date(2025, 9, 20), kind="limit_reduction",
                    valid_until=date(2026, 9, 30), category_code="A05")
    history = family.history
    assert [history.state(1, d).limit.code for d in around(date(2025, 10, 1))] == ["A03", "A05", "A05"]
    assert [history.state(1, d).limit.code for d in around(date(2026, 9, 30))] == ["A05", "A05", "A03"]


# ================================================================== losses and the dependents' cascade

def test_r_ratio_4_insured_leaves_on_the_75th_birthday():
    family = Family()
    family.insured(birth=date(1951, 1, 1))
    history = family.history
    assert eligible(history.state, 1, around(date(2026, 1, 1))) == [True, False, False]


def test_r_ratio_4_dependent_leaves_on_own_75th_birthday():
    family = Family()
    family.insured(birth=date(1965, 1, 20))
    dependent = family.dependent(birth=date(1950, 12, 10))
    history = family.history
    assert eligible(history.state, dependent, around(date(2025, 12, 10))) == [True, False, False]
    assert history.state(dependent, date(2025, 12, 10)).loss.reason is LossReason.LATE_ELDERLY
    assert history.state(1, date(2025, 12, 10)).eligible


def test_r_ratio_4_dependent_of_insured_turning_75_loses_the_same_day():
    """R-RATIO-4: insured born 1950-12-10 leaves on 2025-12-10; the 60-year-old dependent too, insured_lost."""
    family = Family()
    family.insured(birth=date(1950, 12, 10))
    dependent = family.dependent(birth=date(1965, 1, 20))
    history = family.history
    assert eligible(history.state, dependent, around(date(2025, 12, 10))) == [True, False, False]
    assert eligible(history.visible_state, dependent, around(date(2025, 12, 10))) == [True, False, False]
    loss = history.state(dependent, date(2025, 12, 10)).loss
    assert (loss.on, loss.reason, loss.scheduled) == (date(2025, 12, 10), LossReason.INSURED_LOST, True)


def test_registered_loss_on_the_75th_birthday_wins_over_the_scheduled_one():
    """A 喪失届 (death) for the 75th birthday itself is a registered loss: shown before it happens."""
    family = Family()
    family.insured(birth=date(1950, 12, 10))
    family.lose(1, date(2025, 12, 10), registered_on=date(2025, 12, 11), reason=LossReason.DEATH)
    state = family.history.state(1, date(2025, 12, 1))
    assert (state.loss.reason, state.loss.scheduled) == (LossReason.DEATH, False)
    assert state.disqualified_on == date(2025, 12, 10)


def test_dependent_disqualified_the_same_day_as_the_insured():
    """Cascade: the insured's registered 退職 on 2025-09-01 ends the dependent's coverage that day."""
    family = Family()
    family.insured()
    dependent = family.dependent()
    family.lose(1, date(2025, 9, 1), registered_on=date(2025, 8, 20))
    history = family.history
    assert eligible(history.state, dependent, around(date(2025, 9, 1))) == [True, False, False]
    state = history.state(dependent, date(2025, 8, 25))
    assert state.disqualified_on == date(2025, 9, 1)  # registered: shown before it happens
    assert (state.loss.reason, state.loss.scheduled) == (LossReason.INSURED_LOST, False)


def test_dependent_own_earlier_loss_wins():
    family = Family()
    family.insured()
    dependent = family.dependent()
    family.lose(dependent, date(2025, 7, 1), reason=LossReason.DEPENDENT_INELIGIBLE)
    family.lose(1, date(2025, 9, 1))
    history = family.history
    loss = history.state(dependent, date(2025, 6, 1)).loss
    assert (loss.on, loss.reason) == (date(2025, 7, 1), LossReason.DEPENDENT_INELIGIBLE)
    assert eligible(history.state, dependent, around(date(2025, 7, 1))) == [True, False, False]


def test_dependent_own_later_loss_loses_to_the_insured_loss():
    family = Family()
    family.insured()
    dependent = family.dependent()
    family.lose(dependent, date(2025, 10, 1), reason=LossReason.OTHER_INSURANCE)
    family.lose(1, date(2025, 9, 1))
    loss = family.history.state(dependent, date(2025, 6, 1)).loss
    assert (loss.on, loss.reason) == (date(2025, 9, 1), LossReason.INSURED_LOST)


def test_dependent_cascade_in_the_published_view_waits_for_the_insured_loss():
    """R-MYNA-4: the insured's loss registered Fri 2025-11-28 reaches the dependent's record on 12-02."""
    family = Family()
    family.insured(registered_on=LONG_AGO)
    dependent = family.dependent(registered_on=LONG_AGO)
    family.lose(1, LATE_LOSS_ON, registered_on=FRI)
    history = family.history
    assert eligible(history.visible_state, dependent, around(TUE)) == [True, False, False]
    assert not history.state(dependent, date(2025, 12, 1)).eligible


def test_period_is_the_qualification_and_loss_of_every_day():
    """`period` (資格期間) answers what `state` answers on any day, for an insured and a dependent
    whose loss cascades, with a scheduled and a registered loss."""
    family = Family()
    family.insured(qualified_on=date(2024, 4, 1), coverage_ends_on=date(2026, 3, 31))
    dependent = family.dependent(qualified_on=date(2024, 5, 1))
    family.lose(1, date(2025, 9, 1), registered_on=date(2025, 8, 20))
    history = family.history
    for member in (1, dependent):
        for day in (date(2024, 4, 1), date(2025, 8, 31), date(2025, 9, 1), date(2026, 4, 1)):
            state = history.state(member, day)
            assert history.period(member) == (state.qualified_on, state.loss)
    assert history.period(dependent)[1].reason is LossReason.INSURED_LOST


# ================================================================== coverage_ends_on

def coverage_family() -> FamilyHistory:
    """任意継続: covered through 2026-03-31 (known at enrolment)."""
    family = Family()
    family.insured(qualified_on=date(2024, 4, 1), coverage_ends_on=date(2026, 3, 31))
    return family.history


def test_coverage_ends_on_is_the_last_covered_day():
    history = coverage_family()
    assert eligible(history.state, 1, around(date(2026, 3, 31))) == [True, True, False]
    loss = history.state(1, date(2026, 4, 1)).loss
    assert (loss.on, loss.reason, loss.scheduled) == (date(2026, 4, 1), LossReason.COVERAGE_END, True)
    assert history.state(1, date(2026, 3, 31)).coverage_ends_on == date(2026, 3, 31)


def test_scheduled_loss_not_shown_before_it_happens():
    history = coverage_family()
    assert [history.state(1, d).disqualified_on for d in (date(2026, 3, 30), date(2026, 3, 31),
                                                          date(2026, 4, 1), date(2026, 4, 2))] == \
        [None, None, date(2026, 4, 1), date(2026, 4, 1)]


def test_registered_loss_shown_before_it_happens():
    family = Family()
    family.insured()
    family.lose(1, date(2026, 4, 1), registered_on=date(2026, 3, 1))
    history = family.history
    assert [history.state(1, d).disqualified_on for d in around(date(2026, 3, 31))] == [date(2026, 4, 1)] * 3
    assert history.state(1, date(2026, 3, 31)).eligible


def test_coverage_end_set_by_amendment_cascades_to_dependent():
    family = Family()
    family.insured(qualified_on=date(2024, 4, 1))
    dependent = family.dependent(qualified_on=date(2024, 4, 1))
    family.amend(1, date(2025, 4, 1), registered_on=date(2025, 3, 20), coverage_ends_on=date(2027, 3, 31))
    history = family.history
    assert eligible(history.state, dependent, around(date(2027, 4, 1))) == [True, False, False]
    assert history.state(dependent, date(2027, 4, 1)).loss.reason is LossReason.INSURED_LOST


# ================================================================== check_enrolment

BIRTH = date(1951, 3, 15)  # 75th birthday 2026-03-15


def refusal(call, *args) -> str | None:
    """The DomainError code of the call, or None when it passes."""
    try:
        call(*args)
    except DomainError as error:
        return error.code
    return None


def test_check_enrolment_not_before_birth():
    before, day, after = around(date(2025, 6, 1))
    assert [refusal(check_enrolment, day, q, None) for q in (before, day, after)] == \
        ["invalid_period", None, None]


def test_check_enrolment_not_from_the_75th_birthday():
    """R-RATIO-4: qualified on 2026-03-14 allowed; on 2026-03-15 and later refused (late_elderly)."""
    before, day, after = around(date(2026, 3, 15))
    assert [refusal(check_enrolment, BIRTH, q, None) for q in (before, day, after)] == \
        [None, "late_elderly", "late_elderly"]


def test_check_enrolment_dependent_of_ineligible_insured():
    """A dependent only while the insured is eligible: insured covered 2020-04-01 … 2025-08-31."""
    family = Family()
    family.insured()
    family.lose(1, date(2025, 9, 1))
    history = family.history
    days = (date(2020, 3, 31), date(2020, 4, 1), *around(date(2025, 9, 1)))
    assert [refusal(check_enrolment, date(2010, 1, 1), q, history.state(1, q)) for q in days] == \
        ["insured_not_eligible", None, None, "insured_not_eligible", "insured_not_eligible"]


def test_check_enrolment_dependent_of_insured_past_75():
    family = Family()
    family.insured(birth=date(1950, 12, 10))
    history = family.history
    assert [refusal(check_enrolment, date(1960, 1, 1), q, history.state(1, q))
            for q in around(date(2025, 12, 10))] == [None, "insured_not_eligible", "insured_not_eligible"]


# ================================================================== check_disqualification

def test_check_disqualification_after_qualified_on_only():
    family = Family()
    family.insured(qualified_on=date(2025, 4, 1))
    state = family.history.state(1, date(2025, 4, 1))
    before, day, after = around(date(2025, 4, 1))
    assert [refusal(check_disqualification, state, d, False) for d in (before, day, after)] == \
        ["invalid_period", "invalid_period", None]


def test_check_disqualification_second_registered_loss_refused_409():
    family = Family()
    family.insured(qualified_on=date(2025, 4, 1))
    family.lose(1, date(2025, 9, 1))
    state = family.history.state(1, date(2025, 9, 1))
    with pytest.raises(DomainError) as refused:
        check_disqualification(state, date(2025, 10, 1), True)
    assert (refused.value.code, refused.value.status) == ("already_disqualified", 409)


def test_check_disqualification_invalid_period_is_422():
    family = Family()
    family.insured(qualified_on=date(2025, 4, 1))
    with pytest.raises(DomainError) as refused:
        check_disqualification(family.history.state(1, date(2025, 4, 1)), date(2025, 4, 1), False)
    assert (refused.value.status, refused.value.field) == (422, "disqualified_on")


# ================================================================== my_number_in_use

def holder(lost_on: date | None = None, birth: date = date(1980, 5, 10)):
    """A record holding the same 個人番号: insured since 2020, lost on `lost_on` if given."""
    family = Family(symbol="9001")
    family.insured(birth=birth)
    if lost_on:
        family.lose(1, lost_on)
    return family.history.state(1, date(2025, 1, 1))


def test_my_number_in_use_overlap_vs_re_enrolment_after_loss():
    """Lost on 2025-09-01: a new record from 2025-08-31 overlaps; from 09-01 or later it is a re-enrolment."""
    before, day, after = around(date(2025, 9, 1))
    lost = [holder(date(2025, 9, 1))]
    assert [my_number_in_use(lost, q) for q in (before, day, after)] == [True, False, False]


def test_my_number_in_use_by_a_current_record():
    assert my_number_in_use([holder()], date(2030, 1, 1))


def test_my_number_in_use_until_the_holder_leaves_at_75():
    old = [holder(birth=date(1950, 12, 10))]
    assert [my_number_in_use(old, q) for q in around(date(2025, 12, 10))] == [True, False, False]


def test_my_number_in_use_any_of_several_holders():
    holders = [holder(date(2022, 1, 1)), holder()]
    assert my_number_in_use(holders, date(2025, 1, 1))
    assert not my_number_in_use(holders[:1], date(2025, 1, 1))
    assert not my_number_in_use([], date(2025, 1, 1))
