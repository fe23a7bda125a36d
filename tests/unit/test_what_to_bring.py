"""What a member should bring (the portal's answer): the desk table (§9) applied to the member's
own documents, at a facility with online verification and at one where the card cannot be read."""
from __future__ import annotations

from datetime import date

from shikaku.domain.policy import DEFAULT_POLICY
from shikaku.domain.reception import DeskFacts, advise
from shikaku.domain.reception import Presented as P
from shikaku.domain.verification import Validity as V

ORDINARY = date(2026, 6, 1)
NO_REGISTRATION = "マイナンバーカードの健康保険証としての利用登録がされていません"


def advice(on=ORDINARY, card=None, data=V.VALID, certificate=False, legacy=False, eligible=True,
           reason=None):
    facts = DeskFacts(on, True, True, frozenset({P.MYNA_CARD}), card, data, certificate, legacy)
    return advise(facts, eligible, reason, DEFAULT_POLICY)


def test_a_working_myna_card_is_enough_and_comes_first():
    answer = advice(card=V.VALID, certificate=True)
    assert answer.bring is P.MYNA_CARD and answer.code == "myna"
    assert answer.with_online.code == "myna_online" and answer.without_online.code == "myna_with_notice"
    assert "資格情報画面" in answer.reasons[-1]


def test_a_certificate_when_the_card_does_not_work_with_the_reason():
    answer = advice(card=V.NOT_FOUND, certificate=True, reason=NO_REGISTRATION)
    assert answer.bring is P.CERTIFICATE and answer.headline == "資格確認書をお持ちください"
    assert answer.reasons[0] == NO_REGISTRATION + "。"
    assert answer.with_online.insured_treatment and answer.without_online.insured_treatment


def test_a_legacy_card_only_through_2025_12_01():
    answer = advice(on=date(2025, 12, 1), card=V.NOT_FOUND, legacy=True, reason=NO_REGISTRATION)
    assert answer.bring is P.LEGACY_CARD and "令和7年12月1日まで" in answer.reasons[-1]
    # R-PROV-1 accepts it online only; a member must be able to use it everywhere.
    later = advice(on=date(2026, 1, 10), card=V.NOT_FOUND, legacy=True, reason=NO_REGISTRATION)
    assert later.bring is None and later.code == "nothing_usable"
    assert later.reasons[0] == NO_REGISTRATION + "。" and "資格確認書の交付を申請" in later.reasons[1]


def test_a_loss_not_yet_published_is_not_hidden_from_the_member():
    answer = advice(card=V.VALID, certificate=True, eligible=False)
    assert answer.bring is None and answer.code == "not_eligible"
    assert answer.headline == "この健康保険では受診できません"
