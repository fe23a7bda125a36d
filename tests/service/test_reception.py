"""The reception desk (service_layer.reception) against the in-memory fakes: the registry's
truth for staff found by the printed data as verification finds it (R-NUM-4), legacy cards
judged by R-LEG-2, and a facility that learns only what online verification tells it."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.domain.reception import Presented
from shikaku.domain.registry import Relationship
from shikaku.service_layer import commands, guessing, members, reception

MY_NUMBER = "123456789018"
CLINIC = "1310112345"
pytestmark = pytest.mark.usefixtures("online_ctx")


def enrol(ctx, clerk, **fields) -> members.MemberView:
    values = dict(relationship=Relationship.INSURED, symbol="1234", name="山田 太郎", name_kana="ヤマダ タロウ",
                  birth_date=date(1980, 4, 2), sex="male", qualified_on=date(2024, 4, 1),
                  registered_on=date(2024, 4, 3), standard_monthly_remuneration=300_000)
    return members.enrol(ctx, clerk, commands.Enrolment(**values | fields))


def legacy_card(ctx, clerk, member, issued_on=date(2024, 4, 5), expires_on=None) -> None:
    members.add_legacy_card(ctx, clerk, member.id, commands.LegacyCard(issued_on=issued_on, expires_on=expires_on))


def at_desk(ctx, actor, member, on, **fields) -> dict:
    values = dict(service_date=on, facility=commands.ReceptionFacility(online_verification=True),
                  presented=[Presented.LEGACY_CARD], symbol=member.symbol, number=member.number,
                  branch=member.branch, birth_date=member.birth_date)
    return reception.assess(ctx, actor, commands.ReceptionAssessment(**values | fields))


def test_full_width_symbol_at_the_desk_finds_the_record_not_online(ctx, clerk):
    """R-NUM-4 at the desk as in verification: a member without a My Number (not online,
    R-MYNA-3) is found in the registry by the printed data typed in full width."""
    member = enrol(ctx, clerk)
    legacy_card(ctx, clerk, member)
    typed = at_desk(ctx, clerk, member, date(2025, 11, 1), symbol="１２３４", number="１", branch="0")
    assert (typed["insured_treatment"], typed["code"], typed["eligible_in_registry"]) == \
        (True, "legacy_card_valid", True)
    assert typed == at_desk(ctx, clerk, member, date(2025, 11, 1))


def test_full_width_symbol_at_the_desk_verifies_as_verification_does(ctx, clerk, clinic, store):
    member = enrol(ctx, clerk, my_number=MY_NUMBER)
    answer = at_desk(ctx, clinic, member, date(2025, 11, 1), symbol="１２３４",
                     presented=[Presented.NOTICE])
    assert (answer["insured_treatment"], answer["code"]) == (False, "notice_alone")
    assert answer["eligible_in_registry"] is None  # a facility is not told the registry's truth
    [entry] = store.access_log
    assert (entry["method"], entry["validity_code"], entry["member_id"]) == ("reception", "1", int(member.id))


def test_r_leg_2_a_legacy_card_holds_through_its_printed_expiry(ctx, clerk):
    member = enrol(ctx, clerk)
    legacy_card(ctx, clerk, member, expires_on=date(2025, 6, 30))
    assert at_desk(ctx, clerk, member, date(2025, 6, 30))["code"] == "legacy_card_valid"
    assert at_desk(ctx, clerk, member, date(2025, 7, 1))["code"] == "legacy_card_ended"


def test_r_leg_2_a_legacy_card_proves_nothing_before_its_issue(ctx, clerk):
    member = enrol(ctx, clerk)
    legacy_card(ctx, clerk, member, issued_on=date(2024, 10, 1))
    assert at_desk(ctx, clerk, member, date(2024, 9, 30))["code"] == "legacy_card_ended"
    assert at_desk(ctx, clerk, member, date(2024, 10, 1))["code"] == "legacy_card_valid"


def test_the_registry_truth_shows_a_loss_not_yet_online(ctx, clerk):
    member = enrol(ctx, clerk)
    legacy_card(ctx, clerk, member)
    members.disqualify(ctx, clerk, member.id, commands.Disqualification(
        disqualified_on=date(2025, 10, 1), reason="retirement", registered_on=date(2025, 10, 1)))
    answer = at_desk(ctx, clerk, member, date(2025, 11, 1))
    assert (answer["code"], answer["eligible_in_registry"]) == ("legacy_card_valid", False)  # 資格過誤 risk


def test_desk_attempts_of_a_facility_count_as_guessing(ctx, clerk, clinic, store):
    member = enrol(ctx, clerk, my_number=MY_NUMBER)
    for day in range(1, 7):
        at_desk(ctx, clinic, member, date(2025, 11, 1), birth_date=date(1950, 1, day))
    assert [(f.facility_code, f.symbol, f.birth_dates) for f in store.guessing_flags] == [(CLINIC, "1234", 6)]
    assert store.audit[-1]["action"] == guessing.FLAGGED
    assert [e["validity_code"] for e in store.access_log] == ["4"] * 6
