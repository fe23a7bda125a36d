"""The desk (service_layer.reception) under the context's policy (D-109): with R-PROV-1 extended
by configuration a facility is answered yes through the new last day, told that day, and no the
day after; with the national dates the answer is the one it always was."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.domain.reception import Presented
from shikaku.entrypoints.bootstrap import PROVISIONAL_ENV, dated_policy
from shikaku.service_layer import commands, reception
from tests.service.test_reception import enrol

pytestmark = pytest.mark.usefixtures("online_ctx")
MY_NUMBER = "123456789018"


def notice_at_desk(ctx, clinic, member, on: date) -> dict:
    """A facility with online verification shown the notice alone, the printed data checked online."""
    return reception.assess(ctx, clinic, commands.ReceptionAssessment(
        service_date=on, facility=commands.ReceptionFacility(online_verification=True),
        presented=[Presented.NOTICE], symbol=member.symbol, number=member.number,
        branch=member.branch, birth_date=member.birth_date))


def test_r_prov_1_extended_by_configuration(ctx, clerk, clinic):
    ctx.policy = dated_policy({PROVISIONAL_ENV: "2026-09-30"})
    member = enrol(ctx, clerk, my_number=MY_NUMBER)
    last = notice_at_desk(ctx, clinic, member, date(2026, 9, 30))
    assert (last["insured_treatment"], last["code"]) == (True, "provisional_notice")
    assert last["message"] == "暫定的な取扱い（令和8年9月30日まで）により、オンライン資格確認で資格を確認しました。保険診療を受けられます"
    after = notice_at_desk(ctx, clinic, member, date(2026, 10, 1))
    assert (after["insured_treatment"], after["code"]) == (False, "notice_alone")


def test_r_prov_1_national_dates(ctx, clerk, clinic):
    member = enrol(ctx, clerk, my_number=MY_NUMBER)
    last = notice_at_desk(ctx, clinic, member, date(2026, 3, 31))
    assert (last["insured_treatment"], last["message"]) == (
        True, "暫定的な取扱い（令和8年3月31日まで）により、オンライン資格確認で資格を確認しました。保険診療を受けられます")
    assert notice_at_desk(ctx, clinic, member, date(2026, 4, 1))["code"] == "notice_alone"
    extended_day = notice_at_desk(ctx, clinic, member, date(2026, 9, 30))
    assert (extended_day["insured_treatment"], extended_day["code"]) == (False, "notice_alone")
