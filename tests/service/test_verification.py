"""Online verification and birth-date guessing (service_layer.verification, .guessing) against
the in-memory fakes: what a facility is told, what is logged, the flags raised, listed and
released with their audit rows, and nothing stored when a release is refused."""
from __future__ import annotations

import inspect
from datetime import date

import pytest

from shikaku.adapters.access_log import AccessLogWriter
from shikaku.adapters.db.published import PublishedView
from shikaku.domain.errors import DomainError
from shikaku.domain.myna import MynaCard
from shikaku.domain.registry import LossReason, Relationship
from shikaku.service_layer import commands, guessing, members, verification
from shikaku.service_layer.auth import Actor, Role
from tests.service.fakes_verification import INSURER, FakeAccessLog, FakePublishedView

MY_NUMBER = "123456789018"
CLINIC = "1310112345"
TODAY = date(2026, 6, 1)
pytestmark = pytest.mark.usefixtures("online_ctx")


@pytest.fixture
def supervisor() -> Actor:
    return Actor(Role.SUPERVISOR, "boss")


def enrol(ctx, clerk, symbol="1234", my_number=MY_NUMBER, **fields) -> members.MemberView:
    values = dict(relationship=Relationship.INSURED, symbol=symbol, name="山田 太郎", name_kana="ヤマダ タロウ",
                  birth_date=date(1980, 4, 2), sex="male", qualified_on=date(2025, 4, 1),
                  registered_on=date(2025, 4, 3), standard_monthly_remuneration=300_000, my_number=my_number)
    return members.enrol(ctx, clerk, commands.Enrolment(**values | fields))


def card_data(member, **fields) -> commands.CardDataVerification:
    values = dict(method="card_info", service_date=TODAY, insurer_number=INSURER["insurer_number"],
                  symbol=member.symbol, number=member.number, branch=member.branch,
                  birth_date=member.birth_date, limit_consent=True)
    return commands.CardDataVerification(**values | fields)


@pytest.mark.parametrize(("fake", "real"), [(FakePublishedView, PublishedView), (FakeAccessLog, AccessLogWriter)])
def test_fakes_of_the_context_offer_the_same_methods(fake, real):
    def methods(cls):
        return {name: list(inspect.signature(member).parameters)
                for name, member in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}

    assert methods(fake) == methods(real)


def test_a_published_member_is_told_and_the_query_logged(ctx, clerk, clinic, store):
    member = enrol(ctx, clerk)
    answer = verification.verify(ctx, clinic, card_data(member))
    assert (answer["validity"], answer["validity_code"], answer["copay_ratio"]) == ("valid", "1", 30)
    assert answer["member"]["insurer_name"] == INSURER["name"]
    assert answer["member"]["relationship_code"] == "1" and answer["limit"]["code"]
    assert "my_number" not in str(answer) and MY_NUMBER not in str(answer)
    [entry] = store.access_log
    assert (entry["facility_code"], entry["method"], entry["validity_code"], entry["member_id"]) == \
        (CLINIC, "card_info", "1", int(member.id))


def test_without_consent_the_limit_category_is_withheld(ctx, clerk, clinic):
    member = enrol(ctx, clerk)
    answer = verification.verify(ctx, clinic, card_data(member, limit_consent=False))
    assert answer["validity_code"] == "1" and answer["limit"] is None


def test_full_width_digits_are_normalised(ctx, clerk, clinic):
    """R-NUM-4: 記号・番号・枝番 typed in full width find the member."""
    member = enrol(ctx, clerk)
    answer = verification.verify(ctx, clinic, card_data(member, symbol="１２３４", number="１", branch="0"))
    assert answer["validity_code"] == "1" and answer["member"]["symbol"] == "1234"


def test_a_member_not_yet_published_is_not_found(ctx, clerk, clinic, store):
    member = enrol(ctx, clerk, registered_on=date(2026, 5, 29))  # Friday: published Tuesday 06-02
    answer = verification.verify(ctx, clinic, card_data(member))
    assert answer == {"validity": "not_found", "validity_code": "4", "copay_ratio": None, "preschool": None,
                      "elderly": None, "limit": None, "specific_diseases": []}
    assert store.access_log[-1]["member_id"] is None


def test_a_newer_qualification_of_the_same_person_is_told_as_3(ctx, clerk, clinic):
    old = enrol(ctx, clerk)
    members.disqualify(ctx, clerk, old.id, commands.Disqualification(
        disqualified_on=date(2026, 4, 1), reason=LossReason.RETIREMENT, registered_on=date(2026, 4, 1)))
    enrol(ctx, clerk, symbol="5678", qualified_on=date(2026, 4, 1), registered_on=date(2026, 4, 2))
    answer = verification.verify(ctx, clinic, card_data(old))
    assert answer["validity_code"] == "3" and answer["copay_ratio"] is None
    assert answer["member"]["disqualified_on"] == date(2026, 4, 1)


def test_a_loss_without_a_newer_qualification_is_told_as_2(ctx, clerk, clinic):
    old = enrol(ctx, clerk)
    members.disqualify(ctx, clerk, old.id, commands.Disqualification(
        disqualified_on=date(2026, 4, 1), reason=LossReason.RETIREMENT, registered_on=date(2026, 4, 1)))
    assert verification.verify(ctx, clinic, card_data(old))["validity_code"] == "2"


