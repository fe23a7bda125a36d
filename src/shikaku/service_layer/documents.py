"""Use cases of the documents (DOMAIN.md §5, §6, §8): 資格確認書 applications, notices, limit /
elderly / 特定疾病 certifications, their PDFs, and the check of a printed card's QR code."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..adapters.db import repository as repo
from ..adapters.signing import ForgedCard
from ..domain import certificates as rules
from ..domain.addresses import Delivery
from ..domain.certificates import (
    Approval,
    CertificateReason,
    EligibilityCertificate,
    HeldCertificate,
    IssuedDocument,
)
from ..domain.documents import (
    SPECIFIC_DISEASES,
    ElderlyCertificatePrint,
    EligibilityCertificatePrint,
    EligibilityNoticePrint,
    Holder,
    LimitCertificatePrint,
    SpecificDiseaseCertificatePrint,
)
from ..domain.errors import DomainError
from ..domain.family import Family
from ..domain.limits import CATEGORIES, self_pay_limit
from ..domain.myna import MynaCard, Readiness, myna_usable, readiness
from ..domain.registry import MemberState
from . import addresses, commands, society
from .auth import Actor, Permission, authorize
from .context import Context
from .members import find_family
from .unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Situation:
    """A member on a day, with what the national side knows of their cards."""

    member_id: int
    state: MemberState
    cards: list[MynaCard]
    myna_usable: bool


def situation(ctx: Context, uow: UnitOfWork, family: Family, member_id: int, on: date) -> Situation:
    """A member of `family` on `on`, with their マイナンバーカード and whether マイナ保険証 works."""
    state = family.history.state(member_id, on)
    sealed = family.members[member_id].my_number
    cards = uow.myna_cards.by_hash([sealed.digest]).get(sealed.digest, []) if sealed else []
    return Situation(member_id, state, cards, myna_usable(state.online_from, cards, on, ctx.policy))


def myna_status(ctx: Context, actor: Actor, member_id: str,
                as_of: date | None = None) -> tuple[Readiness, list[MynaCard]]:
    """マイナ保険証 on `as_of` with the reason when it does not work, and the cards on record."""
    authorize(actor, Permission.MEMBERS_READ)
    on = as_of or ctx.today()
    with ctx.reading() as uow:
        who = situation(ctx, uow, *find_family(uow, member_id), on)
    return readiness(who.state.online_from, who.cards, on, ctx.policy), who.cards


def applicable_documents(ctx: Context, actor: Actor, member_id: str, as_of: date | None = None) -> frozenset[str]:
    """The applications the member page offers on `as_of` (`certificates.applicable_documents`)."""
    authorize(actor, Permission.MEMBERS_READ)
    on = as_of or ctx.today()
    with ctx.reading() as uow:
        who = situation(ctx, uow, *find_family(uow, member_id), on)
    return rules.applicable_documents(who.state, on, who.myna_usable)


def new_serial(uow: UnitOfWork, kind: str) -> str:
    """交付番号 of a new document of `kind` (never reused)."""
    return rules.serial_number(kind, uow.serials.next(kind))


def held_certificates(uow: UnitOfWork, member_id: int) -> list[HeldCertificate]:
    """The 資格確認書 a member was issued, in issue order."""
    return [certificate.held for certificate in uow.certificates.of_member(member_id)]


def issue_certificate(uow: UnitOfWork, member_id: int, reason: CertificateReason, issued_on: date,
                      valid_from: date, expires_on: date, run_id: int | None = None,
                      override_note: str | None = None) -> dict:
    """Records a 資格確認書 with a new 交付番号; returns it as the API shows an issue."""
    serial = new_serial(uow, "certificate")
    cert_id = uow.certificates.add(member_id, serial, reason, issued_on, valid_from, expires_on,
                                   run_id=run_id, override_note=override_note)
    return {"id": str(cert_id), "member_id": str(member_id), "serial": serial,
            "issued_on": issued_on, "valid_from": valid_from, "expires_on": expires_on,
            "reason": reason.value}


def apply_for_certificate(ctx: Context, actor: Actor, member_id: str,
                          form: commands.CertificateApplication) -> dict:
    """資格確認書（再）交付申請, decided by `decide_application` (R-CERT-1, R-CERT-2, R-CERT-3,
    R-CERT-5, R-CERT-6); an override of R-CERT-3 needs admin or supervisor."""
    authorize(actor, Permission.MEMBERS_WRITE)
    if form.override_note:
        authorize(actor, Permission.OVERRIDE)
    rules.check_applicable(form.reason)
    on = form.applied_on or ctx.today()
    with ctx.writing() as uow:
        who = situation(ctx, uow, *find_family(uow, member_id, for_update=True), on)
        overridden = rules.is_overridden(form.reason, form.override_note, who.cards, on, ctx.policy)
        issue = rules.decide_application(form.reason, on, who.state, who.cards, who.myna_usable,
                                         held_certificates(uow, who.member_id), overridden, ctx.policy)
        if issue.supersedes:
            uow.certificates.supersede(issue.supersedes, on)
        body = issue_certificate(uow, who.member_id, form.reason, on, issue.valid_from, issue.expires_on,
                                 override_note=form.override_note if overridden else None)
        uow.audit(actor, "certificate.issue", str(who.member_id), serial=body["serial"],
                  reason=form.reason.value, supersedes=list(issue.supersedes),
                  **({"note": form.note} if form.note else {}))
        if overridden:
            uow.audit(actor, "certificate.override", str(who.member_id), serial=body["serial"],
                      reason=form.reason.value, note=form.override_note)
    return body


def list_certificates(ctx: Context, actor: Actor, member_id: str, as_of: date | None = None) -> list[dict]:
    """The member's 資格確認書, each with whether it proves eligibility on `as_of` (R-CERT-7)."""
    authorize(actor, Permission.MEMBERS_READ)
    on = as_of or ctx.today()
    with ctx.reading() as uow:
        family, member = find_family(uow, member_id)
        return certificates_of(uow, member, on, family.history.state(member, on).eligible)


