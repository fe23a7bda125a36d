"""The documents use cases (service_layer.documents) against the in-memory unit of work: 資格確認書
applications with their reasons, refusals and overrides, notices, limit / 減額 / 特定疾病
certifications registered through the family, and 高齢受給者証 — what is stored and audited,
and nothing stored when a rule refuses."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.domain.certificates import CertificateReason, NoticeReason
from shikaku.domain.errors import DomainError
from shikaku.domain.myna import MynaCard
from shikaku.domain.numbers import luhn_check_digit
from shikaku.domain.registrations import Certified
from shikaku.domain.registry import Kind, LossReason, Relationship
from shikaku.service_layer import commands, documents, members
from shikaku.service_layer.auth import Actor, Forbidden, Role

MY_NUMBER = "123456789018"
APPLIED = date(2026, 1, 9)  # a Friday


@pytest.fixture
def supervisor() -> Actor:
    return Actor(Role.SUPERVISOR, "boss")


def enrol(ctx, clerk, my_number: str | None = None, **fields) -> members.MemberView:
    values = dict(relationship=Relationship.INSURED, symbol="1234", name="山田 太郎", name_kana="ヤマダ タロウ",
                  birth_date=date(1980, 4, 2), sex="male", qualified_on=date(2025, 4, 1),
                  registered_on=date(2025, 4, 3), standard_monthly_remuneration=300_000, my_number=my_number)
    return members.enrol(ctx, clerk, commands.Enrolment(**values | fields))


def with_card(ctx, clerk, store, registered_on: date | None = date(2025, 5, 1), **fields) -> members.MemberView:
    """A member with a My Number and a マイナンバーカード (registered for insurance use unless None)."""
    member = enrol(ctx, clerk, my_number=MY_NUMBER, **fields)
    digest = ctx.vault.lookup_hash(MY_NUMBER)
    store.cards[digest] = [MynaCard("C1", date(2031, 12, 31), registered_on)]
    return member


def apply(ctx, actor, member, reason: CertificateReason, on: date = APPLIED, **extra) -> dict:
    return documents.apply_for_certificate(ctx, actor, member.id, commands.CertificateApplication(
        reason=reason, applied_on=on, **extra))


def refusal(call) -> str:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code


def snapshot(store):
    return (list(store.certificates), list(store.documents), dict(store.serials), list(store.audit),
            {i: len(f.registrations) for i, f in store.families.items()})


def actions(store) -> list[str]:
    return [row["action"] for row in store.audit]


# ------------------------------------------------------------------ 資格確認書

def test_a_certificate_is_issued_for_its_reason_with_a_serial_and_audited(ctx, clerk, store):
    member = enrol(ctx, clerk)
    body = apply(ctx, clerk, member, CertificateReason.NO_CARD, note="本人来所")
    [cert] = store.certificates
    digits = body["serial"][1:10]
    assert body["serial"] == cert.serial == "K" + digits + luhn_check_digit(digits) and digits == "000000001"
    assert (cert.member_id, cert.reason, cert.issued_on, cert.valid_from, cert.expires_on, cert.run_id) == \
        (int(member.id), CertificateReason.NO_CARD, APPLIED, APPLIED, date(2029, 11, 30), None)
    assert body["id"] == str(cert.id) and body["reason"] == "no_card"
    assert store.audit[-1]["action"] == "certificate.issue"
    assert store.audit[-1]["detail"] == {"serial": cert.serial, "reason": "no_card", "supersedes": [],
                                         "note": "本人来所"}


def test_a_reason_the_registry_contradicts_is_refused_and_nothing_stored(ctx, clerk, store):
    member = with_card(ctx, clerk, store)
    before = snapshot(store)
    assert refusal(lambda: apply(ctx, clerk, member, CertificateReason.NO_CARD)) == "reason_contradicts_registry"
    assert refusal(lambda: apply(ctx, clerk, member, CertificateReason.OTHER)) == "myna_usable"
    assert snapshot(store) == before


def test_an_override_needs_a_supervisor_and_is_audited(ctx, clerk, supervisor, store):
    member = with_card(ctx, clerk, store)
    with pytest.raises(Forbidden):
        apply(ctx, clerk, member, CertificateReason.NO_CARD, override_note="カードは破損")
    assert store.certificates == []
    apply(ctx, supervisor, member, CertificateReason.NO_CARD, override_note="カードは破損")
    [cert] = store.certificates
    assert cert.override_note == "カードは破損"
    assert actions(store)[-2:] == ["certificate.issue", "certificate.override"]
    assert store.audit[-1]["detail"] == {"serial": cert.serial, "reason": "no_card", "note": "カードは破損"}


def test_a_note_without_contradiction_overrides_nothing(ctx, supervisor, store):
    member = enrol(ctx, supervisor)
    apply(ctx, supervisor, member, CertificateReason.NO_CARD, override_note="念のため")
    assert store.certificates[0].override_note is None
    assert "certificate.override" not in actions(store)


def test_run_reasons_cannot_be_applied_for(ctx, clerk, store):
    assert refusal(lambda: documents.apply_for_certificate(ctx, clerk, "999", commands.CertificateApplication(
        reason=CertificateReason.EX_OFFICIO))) == "invalid_reason"


def test_a_holder_is_refused_a_second_one_but_a_reissue_supersedes(ctx, clerk, store):
    member = enrol(ctx, clerk)
    first = apply(ctx, clerk, member, CertificateReason.NO_CARD)
    before = snapshot(store)
    assert refusal(lambda: apply(ctx, clerk, member, CertificateReason.CARD_LOST, date(2026, 2, 1))) == \
        "already_holds_certificate"
    assert snapshot(store) == before
    reissue = apply(ctx, clerk, member, CertificateReason.CERTIFICATE_LOST_OR_DAMAGED, date(2026, 2, 1))
    old, new = store.certificates
    assert (old.serial, old.superseded_on, new.serial) == (first["serial"], date(2026, 2, 1), reissue["serial"])
    assert store.audit[-1]["detail"]["supersedes"] == [first["serial"]]
    listed = documents.list_certificates(ctx, clerk, member.id, as_of=date(2026, 2, 1))
    assert [c["valid_on_as_of"] for c in listed] == [False, True]


def test_a_certificate_proves_eligibility_only_while_eligible(ctx, clerk):
    member = enrol(ctx, clerk)
    apply(ctx, clerk, member, CertificateReason.NO_CARD)
    members.disqualify(ctx, clerk, member.id, commands.Disqualification(
        disqualified_on=date(2026, 7, 1), reason=LossReason.RETIREMENT, registered_on=date(2026, 7, 1)))
    valid = lambda on: documents.list_certificates(ctx, clerk, member.id, as_of=on)[0]["valid_on_as_of"]  # noqa: E731
    assert (valid(APPLIED - date.resolution), valid(date(2026, 6, 30)), valid(date(2026, 7, 1))) == \
        (False, True, False)


def test_no_certificate_for_a_member_not_eligible(ctx, clerk, store):
    member = enrol(ctx, clerk)
    before = snapshot(store)
    assert refusal(lambda: apply(ctx, clerk, member, CertificateReason.NO_CARD, date(2025, 3, 31))) == "not_eligible"
    assert snapshot(store) == before


# ------------------------------------------------------------------ 資格情報のお知らせ

def notice(ctx, clerk, member, reason: NoticeReason, on: date = APPLIED, **extra) -> dict:
    return documents.issue_notice(ctx, clerk, member.id, commands.NoticeApplication(
        reason=reason, applied_on=on, **extra))


def test_the_initial_notice_waits_for_publication_and_is_issued_once(ctx, clerk, store):
    member = enrol(ctx, clerk)
    assert refusal(lambda: notice(ctx, clerk, member, NoticeReason.INITIAL)) == "no_my_number"
    members.register_my_number(ctx, clerk, member.id, commands.MyNumberRegistration(
        my_number=MY_NUMBER, registered_on=APPLIED))
    first = notice(ctx, clerk, member, NoticeReason.INITIAL)
    assert first["issued_on"] == date(2026, 1, 14)  # 翌々営業日 of Friday 2026-01-09, after the 12th's holiday
    [doc] = store.documents
    assert (doc.kind, doc.serial, doc.detail) == ("notice", first["serial"], {"reason": "initial"})
    assert first["serial"].startswith("N")
    assert store.audit[-1]["action"] == "notice.issue"
    before = snapshot(store)
    assert refusal(lambda: notice(ctx, clerk, member, NoticeReason.INITIAL, date(2026, 2, 1))) == "already_issued"
    assert snapshot(store) == before


def test_a_notice_is_reissued_only_when_the_portal_cannot_be_viewed(ctx, clerk, store):
    member = enrol(ctx, clerk, my_number=MY_NUMBER)
    before = snapshot(store)
    assert refusal(lambda: notice(ctx, clerk, member, NoticeReason.LOST, portal_accessible=True)) == \
        "portal_available"
    assert snapshot(store) == before
    reissued = notice(ctx, clerk, member, NoticeReason.LOST)
    assert (reissued["issued_on"], store.documents[0].detail) == (APPLIED, {"reason": "lost"})


# ------------------------------------------------------------------ certifications

def limit(ctx, clerk, member, kind: str, on: date = APPLIED, **extra) -> dict:
    return documents.certify_limit(ctx, clerk, member.id, commands.LimitApplication(kind=kind, applied_on=on, **extra))


def certifications(store, member) -> list:
    family = next(f for f in store.families.values() if int(member.id) in f.members)
    return [r for r in family.history.of(int(member.id)) if r.kind is Kind.CERTIFICATION]


def test_a_limit_certificate_goes_on_paper_and_is_not_registered(ctx, clerk, store):
    member = enrol(ctx, clerk)
    body = limit(ctx, clerk, member, "limit")
    assert (body["category_code"], body["certificate_issued"], body["valid_from"], body["valid_until"]) == \
        ("A03", True, date(2026, 1, 1), date(2026, 12, 31))
    [doc] = store.documents
    assert (doc.kind, doc.serial, doc.detail) == ("limit", body["serial"], {"category_code": "A03"})
    assert body["serial"].startswith("L") and certifications(store, member) == []
    assert store.audit[-1]["action"] == "certification.limit"
    assert store.audit[-1]["detail"] == {"category": "A03", "serial": body["serial"]}


def test_a_myna_user_gets_no_limit_certificate_and_nothing_is_stored(ctx, clerk, store):
    member = with_card(ctx, clerk, store)
    before = snapshot(store)
    assert refusal(lambda: limit(ctx, clerk, member, "limit")) == "provided_online"
    assert snapshot(store) == before


def test_a_reduction_is_registered_for_online_verification_and_paper_only_without_myna(ctx, clerk, store):
    member = with_card(ctx, clerk, store, resident_tax_exempt=True)
    body = limit(ctx, clerk, member, "limit_reduction")
    assert (body["category_code"], body["certificate_issued"], body["serial"]) == ("A05", False, None)
    [registered] = certifications(store, member)
    assert registered.data == Certified("limit_reduction", date(2026, 12, 31), category_code="A05")
    assert (registered.effective_on, registered.registered_on, registered.publish_on) == \
        (date(2026, 1, 1), APPLIED, date(2026, 1, 14))
    [doc] = store.documents
    assert (doc.kind, doc.serial, doc.valid_until) == ("limit_reduction", None, date(2026, 12, 31))
    assert members.get_member(ctx, clerk, member.id, as_of=date(2026, 1, 14)).limit_category_code == "A05"


def test_a_reduction_for_a_taxpayer_is_refused_and_nothing_registered(ctx, clerk, store):
    member = enrol(ctx, clerk)
    before = snapshot(store)
    assert refusal(lambda: limit(ctx, clerk, member, "limit_reduction")) == "not_applicable"
    assert snapshot(store) == before


def test_a_specific_disease_is_registered_for_everyone(ctx, clerk, store):
    member = enrol(ctx, clerk, standard_monthly_remuneration=560_000)
    body = documents.certify_specific_disease(ctx, clerk, member.id, commands.SpecificDiseaseApplication(
        disease="1", applied_on=APPLIED))
    assert (body["limit_yen"], body["valid_from"], body["certificate_issued"]) == (20_000, date(2026, 1, 1), True)
    [registered] = certifications(store, member)
    assert registered.data == Certified("specific_disease", None, disease="1", limit_yen=20_000)
    [doc] = store.documents
    assert (doc.kind, doc.serial, doc.detail) == ("specific_disease", body["serial"],
                                                  {"disease": "1", "limit_yen": 20_000})
    assert body["serial"].startswith("T") and store.audit[-1]["action"] == "certification.specific_disease"


def test_no_specific_disease_for_a_member_not_eligible(ctx, clerk, store):
    member = enrol(ctx, clerk)
    before = snapshot(store)
    assert refusal(lambda: documents.certify_specific_disease(ctx, clerk, member.id, commands.SpecificDiseaseApplication(
        disease="2", applied_on=date(2025, 3, 1)))) == "not_eligible"
    assert snapshot(store) == before


def test_the_elderly_certificate_runs_to_the_next_july_31(ctx, clerk, store):
    member = enrol(ctx, clerk, birth_date=date(1956, 3, 10))  # 70 on 2026-03-10: 70–74 from 2026-04-01
    before = snapshot(store)
    assert refusal(lambda: documents.issue_elderly_certificate(ctx, clerk, member.id, commands.ElderlyApplication(
        applied_on=date(2026, 2, 27)))) == "not_applicable"
    assert snapshot(store) == before
    body = documents.issue_elderly_certificate(ctx, clerk, member.id, commands.ElderlyApplication(
        applied_on=date(2026, 3, 2)))
    assert (body["valid_from"], body["valid_until"], body["copay_ratio"]) == (date(2026, 4, 1), date(2026, 7, 31), 30)
    [doc] = store.documents
    assert (doc.kind, doc.issued_on, doc.detail) == ("elderly", date(2026, 3, 2), {"copay_ratio": 30})
    assert store.audit[-1] == {"actor": "clerk", "role": "clerk", "action": "certificate.elderly",
                               "target": member.id, "detail": {"serial": body["serial"]}}


def test_documents_are_listed_with_their_validity(ctx, clerk):
    member = enrol(ctx, clerk)
    limit(ctx, clerk, member, "limit")
    [listed] = documents.list_documents(ctx, clerk, member.id, as_of=date(2027, 1, 1))
    assert (listed["kind"], listed["category_code"], listed["valid_on_as_of"]) == ("limit", "A03", False)
    assert documents.list_documents(ctx, clerk, member.id, as_of=date(2026, 12, 31))[0]["valid_on_as_of"]
