"""The members use cases (service_layer.members) against the in-memory unit of work: the
same decisions as on a database, with nothing stored when a rule refuses."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.domain.errors import DomainError
from shikaku.domain.registry import Kind, LossReason, Relationship
from shikaku.service_layer import commands, members

MY_NUMBER = "123456789018"


def insured(**fields) -> commands.Enrolment:
    values = dict(relationship=Relationship.INSURED, symbol="1234", name="山田 太郎", name_kana="ヤマダ タロウ",
                  birth_date=date(1980, 4, 2), sex="male", qualified_on=date(2026, 4, 1),
                  registered_on=date(2026, 4, 3), standard_monthly_remuneration=300_000)
    return commands.Enrolment(**values | fields)


def dependent(insured_id: str, **fields) -> commands.Enrolment:
    values = dict(relationship=Relationship.DEPENDENT, insured_id=insured_id, name="山田 花子",
                  name_kana="やまだ はなこ", birth_date=date(2015, 5, 5), sex="female",
                  qualified_on=date(2026, 4, 1), registered_on=date(2026, 4, 3), kinship="child")
    return commands.Enrolment(**values | fields)


def test_enrol_hands_out_number_branch_and_publication_day(ctx, clerk, store):
    first = members.enrol(ctx, clerk, insured(my_number=MY_NUMBER))
    child = members.enrol(ctx, clerk, dependent(first.id))
    assert (first.symbol, first.number, first.branch) == ("1234", "1", "00")
    assert (child.number, child.branch, child.name_kana) == ("1", "01", "ヤマダ ハナコ")
    [family] = store.families.values()
    enrolment = family.history.of(int(first.id))[0]
    assert enrolment.kind is Kind.ENROLMENT and enrolment.data.with_my_number
    assert enrolment.publish_on == date(2026, 4, 7)  # 翌々営業日 of Friday 2026-04-03 (R-MYNA-2)
    assert [a["action"] for a in store.audit] == ["member.enrol", "member.enrol"]


def test_refused_enrolment_stores_nothing(ctx, clerk, store):
    first = members.enrol(ctx, clerk, insured(my_number=MY_NUMBER))
    before = (dict(store.families), list(store.audit), dict(store.ids))
    with pytest.raises(DomainError) as refused:
        members.enrol(ctx, clerk, insured(symbol="1234", name="別人", my_number=MY_NUMBER))
    assert refused.value.code == "duplicate_my_number"
    assert (store.families.keys(), store.audit, store.ids) == (before[0].keys(), before[1], before[2])
    assert members.get_member(ctx, clerk, first.id).eligible


def test_dependent_of_an_unknown_insured_is_refused(ctx, clerk):
    with pytest.raises(DomainError) as refused:
        members.enrol(ctx, clerk, dependent("999"))
    assert refused.value.code == "unknown_insured"


def test_disqualifying_the_insured_takes_the_dependents(ctx, clerk):
    first = members.enrol(ctx, clerk, insured())
    child = members.enrol(ctx, clerk, dependent(first.id))
    members.disqualify(ctx, clerk, first.id, commands.Disqualification(
        disqualified_on=date(2026, 9, 1), reason=LossReason.RETIREMENT, registered_on=date(2026, 9, 2)))
    assert [m.eligible for m in members.family(ctx, clerk, child.id, as_of=date(2026, 8, 31))] == [True, True]
    family = members.family(ctx, clerk, child.id, as_of=date(2026, 9, 1))
    assert [(m.eligible, m.loss_reason) for m in family] == [(False, "retirement"), (False, "insured_lost")]


def test_amend_changes_the_name_from_its_day(ctx, clerk):
    first = members.enrol(ctx, clerk, insured())
    members.amend(ctx, clerk, first.id, commands.Amendment(
        effective_on=date(2026, 7, 1), name="佐藤 太郎", name_kana="さとう たろう", registered_on=date(2026, 7, 1)))
    assert members.get_member(ctx, clerk, first.id, as_of=date(2026, 6, 30)).name == "山田 太郎"
    assert members.get_member(ctx, clerk, first.id, as_of=date(2026, 7, 1)).name_kana == "サトウ タロウ"
    found, total = members.search(ctx, clerk, commands.MemberSearch(kana="サトウ"))
    assert total == 1 and found[0].id == first.id


def test_amending_nothing_is_refused(ctx, clerk):
    first = members.enrol(ctx, clerk, insured())
    with pytest.raises(DomainError) as refused:
        members.amend(ctx, clerk, first.id, commands.Amendment(effective_on=date(2026, 7, 1)))
    assert refused.value.code == "nothing_to_change"


def test_my_number_registration_is_audited_as_a_correction(ctx, clerk, store):
    first = members.enrol(ctx, clerk, insured(my_number=MY_NUMBER))
    view = members.register_my_number(ctx, clerk, first.id, commands.MyNumberRegistration(
        my_number="621498320257", registered_on=date(2026, 6, 1)))
    assert view.my_number_masked.endswith("0257")
    assert store.audit[-1]["detail"]["corrected"] is True
    assert members.search_by_my_number(ctx, clerk, "621498320257")[0].id == first.id
    assert members.search_by_my_number(ctx, clerk, MY_NUMBER) == []
