"""The member portal (service_layer.portal) against the in-memory fakes: the member behind the
session's card and no one else, every read audited with the card, nothing stored for a card of
nobody in the society."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.domain.certificates import CertificateReason
from shikaku.domain.errors import DomainError
from shikaku.domain.myna import MynaCard
from shikaku.domain.registry import LossReason, Relationship
from shikaku.service_layer import commands, documents, members, portal, verification
from shikaku.service_layer.auth import Actor, Role
from tests.service.fakes_verification import INSURER

MY_NUMBER = "123456789018"
CARD = "C1"
pytestmark = pytest.mark.usefixtures("online_ctx")


@pytest.fixture
def member_session() -> Actor:
    return Actor(Role.MEMBER, CARD)


def enrol(ctx, clerk, symbol="1234", **fields) -> members.MemberView:
    values = dict(relationship=Relationship.INSURED, symbol=symbol, name="山田 太郎", name_kana="ヤマダ タロウ",
                  birth_date=date(1980, 4, 2), sex="male", qualified_on=date(2025, 4, 1),
                  registered_on=date(2025, 4, 3), standard_monthly_remuneration=300_000, my_number=MY_NUMBER)
    return members.enrol(ctx, clerk, commands.Enrolment(**values | fields))


@pytest.fixture
def taro(ctx, clerk, store) -> members.MemberView:
    """An insured whose マイナ保険証 works, and who holds the card of the session."""
    member = enrol(ctx, clerk)
    store.cards[ctx.vault.lookup_hash(MY_NUMBER)] = [MynaCard(CARD, date(2031, 12, 31), date(2025, 5, 1))]
    return member


def audited(store) -> list[tuple[str, str, str | None]]:
    return [(a["actor"], a["action"], a["target"]) for a in store.audit if a["action"].startswith("portal.")]


def test_the_screen_is_the_member_own_and_audited(ctx, clerk, member_session, taro, store):
    documents.apply_for_certificate(ctx, clerk, taro.id, commands.CertificateApplication(
        reason=CertificateReason.NEEDS_ASSISTANCE, applied_on=date(2026, 5, 1)))
    screen = portal.screen(ctx, member_session)
    assert (screen.member.id, screen.member.as_of, screen.insurer_number) == (taro.id, ctx.today(),
                                                                              INSURER["insurer_number"])
    assert screen.myna_reason is None and screen.elderly is None
    assert [c["valid_on_as_of"] for c in screen.certificates] == [True]
    assert audited(store) == [(CARD, "portal.screen", taro.id)]


def test_a_card_of_nobody_is_refused_and_nothing_stored(ctx, member_session, store):
    with pytest.raises(DomainError) as refused:
        portal.screen(ctx, member_session)
    assert (refused.value.code, refused.value.status) == ("member_not_found", 404)
    assert store.audit == []


def test_a_re_enrolled_member_sees_the_record_in_force(ctx, clerk, member_session, taro, store):
    members.disqualify(ctx, clerk, taro.id, commands.Disqualification(
        disqualified_on=date(2026, 4, 1), reason=LossReason.RETIREMENT, registered_on=date(2026, 4, 1)))
    again = enrol(ctx, clerk, symbol="5678", qualified_on=date(2026, 4, 1), registered_on=date(2026, 4, 2))
    assert portal.screen(ctx, member_session).member.id == again.id
    ctx.today = lambda: date(2026, 3, 31)  # before the new qualification: the old record is in force
    assert portal.screen(ctx, member_session).member.id == taro.id


def test_the_history_shows_who_verified_the_member(ctx, clerk, member_session, taro, store):
    store.facility_names["1310112345"] = "試験医院"
    verification.verify(ctx, Actor(Role.FACILITY, "1310112345"), commands.CardVerification(
        method="myna_card", service_date=ctx.today(), card_id=CARD, identity_check="face"))
    items, total = portal.history(ctx, member_session)
    assert total == 1 and (items[0]["facility_name"], items[0]["method"]) == ("試験医院", "myna_card")
    assert audited(store) == [(CARD, "portal.history", taro.id)]


def test_what_to_bring_with_a_working_myna_card(ctx, member_session, taro, store):
    advice = portal.what_to_bring(ctx, member_session)
    assert (advice.bring, advice.code) == ("myna_card", "myna")
    assert audited(store) == [(CARD, "portal.what_to_bring", taro.id)]
    assert store.access_log == []  # the member's own check is no facility's verification


def test_what_to_bring_without_the_insurance_registration(ctx, clerk, member_session, store):
    enrol(ctx, clerk)
    store.cards[ctx.vault.lookup_hash(MY_NUMBER)] = [MynaCard(CARD, date(2031, 12, 31), None)]
    advice = portal.what_to_bring(ctx, member_session)
    assert advice.code == "nothing_usable" and "利用登録" in advice.reasons[0]