def certificates_of(uow: UnitOfWork, member_id: int, on: date, eligible: bool) -> list[dict]:
    """A member's 資格確認書 in issue order, each with `valid_on_as_of` (R-CERT-7)."""
    return [{"id": str(c.id), "serial": c.serial, "issued_on": c.issued_on,
             "valid_from": c.valid_from, "expires_on": c.expires_on, "reason": c.reason.value,
             "superseded_on": c.superseded_on, "run_id": str(c.run_id) if c.run_id else None,
             "cancelled_on": c.cancelled_on, "cancel_reason": c.cancel_reason, "cancelled_by": c.cancelled_by,
             "returned_on": c.returned_on,  # 返納 (D-118)
             "valid_on_as_of": rules.proves_eligibility(c.held, on, eligible),
             "becomes_valid_on": c.held.becomes_valid_on(on, eligible)}
            for c in uow.certificates.of_member(member_id)]


def holder(ctx: Context, state: MemberState) -> Holder:
    insurer = society.insurer_record(ctx)
    i = state.identity
    return Holder(name=state.name, name_kana=state.name_kana, birth_date=state.birth_date,
                  sex=state.sex, relationship=i.relationship.value, symbol=i.symbol, number=i.number,
                  branch=i.branch, insurer_number=insurer["insurer_number"], insurer_name=insurer["name"],
                  qualified_on=state.qualified_on)


def certificate_print(ctx: Context, family: Family, cert: EligibilityCertificate) -> EligibilityCertificatePrint:
    """What a 資格確認書 prints: its holder as on its first valid day (R-CERT-10)."""
    state = family.history.state(cert.member_id, cert.valid_from)
    ratio, ratio_from = rules.printed_ratio(state, cert.valid_from)
    return EligibilityCertificatePrint(serial=cert.serial, holder=holder(ctx, state),
                                       issued_on=cert.issued_on, valid_from=cert.valid_from,
                                       expires_on=cert.expires_on, copay_ratio=ratio,
                                       ratio_effective_from=ratio_from)


def certificate_pdf(ctx: Context, actor: Actor, cert_id: str) -> bytes:
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as uow:
        cert = uow.certificates.get(repo.parse_id(cert_id))
        if cert is None:
            raise DomainError("certificate_not_found", "該当する資格確認書が見つかりません", status=404)
        return ctx.renderer.eligibility_certificate(certificate_print(ctx, uow.families.get(cert.member_id), cert))


def _record(uow: UnitOfWork, member_id: int, kind: str, issued_on: date, paper: bool,
            valid_from: date | None = None, valid_until: date | None = None, **detail) -> tuple[int, str | None]:
    serial = new_serial(uow, kind) if paper else None
    doc_id = uow.documents.add(member_id, kind, serial, issued_on, valid_from, valid_until, detail)
    return doc_id, serial


def issue_notice(ctx: Context, actor: Actor, member_id: str, form: commands.NoticeApplication) -> dict:
    """資格情報のお知らせ: initial issue, or a reissue only when the portal cannot be viewed."""
    authorize(actor, Permission.MEMBERS_WRITE)
    on = form.applied_on or ctx.today()
    with ctx.writing() as uow:
        who = situation(ctx, uow, *find_family(uow, member_id, for_update=True), on)
        issued = any(d.kind == "notice" for d in uow.documents.of_member(who.member_id))
        issued_on = rules.decide_notice(form.reason, on, who.state, form.portal_accessible, issued)
        doc_id, serial = _record(uow, who.member_id, "notice", issued_on, True, reason=form.reason.value)
        uow.audit(actor, "notice.issue", str(who.member_id), reason=form.reason.value, serial=serial)
    return {"id": str(doc_id), "serial": serial, "issued_on": issued_on, "reason": form.reason.value}


