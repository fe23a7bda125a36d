"""The desk table (DOMAIN.md §9) with R-PROV-1, R-LEG-2/-3 and R-NOTICE-2/-3, at its dates."""
from __future__ import annotations

import re
from datetime import date

import pytest

from shikaku.domain.policy import DEFAULT_POLICY
from shikaku.domain.reception import DeskFacts, assess
from shikaku.domain.reception import Presented as P
from shikaku.domain.verification import Validity as V

ORDINARY = date(2026, 6, 1)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def desk(presented, on=ORDINARY, online=True, reader=True, card=None, data=None,
         certificate=False, legacy=False):
    facts = DeskFacts(on, online, reader, frozenset(presented), card, data, certificate, legacy)
    answer = assess(facts, DEFAULT_POLICY)
    assert JAPANESE.search(answer.message), answer
    return answer


def test_myna_card_online_is_yes_only_when_verification_says_valid():
    assert desk([P.MYNA_CARD], card=V.VALID).insured_treatment
    assert not desk([P.MYNA_CARD], card=V.NOT_FOUND).insured_treatment
    lost = desk([P.MYNA_CARD], card=V.INVALID)
    assert not lost.insured_treatment and lost.code == "published_loss"


@pytest.mark.parametrize("online, reader", [(False, True), (True, False)])
def test_myna_card_with_the_notice_or_portal_when_it_cannot_be_read(online, reader):
    for paper in (P.NOTICE, P.PORTAL):
        answer = desk([P.MYNA_CARD, paper], online=online, reader=reader)
        assert answer.insured_treatment and answer.code == "myna_with_notice"
    alone = desk([P.MYNA_CARD], online=online, reader=reader)
    assert not alone.insured_treatment and alone.code == "myna_needs_notice"


def test_a_published_loss_turns_the_visual_check_into_no_but_not_found_does_not():
    assert not desk([P.MYNA_CARD, P.NOTICE], reader=False, data=V.INVALID).insured_treatment
    assert not desk([P.MYNA_CARD, P.NOTICE], reader=False, data=V.NEW_QUALIFICATION).insured_treatment
    assert desk([P.MYNA_CARD, P.NOTICE], reader=False, data=V.NOT_FOUND).insured_treatment


def test_r_notice_2_notice_alone_is_no_outside_the_provisional_period():
    for day in (date(2025, 12, 1), date(2026, 4, 1)):
        answer = desk([P.NOTICE], on=day, data=V.VALID)
        assert not answer.insured_treatment and answer.code == "notice_alone"


def test_r_prov_1_notice_alone_yes_in_the_period_with_online_verification():
    for day in (date(2025, 12, 2), date(2026, 3, 31)):
        assert desk([P.PORTAL], on=day, data=V.VALID).code == "provisional_notice"
    assert not desk([P.NOTICE], on=date(2026, 1, 15), online=False, data=V.VALID).insured_treatment
    assert not desk([P.NOTICE], on=date(2026, 1, 15), data=V.NOT_FOUND).insured_treatment


def test_r_cert_7_certificate_valid_on_its_face():
    assert desk([P.CERTIFICATE], certificate=True).code == "certificate_valid"
    assert desk([P.CERTIFICATE], certificate=True, online=False).insured_treatment
    assert desk([P.CERTIFICATE], certificate=True, data=V.NOT_FOUND).insured_treatment
    assert not desk([P.CERTIFICATE], certificate=True, data=V.INVALID).insured_treatment
    assert not desk([P.CERTIFICATE], certificate=False).insured_treatment


def test_r_leg_2_legacy_card_through_2025_12_01():
    assert desk([P.LEGACY_CARD], on=date(2025, 12, 1), legacy=True).code == "legacy_card_valid"
    assert not desk([P.LEGACY_CARD], on=date(2025, 12, 1), legacy=True, data=V.INVALID).insured_treatment


def test_r_leg_3_and_r_prov_1_legacy_card_after_the_transition():
    online = desk([P.LEGACY_CARD], on=date(2025, 12, 2), legacy=True, data=V.VALID)
    offline = desk([P.LEGACY_CARD], on=date(2025, 12, 2), legacy=True, online=False, data=V.VALID)
    assert online.insured_treatment and online.code == "provisional_legacy_card"
    assert not offline.insured_treatment and offline.code != online.code
    assert not desk([P.LEGACY_CARD], on=date(2026, 4, 1), legacy=True, data=V.VALID).insured_treatment


def test_the_first_yes_wins_and_a_refusal_explains():
    assert desk([P.LEGACY_CARD, P.CERTIFICATE], on=date(2026, 6, 1), certificate=True).insured_treatment
    nothing = assess(DeskFacts(ORDINARY, True, True, frozenset(), None, None, False, False), DEFAULT_POLICY)
    assert not nothing.insured_treatment and nothing.code == "nothing_presented"
