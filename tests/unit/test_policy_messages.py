"""Every day a message names is the policy's (issue 13, D-109): with another policy each message
names that policy's day in 和暦; with the national dates it says, byte for byte, what it said
when the days were written into the text."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from shikaku.demo.generator import _summary
from shikaku.demo.loading import Counts
from shikaku.domain.certificates import check_certificates_exist, renewal_cycle_end
from shikaku.domain.errors import DomainError
from shikaku.domain.legacy import legacy_card_valid_until
from shikaku.domain.myna import readiness
from shikaku.domain.policy import DEFAULT_POLICY, Period, Policy, configured_policy
from shikaku.domain.reception import DeskFacts, advise, assess
from shikaku.domain.reception import Presented as P
from shikaku.domain.verification import Validity as V
from shikaku.entrypoints.web.labels import cohort_options, cohorts, renewal_hint
from tests.builders import myna_card

EXTENDED = configured_policy({"provisional_handling_until": "2026-09-30"})  # R-PROV-1 extended
LEGACY_USE_TO_JAN = Policy(legacy_card_use=Period(None, date(2026, 1, 31)))


def desk(on: date, presented: P, policy: Policy, data: V = V.VALID, legacy: bool = True):
    """The desk of a facility with online verification, the printed data checked online."""
    return assess(DeskFacts(on, True, True, frozenset({presented}), None, data, False, legacy), policy)


def refusal(call) -> str:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.message


# ------------------------------------------------------------------ R-PROV-1 at the desk

PROVISIONAL = "暫定的な取扱い（{}まで）により、オンライン資格確認で資格を確認しました。保険診療を受けられます"


@pytest.mark.parametrize("presented, code", [(P.NOTICE, "provisional_notice"),
                                             (P.PORTAL, "provisional_notice"),
                                             (P.LEGACY_CARD, "provisional_legacy_card")])
def test_r_prov_1_extended_names_and_keeps_its_last_day(presented, code):
    last = desk(date(2026, 9, 30), presented, EXTENDED)
    assert (last.insured_treatment, last.code, last.message) == (True, code, PROVISIONAL.format("令和8年9月30日"))
    after = desk(date(2026, 10, 1), presented, EXTENDED)
    assert not after.insured_treatment and after.code in ("notice_alone", "legacy_card_ended")


def test_r_prov_1_national_last_day_says_what_it_always_said():
    last = desk(date(2026, 3, 31), P.NOTICE, DEFAULT_POLICY)
    assert last.insured_treatment and last.message == \
        "暫定的な取扱い（令和8年3月31日まで）により、オンライン資格確認で資格を確認しました。保険診療を受けられます"
    assert not desk(date(2026, 4, 1), P.NOTICE, DEFAULT_POLICY).insured_treatment


# ------------------------------------------------------------------ R-LEG-2 / R-LEG-3

def test_r_leg_3_the_ended_legacy_card_names_the_policy_last_day():
    ended = desk(date(2026, 2, 1), P.LEGACY_CARD, LEGACY_USE_TO_JAN, data=V.NOT_FOUND)
    assert (ended.code, ended.message) == (
        "legacy_card_ended", "健康保険証は令和8年1月31日で使えなくなりました。マイナ保険証または資格確認書をご提示ください")
    national = desk(date(2025, 12, 2), P.LEGACY_CARD, DEFAULT_POLICY, data=V.NOT_FOUND)
    assert national.message == "健康保険証は令和7年12月1日で使えなくなりました。マイナ保険証または資格確認書をご提示ください"


def test_r_leg_2_what_to_bring_names_the_policy_last_day():
    facts = DeskFacts(date(2026, 1, 10), True, True, frozenset({P.MYNA_CARD}), V.NOT_FOUND, V.VALID,
                      False, True)
    answer = advise(facts, True, None, LEGACY_USE_TO_JAN)
    assert answer.bring is P.LEGACY_CARD and "経過措置により令和8年1月31日まで使えます" in answer.reasons[-1]


def test_r_leg_1_the_discontinued_card_names_the_first_day_without_issue():
    policy = Policy(legacy_card_issue=Period(None, date(2025, 3, 31)))
    assert refusal(lambda: legacy_card_valid_until(date(2025, 4, 1), None, policy)) == \
        "令和7年4月1日以降、健康保険証は発行・再交付できません。資格確認書の交付をご案内ください"
    assert refusal(lambda: legacy_card_valid_until(date(2024, 12, 2), None, DEFAULT_POLICY)) == \
        "令和6年12月2日以降、健康保険証は発行・再交付できません。資格確認書の交付をご案内ください"


# ------------------------------------------------------------------ 資格確認書 (R-CERT-4, -5, -8)

def test_r_cert_5_certificates_exist_from_the_policy_first_day():
    policy = Policy(certificates=Period(date(2025, 1, 6), None))
    assert refusal(lambda: check_certificates_exist(date(2025, 1, 5), "applied_on", policy)) == \
        "資格確認書は令和7年1月6日以降に交付されます"
    assert refusal(lambda: check_certificates_exist(date(2024, 12, 1), "applied_on", DEFAULT_POLICY)) == \
        "資格確認書は令和6年12月2日以降に交付されます"


def test_r_cert_8_the_renewal_window_opens_on_the_policy_day():
    policy = Policy(renewal_opens=(10, 1))
    cycle_end = date(2029, 11, 30)
    assert refusal(lambda: renewal_cycle_end(date(2029, 9, 30), cycle_end, policy)) == \
        "更新の処理は有効期限の年の10月1日から有効期限までに行います"
    assert renewal_cycle_end(date(2029, 10, 1), cycle_end, policy) == cycle_end
    assert refusal(lambda: renewal_cycle_end(date(2029, 8, 31), cycle_end, DEFAULT_POLICY)) == \
        "更新の処理は有効期限の年の9月1日から有効期限までに行います"


def test_r_cert_4_the_run_pages_name_the_policy_day_of_the_cohort():
    policy = Policy(ex_officio_enrolled_by=date(2025, 3, 31))
    assert cohorts(policy)["legacy_holders"] == "令和7年3月31日以前に加入した方（健康保険証をお持ちだった方）"
    assert cohort_options(policy)[1] == ("all_without_myna", "資格のあるすべての方（令和7年4月1日以降の加入者を含む）")
    assert cohort_options(DEFAULT_POLICY) == [
        ("legacy_holders", "令和6年12月1日以前に加入した方（健康保険証をお持ちだった方）"),
        ("all_without_myna", "資格のあるすべての方（令和6年12月2日以降の加入者を含む）")]


def test_r_cert_8_the_run_form_hint_names_the_next_cycle_end_and_the_window():
    assert renewal_hint(Policy(renewal_opens=(10, 1)), date(2030, 1, 1)) == \
        "空欄の場合は処理日以降の最初の有効期限（令和16年11月30日など）。処理日は有効期限の年の10月1日以降にしてください。"
    assert renewal_hint(DEFAULT_POLICY, date(2026, 6, 1)) == \
        "空欄の場合は処理日以降の最初の有効期限（令和11年11月30日など）。処理日は有効期限の年の9月1日以降にしてください。"


# ------------------------------------------------------------------ R-MYNA-5 and the demo

def test_r_myna_5_the_grace_named_is_the_policy_grace():
    expired = myna_card(expires_on=date(2026, 1, 15))
    found = readiness(date(2025, 1, 6), [expired], date(2026, 1, 16), Policy(myna_certificate_grace_months=1))
    assert found.in_grace and "猶予期間の令和8年2月28日まで" in found.message


def test_the_demo_summary_names_the_last_day_of_legacy_card_issue():
    ctx = SimpleNamespace(policy=Policy(legacy_card_issue=Period(None, date(2024, 11, 30))),
                          today=lambda: date(2026, 6, 1))
    loader = SimpleNamespace(counts=Counts(insured=1, legacy_cards=1), employers={},
                             ledger=SimpleNamespace(touched_symbols=set(), known_symbols=set()))
    assert "健康保険証（令和6年11月30日以前の交付）1 件" in _summary(ctx, loader, [], 1.0)
    national = SimpleNamespace(policy=DEFAULT_POLICY, today=ctx.today)
    assert "健康保険証（令和6年12月1日以前の交付）1 件" in _summary(national, loader, [], 1.0)