def _certify(uow: UnitOfWork, family: Family, member_id: int, decision: Approval, on: date,
             **detail) -> tuple[int, str | None]:
    """Registers an approval that reaches online verification (R-MYNA-4) and records its
    document (paper or not)."""
    approved = decision.approved
    if decision.registered:
        family.certify(uow.ledger, member_id, approved, decision.valid_from, on)
        uow.families.save(family)
    return _record(uow, member_id, approved.kind, on, decision.paper, decision.valid_from,
                   approved.valid_until, **detail)


def certify_limit(ctx: Context, actor: Actor, member_id: str, form: commands.LimitApplication) -> dict:
    """限度額適用認定 (R-LIM-3) or 限度額適用・標準負担額減額認定 (R-LIM-4, R-LIM-5)."""
    authorize(actor, Permission.MEMBERS_WRITE)
    on = form.applied_on or ctx.today()
    with ctx.writing() as uow:
        family, member = find_family(uow, member_id, for_update=True)
        who = situation(ctx, uow, family, member, on)
        decision = rules.decide_limit_certification(form.kind, who.state, who.myna_usable, on,
                                                    form.income_none, ctx.policy)
        code, valid_until = decision.approved.category_code, decision.approved.valid_until
        doc_id, serial = _certify(uow, family, member, decision, on, category_code=code)
        uow.audit(actor, f"certification.{form.kind}", str(member), category=code, serial=serial)
    return {"id": str(doc_id), "kind": form.kind, "category_code": code, "category": CATEGORIES[code].label,
            "certificate_issued": decision.paper, "serial": serial, "valid_from": decision.valid_from,
            "valid_until": valid_until}


def certify_specific_disease(ctx: Context, actor: Actor, member_id: str,
                             form: commands.SpecificDiseaseApplication) -> dict:
    """特定疾病の認定 (R-SPD-1): online for everyone, a 受療証 only without マイナ保険証."""
    authorize(actor, Permission.MEMBERS_WRITE)
    on = form.applied_on or ctx.today()
    with ctx.writing() as uow:
        family, member = find_family(uow, member_id, for_update=True)
        who = situation(ctx, uow, family, member, on)
        decision = rules.decide_specific_disease(form.disease, who.state, who.myna_usable, on)
        limit = decision.approved.limit_yen
        doc_id, serial = _certify(uow, family, member, decision, on, disease=form.disease, limit_yen=limit)
        uow.audit(actor, "certification.specific_disease", str(member), disease=form.disease,
                  serial=serial)
    return {"id": str(doc_id), "disease": form.disease, "limit_yen": limit, "valid_from": decision.valid_from,
            "certificate_issued": decision.paper, "serial": serial}


def issue_elderly_certificate(ctx: Context, actor: Actor, member_id: str,
                              form: commands.ElderlyApplication) -> dict:
    """高齢受給者証 (R-ELD-1): from the start of 70–74 (or the month applied), to the next 07-31."""
    authorize(actor, Permission.MEMBERS_WRITE)
    on = form.applied_on or ctx.today()
    with ctx.writing() as uow:
        family, member = find_family(uow, member_id, for_update=True)
        valid_from = rules.elderly_certificate_start(family.history.state(member, on).birth_date, on)
        who = situation(ctx, uow, family, member, valid_from)
        rules.decide_elderly_certificate(who.state, who.myna_usable, valid_from)
        valid_until = rules.elderly_certificate_end(who.state, valid_from)
        ratio = who.state.copay_ratio
        doc_id, serial = _record(uow, member, "elderly", on, True, valid_from, valid_until, copay_ratio=ratio)
        uow.audit(actor, "certificate.elderly", str(member), serial=serial)
    return {"id": str(doc_id), "serial": serial, "copay_ratio": ratio, "valid_from": valid_from,
            "valid_until": valid_until, "certificate_issued": True}


def document_pdf(ctx: Context, actor: Actor, doc_id: str) -> bytes:
    """The PDF of a notice or a certification's paper certificate."""
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as uow:
        doc = uow.documents.get(repo.parse_id(doc_id))
        if doc is None or doc.serial is None:
            raise DomainError("document_not_found", "該当する書類が見つかりません（紙の交付なし）", status=404)
        family = uow.families.get(doc.member_id)
        state = family.history.state(doc.member_id, doc.valid_from or doc.issued_on)
        delivery = addresses.delivery_of(uow, family, doc.member_id, state.name) if doc.kind == "notice" else None
    return _document_pdf(ctx, doc, state, delivery)


