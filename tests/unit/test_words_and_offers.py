"""Issue 14 item 7: loss reasons by 続柄 (D-155), the applications that can apply to a member on
a day (D-157), 公開前 documents (D-158) and the 刑の名称 on a card's back by its 交付年月日 (D-156)."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.domain.certificates import (
    CertificateReason,
    HeldCertificate,
    IssuedDocument,
    applicable_documents,
)
from shikaku.domain.errors import DomainError
from shikaku.domain.family import Family as Aggregate
from shikaku.domain.policy import PENAL_TERM
from shikaku.domain.ratio import elderly_from, elderly_until
from shikaku.domain.registrations import Enrolled
from shikaku.domain.registry import (
    LOSS_REASONS_BY_RELATIONSHIP,
    REGISTRABLE_LOSS_REASONS,
    LossReason,
    Relationship,
)
from tests.builders import Family, around, insured_state
from tests.unit.test_corrections import Ledger, sealed

DAY = date(2026, 5, 20)
PERSON = dict(name="山田 太郎", name_kana="ヤマダ タロウ", birth_date=date(1980, 5, 10), sex="male")


def aggregate():
    ledger, family = Ledger(), Aggregate("7001", "1")
    insured = family.enrol_insured(ledger, Enrolled(**PERSON, standard_monthly_remuneration=300_000),
                                   date(2020, 4, 1), date(2020, 4, 1), sealed(), employer=None, employers_kept=False)
    dependent = family.add_dependent(ledger, Enrolled(**{**PERSON, "name": "山田 花子", "name_kana": "ヤマダ ハナコ",
                                                         "sex": "female"}, kinship="spouse"),
                                     date(2020, 4, 1), date(2020, 4, 1))
    return ledger, family, insured.member_id, dependent.member_id


# ------------------------------------------------------------------ 喪失理由 by 続柄 (D-155)

def test_every_registrable_reason_applies_to_someone_and_none_derived_does():
    offered = set().union(*LOSS_REASONS_BY_RELATIONSHIP.values())
    assert offered == REGISTRABLE_LOSS_REASONS
    assert set(LOSS_REASONS_BY_RELATIONSHIP) == set(Relationship)


def test_an_insured_cannot_lose_by_a_dependents_reason():
    ledger, family, insured, _ = aggregate()
    with pytest.raises(DomainError) as refused:
        family.disqualify(ledger, insured, DAY, LossReason.DEPENDENT_INELIGIBLE, DAY)
    assert (refused.value.code, refused.value.field) == ("loss_reason_not_applicable", "reason")


@pytest.mark.parametrize("reason", [LossReason.RETIREMENT, LossReason.EMPLOYER_LEFT])
def test_a_dependent_cannot_retire(reason):
    ledger, family, _, dependent = aggregate()
    with pytest.raises(DomainError) as refused:
        family.disqualify(ledger, dependent, DAY, reason, DAY)
    assert refused.value.code == "loss_reason_not_applicable"


@pytest.mark.parametrize("relationship", list(Relationship))
def test_each_offered_reason_is_registered(relationship):
    for reason in LOSS_REASONS_BY_RELATIONSHIP[relationship]:
        ledger, family, insured, dependent = aggregate()
        member = insured if relationship is Relationship.INSURED else dependent
        assert family.disqualify(ledger, member, DAY, reason, DAY).data.reason == reason.value


# ------------------------------------------------------------------ what applies (D-157)

BIRTH = date(1956, 6, 15)  # 70 on 2026-06-14: 高齢受給者 from 2026-07-01, sent from 2026-06-01


def offers(on: date, birth: date = BIRTH, myna_usable: bool = False, **insured) -> frozenset[str]:
    return applicable_documents(insured_state(on, birth=birth, **insured), on, myna_usable)


def test_elderly_certificate_is_offered_from_the_month_before_70_to_the_day_before_75():
    opens = date(2026, 6, 1)
    assert elderly_from(BIRTH) == date(2026, 7, 1)
    assert ["elderly" in offers(d) for d in around(opens)] == [False, True, True]
    last = elderly_until(BIRTH)
    assert ["elderly" in offers(d) for d in around(last)] == [True, True, False]


def test_nothing_elderly_for_a_four_year_old_nor_with_myna():
    assert "elderly" not in offers(DAY, birth=date(2022, 1, 1))
    assert "elderly" not in offers(date(2026, 8, 1), myna_usable=True)


def test_limit_certificate_only_without_myna_and_reduction_only_when_tax_exempt():
    young = date(1980, 5, 10)
    assert {"limit", "specific_disease", "certificate", "dependent"} <= offers(DAY, birth=young)
    assert "limit" not in offers(DAY, birth=young, myna_usable=True)
    assert "limit_reduction" not in offers(DAY, birth=young)
    assert "limit_reduction" in offers(DAY, birth=young, resident_tax_exempt=True)


def test_notice_needs_a_my_number_and_dependents_come_from_an_insured():
    assert "notice" not in offers(DAY, with_my_number=False)
    family = Family()
    family.insured()
    dependent = family.dependent()
    assert "dependent" not in applicable_documents(family.history.state(dependent, DAY), DAY, False)


def test_nothing_is_offered_to_a_member_who_lost_eligibility():
    family = Family()
    family.insured()
    family.lose(1, date(2026, 4, 1))
    assert applicable_documents(family.history.state(1, DAY), DAY, False) == frozenset()


# ------------------------------------------------------------------ 公開前 (D-158)

def test_a_notice_issued_on_its_publication_day_is_pending_until_then():
    published = date(2026, 5, 22)
    notice = IssuedDocument(1, 1, "notice", "N1", published, None, None, {})
    before, on, after = around(published)
    assert [notice.becomes_valid_on(d, True) for d in (before, on, after)] == [published, None, None]
    assert not notice.valid_on(before, True) and notice.valid_on(on, True)
    assert notice.becomes_valid_on(before, False) is None  # not eligible: never valid, not pending


def test_a_cancelled_or_superseded_certificate_is_not_pending():
    start = date(2026, 6, 1)
    held = HeldCertificate("K1", CertificateReason.NO_CARD, start, date(2029, 11, 30))
    assert [held.becomes_valid_on(d, True) for d in around(start)] == [start, None, None]
    cancelled = HeldCertificate("K1", CertificateReason.NO_CARD, start, date(2029, 11, 30), cancelled_on=start)
    assert cancelled.becomes_valid_on(date(2026, 5, 31), True) is None


# ------------------------------------------------------------------ 懲役 → 拘禁刑 (D-156)

def test_penal_term_by_issue_date():
    assert [PENAL_TERM.on(d) for d in around(date(2025, 6, 1))] == ["懲役", "拘禁刑", "拘禁刑"]