@pytest.mark.parametrize(("cancelled_on", "code"), [(None, "1"), (date(2026, 5, 1), "4")])
def test_by_card_only_while_the_insurance_registration_holds(ctx, clerk, clinic, store, cancelled_on, code):
    """R-MYNA-1, R-MYNA-6: マイナ保険証 answers while its 利用登録 holds."""
    member = enrol(ctx, clerk)
    store.cards[ctx.vault.lookup_hash(MY_NUMBER)] = [MynaCard("C1", date(2031, 12, 31), date(2025, 5, 1), cancelled_on)]
    answer = verification.verify(ctx, clinic, commands.CardVerification(
        method="myna_card", service_date=TODAY, card_id="C1", identity_check="face"))
    assert answer["validity_code"] == code
    assert store.access_log[-1]["identity_check"] == "face"
    assert store.access_log[-1]["member_id"] == (int(member.id) if code == "1" else None)


def test_another_insurer_number_is_not_found(ctx, clerk, clinic):
    member = enrol(ctx, clerk)
    assert verification.verify(ctx, clinic, card_data(member, insurer_number="01130012"))["validity_code"] == "4"


def guess(ctx, clinic, member, tries: int) -> list[str]:
    return [verification.verify(ctx, clinic, card_data(member, birth_date=date(1950, 1, 1 + i)))["validity_code"]
            for i in range(tries)]


def test_guessing_raises_one_flag_stored_and_audited(ctx, clerk, clinic, store):
    member = enrol(ctx, clerk)
    assert guess(ctx, clinic, member, 6) == ["4"] * 6
    assert verification.verify(ctx, clinic, card_data(member))["validity_code"] == "4"  # whatever the truth
    [flag] = store.guessing_flags
    assert (flag.facility_code, flag.symbol, flag.number, flag.birth_dates) == (CLINIC, "1234", "1", 6)
    flagged = [a for a in store.audit if a["action"] == guessing.FLAGGED]
    assert flagged == [dict(actor=CLINIC, role="facility", action=guessing.FLAGGED, target="1234-1",
                            detail={"flag_id": flag.id, "birth_dates": 6})]
    items, total = guessing.list_flags(ctx, clerk)
    assert total == 1 and items[0]["live"] and items[0]["released_at"] is None


def test_full_width_guesses_count_for_the_same_number(ctx, clerk, clinic, store):
    member = enrol(ctx, clerk)
    guess(ctx, clinic, member, 3)
    for i in range(3):
        verification.verify(ctx, clinic, card_data(member, symbol="１２３４", birth_date=date(1960, 1, 1 + i)))
    assert [(f.symbol, f.birth_dates) for f in store.guessing_flags] == [("1234", 6)]


def test_staff_queries_are_never_counted(ctx, clerk, store):
    member = enrol(ctx, clerk)
    for i in range(8):
        verification.decide(ctx, clerk, card_data(member, birth_date=date(1950, 1, 1 + i)), TODAY)
    assert store.guessing_flags == []


def test_release_lifts_the_flag_once(ctx, clerk, clinic, supervisor, store):
    member = enrol(ctx, clerk)
    guess(ctx, clinic, member, 6)
    [flag] = store.guessing_flags
    released = guessing.release(ctx, supervisor, str(flag.id))
    assert released["id"] == flag.id and released["released_at"] is not None
    assert store.guessing_flags[0].released_by == "boss"
    assert store.audit[-1]["action"] == guessing.RELEASED
    assert store.audit[-1]["detail"] == {"flag_id": flag.id, "facility": CLINIC}
    assert verification.verify(ctx, clinic, card_data(member))["validity_code"] == "1"
    before = list(store.audit)
    with pytest.raises(DomainError) as again:
        guessing.release(ctx, supervisor, str(flag.id))
    assert (again.value.code, again.value.status) == ("flag_already_released", 409)
    with pytest.raises(DomainError) as unknown:
        guessing.release(ctx, supervisor, "99")
    assert (unknown.value.code, unknown.value.status) == ("flag_not_found", 404)
    assert store.audit == before


def test_a_clerk_cannot_release(ctx, clerk, clinic, store):
    member = enrol(ctx, clerk)
    guess(ctx, clinic, member, 6)
    with pytest.raises(DomainError) as refused:
        guessing.release(ctx, clerk, "1")
    assert refused.value.code == "forbidden" and store.guessing_flags[0].released_at is None


def test_a_batch_answers_in_order_and_logs_each_item(ctx, clerk, clinic, store):
    member = enrol(ctx, clerk)
    batch = commands.VerificationBatch(service_date=TODAY, items=[
        card_data(member, service_date=None), card_data(member, service_date=None, number="2")])
    assert [a["validity_code"] for a in verification.verify_batch(ctx, clinic, batch)] == ["1", "4"]
    assert [e["validity_code"] for e in store.access_log] == ["1", "4"]


def test_access_history_of_a_member(ctx, clerk, clinic, store):
    store.facility_names[CLINIC] = "試験医院"
    member = enrol(ctx, clerk)
    verification.verify(ctx, clinic, card_data(member))
    items, total = verification.access_history(ctx, clerk, member.id)
    assert total == 1 and (items[0]["facility_name"], items[0]["validity_code"]) == ("試験医院", "1")
    assert "id" not in items[0]
    with pytest.raises(DomainError) as unknown:
        verification.access_history(ctx, clerk, "999")
    assert (unknown.value.code, unknown.value.status) == ("member_not_found", 404)