def _document_pdf(ctx: Context, doc: IssuedDocument, state: MemberState, delivery: Delivery | None = None) -> bytes:
    """The PDF of a document; the notice, an A4 letter, carries its address block (D-115)."""
    who = holder(ctx, state)
    if doc.kind == "notice":
        ratio, ratio_from = rules.printed_ratio(state, doc.issued_on)
        return ctx.renderer.eligibility_notice(EligibilityNoticePrint(
            holder=who, issued_on=doc.issued_on, copay_ratio=ratio, ratio_effective_from=ratio_from), delivery)
    printed = card_print(ctx, doc, state)
    if isinstance(printed, LimitCertificatePrint):
        return ctx.renderer.limit_certificate(printed)
    if isinstance(printed, ElderlyCertificatePrint):
        return ctx.renderer.elderly_certificate(printed)
    return ctx.renderer.specific_disease_certificate(printed)


def card_print(ctx: Context, doc: IssuedDocument, state: MemberState):
    """What the card of a certification (限度額, 高齢受給者, 特定疾病) prints."""
    who = holder(ctx, state)
    if doc.kind in ("limit", "limit_reduction"):
        code = doc.detail["category_code"]
        return LimitCertificatePrint(
            kind=doc.kind, serial=doc.serial, holder=who, category_code=code,
            category=CATEGORIES[code].label, issued_on=doc.issued_on, valid_from=doc.valid_from,
            valid_until=doc.valid_until)
    if doc.kind == "elderly":
        return ElderlyCertificatePrint(
            serial=doc.serial, holder=who, copay_ratio=doc.detail["copay_ratio"], issued_on=doc.issued_on,
            valid_from=doc.valid_from, valid_until=doc.valid_until)
    return SpecificDiseaseCertificatePrint(
        serial=doc.serial, holder=who, disease=doc.detail["disease"],
        disease_name=SPECIFIC_DISEASES[doc.detail["disease"]], limit_yen=doc.detail["limit_yen"],
        issued_on=doc.issued_on, valid_from=doc.valid_from)


def list_documents(ctx: Context, actor: Actor, member_id: str, as_of: date | None = None) -> list[dict]:
    authorize(actor, Permission.MEMBERS_READ)
    on = as_of or ctx.today()
    with ctx.reading() as uow:
        family, member = find_family(uow, member_id)
        return documents_of(uow, member, on, family.history.state(member, on).eligible)


def documents_of(uow: UnitOfWork, member_id: int, on: date, eligible: bool) -> list[dict]:
    """A member's notices and certifications in issue order (`serial` None: recorded, no
    paper), each with `valid_on_as_of`: eligible and within its period."""
    return [{"id": str(d.id), "kind": d.kind, "serial": d.serial, "issued_on": d.issued_on,
             "valid_from": d.valid_from, "valid_until": d.valid_until, **d.detail,
             "cancelled_on": d.cancelled_on, "cancel_reason": d.cancel_reason, "cancelled_by": d.cancelled_by,
             "valid_on_as_of": d.valid_on(on, eligible), "becomes_valid_on": d.becomes_valid_on(on, eligible)}
            for d in uow.documents.of_member(member_id)]


def check_card(ctx: Context, actor: Actor, payload: str) -> dict:
    """Checks the signed QR payload of a printed card: genuine and unaltered, and what it says."""
    authorize(actor, Permission.CHECK_CARD)
    try:
        fields = ctx.signer.verify(payload)
    except ForgedCard:
        return {"genuine": False, "message": "この証の二次元コードは真正ではありません（偽造または改ざんの疑い）"}
    return {"genuine": True, "fields": fields, "message": "保険者が発行した真正な証です"}


def calculate_self_pay_limit(ctx: Context, actor: Actor, category_code: str, medical_cost: int,
                             month: date, outpatient_only: bool = False) -> dict:
    """自己負担限度額の試算 (R-LIM-2) for a category and a month's total medical cost."""
    authorize(actor, Permission.SOCIETY_READ)
    if category_code not in CATEGORIES:
        raise DomainError("unknown_category", "適用区分のコードが正しくありません（A01〜A05, B01〜B06）", "category")
    limit = self_pay_limit(category_code, medical_cost, month, outpatient_only)
    return {"category_code": category_code, "category": CATEGORIES[category_code].label,
            "month": month.replace(day=1), "medical_cost": medical_cost,
            "outpatient_only": outpatient_only, "limit_yen": limit}
