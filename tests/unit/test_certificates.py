"""資格確認書 (R-CERT-1…8), notices (R-NOTICE-1, -4), limit / elderly / 特定疾病 certifications
(R-LIM-3…5, R-ELD-1, R-SPD-1), at their boundary dates."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shikaku.domain import certificates as rules
from shikaku.domain.certificates import CertificateReason as R
from shikaku.domain.certificates import HeldCertificate, NoticeReason
from shikaku.domain.errors import DomainError
from shikaku.domain.myna import MynaCard
from shikaku.domain.policy import DEFAULT_POLICY
from tests.builders import Family, around, insured_state

ON = date(2025, 10, 1)
REGISTERED = MynaCard("C1", date(2031, 12, 31), date(2021, 10, 20))
CARD_ONLY = MynaCard("C2", date(2031, 12, 31))


def state(on: date = ON, **insured):
    return insured_state(on, **insured)


def apply(reason, on=ON, cards=(), usable=False, held=(), overridden=False, **member):
    return rules.decide_application(reason, on, state(on, **member), list(cards), usable, list(held),
                                    overridden, DEFAULT_POLICY)


def refusal(call) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


# ---------------------------------------------------------------- R-CERT-5 expiry

@pytest.mark.parametrize("issued, birth, expected", [
    (date(2024, 12, 2), date(1980, 5, 10), date(2029, 11, 30)),
    (date(2029, 11, 30), date(1980, 5, 10), date(2029, 11, 30)),
    (date(2029, 12, 1), date(1980, 5, 10), date(2034, 11, 30)),
    (date(2025, 10, 1), date(1954, 3, 10), date(2029, 3, 9)),  # the day before the 75th birthday
    (date(2025, 10, 1), date(1954, 12, 1), date(2029, 11, 30)),  # 75th birthday the day after E
    (date(2025, 10, 1), date(1954, 11, 30), date(2029, 11, 29)),
])
def test_r_cert_5_expiry(issued, birth, expected):
    assert rules.certificate_expiry(issued, state(issued, birth=birth), DEFAULT_POLICY) == expected


def test_r_cert_5_known_coverage_end_caps_the_expiry():
    assert rules.certificate_expiry(ON, state(coverage_ends_on=date(2027, 3, 31)), DEFAULT_POLICY) == \
        date(2027, 3, 31)


def test_r_cert_5_none_before_2024_12_02():
    assert refusal(lambda: apply(R.NO_CARD, date(2024, 12, 1))) == "before_certificates"
    assert apply(R.NO_CARD, date(2024, 12, 2)).expires_on == date(2029, 11, 30)


@given(st.dates(date(2024, 12, 2), date(2060, 1, 1)))
def test_r_cert_5_cycle_end_is_the_first_one_on_or_after(day):
    end = rules.cycle_end_on_or_after(day, DEFAULT_POLICY)
    assert (end.month, end.day) == (11, 30) and (end.year - 2029) % 5 == 0
    assert day <= end < date(day.year + 5, day.month, min(day.day, 28))


# ---------------------------------------------------------------- R-CERT-1…3 reasons

@pytest.mark.parametrize("reason", sorted(rules.DECLARED))
def test_r_cert_3_declared_reasons_are_accepted_even_for_myna_users(reason):
    assert apply(reason, cards=[REGISTERED], usable=True).valid_from == ON


def test_r_cert_3_expired_certificate_counts_only_after_the_grace():
    card = MynaCard("C3", date(2026, 1, 15), date(2021, 10, 20))  # works through 2026-04-30
    before, last, first_day = date(2026, 4, 29), date(2026, 4, 30), date(2026, 5, 1)
    for day in (before, last):
        assert refusal(lambda: apply(R.CERTIFICATE_EXPIRED, day, [card], True)) == \
            "reason_contradicts_registry"
    assert apply(R.CERTIFICATE_EXPIRED, first_day, [card], False).valid_from == first_day


@pytest.mark.parametrize("reason", [R.NOT_REGISTERED, R.REGISTRATION_CANCELLED])
def test_r_cert_3_registration_reasons_need_no_active_registration(reason):
    cancelled = MynaCard("C4", date(2031, 12, 31), date(2021, 10, 20), date(2026, 2, 2))
    day_before, day_of, _ = around(date(2026, 2, 2))
    assert refusal(lambda: apply(reason, day_before, [cancelled], True)) == "reason_contradicts_registry"
    assert apply(reason, day_of, [cancelled], False).valid_from == day_of


def test_r_cert_3_no_card_while_a_card_is_on_record():
    assert refusal(lambda: apply(R.NO_CARD, cards=[CARD_ONLY])) == "reason_contradicts_registry"
    assert apply(R.NO_CARD).valid_from == ON


def test_r_cert_3_supervisor_override_passes_a_contradiction():
    assert apply(R.NO_CARD, cards=[CARD_ONLY], overridden=True).valid_from == ON


def test_r_cert_1_other_only_when_myna_is_not_usable():
    assert refusal(lambda: apply(R.OTHER, cards=[REGISTERED], usable=True)) == "myna_usable"
    assert apply(R.OTHER, cards=[CARD_ONLY], usable=False).valid_from == ON


def test_r_cert_3_contradiction_is_checked_before_myna_usable():
    assert refusal(lambda: apply(R.NOT_REGISTERED, cards=[REGISTERED], usable=True)) == \
        "reason_contradicts_registry"


def test_r_cert_7_not_eligible_on_the_application_day():
    family = Family()
    member = family.insured()
    family.lose(member, date(2025, 5, 1))
    with pytest.raises(DomainError) as caught:
        rules.decide_application(R.NO_CARD, ON, family.history.state(member, ON), [], False, [], False,
                                 DEFAULT_POLICY)
    assert caught.value.code == "not_eligible"


# ---------------------------------------------------------------- R-CERT-6 one at a time

def test_r_cert_6_one_valid_certificate_and_reissue_supersedes():
    held = HeldCertificate("K1", R.NO_CARD, ON, date(2029, 11, 30))
    assert refusal(lambda: apply(R.NO_CARD, date(2026, 1, 10), held=[held])) == "already_holds_certificate"
    issue = apply(R.CERTIFICATE_LOST_OR_DAMAGED, date(2026, 1, 10), held=[held])
    assert issue.supersedes == ("K1",)
    superseded = HeldCertificate("K1", R.NO_CARD, ON, date(2029, 11, 30), superseded_on=date(2026, 1, 10))
    assert [superseded.valid_on(d) for d in around(date(2026, 1, 10))] == [True, False, False]
    expired = HeldCertificate("K0", R.NO_CARD, date(2024, 12, 2), date(2025, 9, 30))
    assert apply(R.NO_CARD, held=[expired]).supersedes == ()


# ---------------------------------------------------------------- R-CERT-4 ex officio, R-CERT-8 renewal

@pytest.mark.parametrize("qualified_on, cohort, included", [
    (date(2024, 12, 1), "legacy_holders", True), (date(2024, 12, 2), "legacy_holders", False),
    (date(2024, 12, 2), "all_without_myna", True)])
def test_r_cert_4_cohorts(qualified_on, cohort, included):
    assert rules.in_ex_officio_cohort(state(qualified_on=qualified_on), cohort, ON, False, [],
                                      DEFAULT_POLICY) is included


def test_r_cert_4_excludes_myna_users_and_holders():
    held = HeldCertificate("K1", R.NO_CARD, ON, date(2029, 11, 30))
    assert not rules.in_ex_officio_cohort(state(), "all_without_myna", ON, True, [], DEFAULT_POLICY)
    assert not rules.in_ex_officio_cohort(state(), "all_without_myna", ON, False, [held], DEFAULT_POLICY)


def test_r_cert_8_renewal_window_and_cohort():
    end = date(2029, 11, 30)
    assert rules.renewal_window(end, DEFAULT_POLICY) == date(2029, 9, 1)
    expiring = HeldCertificate("K1", R.NO_CARD, ON, end)
    assisted = HeldCertificate("K2", R.NEEDS_ASSISTANCE, ON, end)
    renewed = HeldCertificate("K3", R.RENEWAL, date(2029, 12, 1), date(2034, 11, 30))
    on = state(date(2029, 9, 1))
    assert rules.needs_renewal(on, end, False, [expiring])
    assert not rules.needs_renewal(on, end, True, [expiring])
    assert rules.needs_renewal(on, end, True, [assisted])  # ⑦ renewed without a new application
    assert not rules.needs_renewal(on, end, False, [expiring, renewed])
    family = Family()
    leaver = family.insured()
    family.lose(leaver, date(2029, 12, 1))
    assert not rules.needs_renewal(family.history.state(leaver, date(2029, 9, 1)), end, False, [expiring])


# ---------------------------------------------------------------- R-NOTICE-1, -4

def test_r_notice_1_no_notice_without_my_number():
    family = Family()
    member = family.insured(with_my_number=False)
    with pytest.raises(DomainError) as caught:
        rules.decide_notice(NoticeReason.INITIAL, ON, family.history.state(member, ON), False, False)
    assert caught.value.code == "no_my_number"


def test_r_notice_1_issued_once_published():
    family = Family()
    member = family.insured(with_my_number=False)
    family.my_number(member, date(2026, 2, 27))  # Friday → published Tuesday 03-03
    s = family.history.state(member, date(2026, 2, 27))
    assert rules.decide_notice(NoticeReason.INITIAL, date(2026, 2, 27), s, False, False) == date(2026, 3, 3)
    assert rules.decide_notice(NoticeReason.INITIAL, date(2026, 3, 10), s, False, False) == date(2026, 3, 10)
    with pytest.raises(DomainError) as caught:
        rules.decide_notice(NoticeReason.INITIAL, date(2026, 3, 10), s, False, True)
    assert caught.value.code == "already_issued"


@pytest.mark.parametrize("reason", [NoticeReason.LOST, NoticeReason.NAME_CHANGE])
def test_r_notice_4_reissue_only_without_the_portal(reason):
    s = state()
    with pytest.raises(DomainError) as caught:
        rules.decide_notice(reason, ON, s, True, True)
    assert caught.value.code == "portal_available"
    assert rules.decide_notice(reason, ON, s, False, True) == ON


# ---------------------------------------------------------------- R-LIM-3…5, R-ELD-1, R-SPD-1

def test_r_lim_3_no_certificate_for_myna_users():
    with pytest.raises(DomainError) as caught:
        rules.decide_limit(state(), True, ON)
    assert caught.value.code == "provided_online"


@pytest.mark.parametrize("remuneration, code", [(880_000, "A01"), (530_000, "A02"), (300_000, "A03"),
                                               (260_000, "A04")])
def test_r_lim_3_under_70_any_band(remuneration, code):
    assert rules.decide_limit(state(remuneration=remuneration), False, ON) == code


@pytest.mark.parametrize("remuneration, code", [(880_000, None), (530_000, "B02"), (300_000, "B03"),
                                               (260_000, None)])
def test_r_lim_3_from_70_only_active_income_i_and_ii(remuneration, code):
    elder = state(birth=date(1954, 6, 1), remuneration=remuneration)
    if code is None:
        with pytest.raises(DomainError) as caught:
            rules.decide_limit(elder, False, ON)
        assert caught.value.code == "not_applicable"
    else:
        assert rules.decide_limit(elder, False, ON) == code


def test_r_lim_4_reduction_for_the_resident_tax_exempt():
    with pytest.raises(DomainError) as caught:
        rules.decide_limit_reduction(state(), ON)
    assert caught.value.code == "not_applicable"
    assert rules.decide_limit_reduction(state(resident_tax_exempt=True), ON) == "A05"
    elder = state(birth=date(1954, 6, 1), resident_tax_exempt=True)
    assert rules.decide_limit_reduction(elder, ON) == "B05"
    assert rules.decide_limit_reduction(elder, ON, income_none=True) == "B06"


def test_r_lim_5_period_from_the_first_of_the_month_for_a_year():
    assert rules.certification_period(date(2026, 2, 17), state(date(2026, 2, 17)), DEFAULT_POLICY) == \
        (date(2026, 2, 1), date(2027, 1, 31))
    family = Family()
    member = family.insured()
    family.lose(member, date(2026, 9, 1))
    leaver = family.history.state(member, date(2026, 2, 17))
    assert rules.certification_period(date(2026, 2, 17), leaver, DEFAULT_POLICY) == \
        (date(2026, 2, 1), date(2026, 8, 31))


@pytest.mark.parametrize("disease, birth, remuneration, limit", [
    ("1", date(1980, 5, 10), 530_000, 20_000), ("1", date(1980, 5, 10), 500_000, 10_000),
    ("1", date(1954, 6, 1), 880_000, 10_000), ("2", date(1980, 5, 10), 880_000, 10_000),
    ("3", date(1980, 5, 10), 880_000, 10_000)])
def test_r_spd_1_limits(disease, birth, remuneration, limit):
    assert rules.specific_disease_limit(disease, state(birth=birth, remuneration=remuneration), ON) == limit


def test_r_eld_1_only_70_to_74_without_myna():
    born = date(1955, 9, 2)  # 高齢受給者 from 2025-10-01
    rules.decide_elderly_certificate(state(date(2025, 10, 1), birth=born), False, date(2025, 10, 1))
    for on, usable, code in ((date(2025, 9, 30), False, "not_applicable"),
                             (date(2025, 10, 1), True, "provided_online")):
        with pytest.raises(DomainError) as caught:
            rules.decide_elderly_certificate(state(on, birth=born), usable, on)
        assert caught.value.code == code
