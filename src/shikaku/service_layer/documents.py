"""Use cases of the documents (DOMAIN.md §5, §6, §8): 資格確認書 applications, notices, limit /
elderly / 特定疾病 certifications, their PDFs, and the check of a printed card's QR code."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, insert, select, update

from ..adapters.db import repository as repo
from ..adapters.db.schema import documents, eligibility_certificates
from ..adapters.signing import ForgedCard
from ..domain import certificates as rules
from ..domain.certificates import CertificateReason, HeldCertificate
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
from ..domain.limits import CATEGORIES, self_pay_limit
from ..domain.myna import MynaCard, Readiness, myna_usable, readiness
from ..domain.numbers import luhn_check_digit
from ..domain.ratio import elderly_from, elderly_until, is_elderly
from ..domain.registry import Kind, MemberState
from . import commands, society
from .auth import Actor, Permission, authorize
from .context import Context, audit
from .members import find_member

# Serial prefixes (交付番号) by document kind.
SERIAL_PREFIX = {"certificate": "K", "notice": "N", "limit": "L", "limit_reduction": "G",
                 "elderly": "E", "specific_disease": "T"}


@dataclass(frozen=True)
class Situation:
    """A member on a day, with what the national side knows of their cards."""

    row: object
    state: MemberState
    cards: list[MynaCard]
    myna_usable: bool


def situation(conn: Connection, row, on: date) -> Situation:
    state = repo.load_family(conn, row.family_id).state(row.id, on)
    cards = repo.cards_by_hash(conn, [row.my_number_hash]).get(row.my_number_hash, []) \
        if row.my_number_hash else []
    return Situation(row, state, cards, myna_usable(state.online_from, cards, on))


def myna_status(ctx: Context, actor: Actor, member_id: str,
                as_of: date | None = None) -> tuple[Readiness, list[MynaCard]]:
    """マイナ保険証 on `as_of` with the reason when it does not work, and the cards on record."""
    authorize(actor, Permission.MEMBERS_READ)
    on = as_of or ctx.today()
    with ctx.reading() as conn:
        who = situation(conn, find_member(conn, member_id), on)
    return readiness(who.state.online_from, who.cards, on, ctx.policy), who.cards


def new_serial(conn: Connection, kind: str) -> str:
    """交付番号: prefix, 9 digits and an R-NUM-1 check digit; never reused."""
    digits = f"{repo.next_serial(conn, kind):09d}"
    return SERIAL_PREFIX[kind] + digits + luhn_check_digit(digits)


def held_certificates(conn: Connection, member_id: int) -> list[HeldCertificate]:
    rows = conn.execute(select(eligibility_certificates)
                        .where(eligibility_certificates.c.member_id == member_id)
                        .order_by(eligibility_certificates.c.id))
    return [_held(r) for r in rows]


def _held(row) -> HeldCertificate:
    return HeldCertificate(row.serial, CertificateReason(row.reason), row.valid_from,
                           row.expires_on, row.superseded_on)


def insert_certificate(conn: Connection, member_id: int, reason: CertificateReason, issued_on: date,
                       valid_from: date, expires_on: date, run_id: int | None = None,
                       override_note: str | None = None) -> dict:
    serial = new_serial(conn, "certificate")
    cert_id = conn.execute(insert(eligibility_certificates).values(
        member_id=member_id, serial=serial, reason=reason.value, issued_on=issued_on,
        valid_from=valid_from, expires_on=expires_on, run_id=run_id,
        override_note=override_note)).inserted_primary_key[0]
    return {"id": str(cert_id), "member_id": str(member_id), "serial": serial,
            "issued_on": issued_on, "valid_from": valid_from, "expires_on": expires_on,
            "reason": reason.value}


def apply_for_certificate(ctx: Context, actor: Actor, member_id: str,
                          form: commands.CertificateApplication) -> dict:
    """資格確認書（再）交付申請 (R-CERT-1…6); an override of R-CERT-3 needs admin or supervisor."""
    authorize(actor, Permission.MEMBERS_WRITE)
    if form.override_note:
        authorize(actor, Permission.OVERRIDE)
    if form.reason not in rules.APPLICABLE:
        raise DomainError("invalid_reason", "この理由では申請できません", "reason")
    on = form.applied_on or ctx.today()
    with ctx.writing() as conn:
        who = situation(conn, find_member(conn, member_id, for_update=True), on)
        held = held_certificates(conn, who.row.id)
        overridden = bool(form.override_note) and rules.contradiction(
            form.reason, who.cards, on, ctx.policy) is not None
        issue = rules.decide_application(form.reason, on, who.state, who.cards, who.myna_usable,
                                         held, overridden, ctx.policy)
        if issue.supersedes:
            conn.execute(update(eligibility_certificates)
                         .where(eligibility_certificates.c.serial.in_(issue.supersedes))
                         .values(superseded_on=on))
        body = insert_certificate(conn, who.row.id, form.reason, on, issue.valid_from, issue.expires_on,
                                  override_note=form.override_note if overridden else None)
        audit(conn, actor, "certificate.issue", str(who.row.id), serial=body["serial"],
              reason=form.reason.value, supersedes=list(issue.supersedes),
              **({"note": form.note} if form.note else {}))
        if overridden:
            audit(conn, actor, "certificate.override", str(who.row.id), serial=body["serial"],
                  reason=form.reason.value, note=form.override_note)
    return body


def list_certificates(ctx: Context, actor: Actor, member_id: str, as_of: date | None = None) -> list[dict]:
    """The member's 資格確認書, each with whether it proves eligibility on `as_of` (R-CERT-7)."""
    authorize(actor, Permission.MEMBERS_READ)
    on = as_of or ctx.today()
    with ctx.reading() as conn:
        row = find_member(conn, member_id)
        return certificates_of(conn, row.id, on, _eligible(conn, row, on))


def _eligible(conn: Connection, row, on: date) -> bool:
    return repo.load_family(conn, row.family_id).state(row.id, on).eligible


def certificates_of(conn: Connection, member_id: int, on: date, eligible: bool) -> list[dict]:
    """A member's 資格確認書 in issue order, each with `valid_on_as_of` (R-CERT-7)."""
    rows = conn.execute(select(eligibility_certificates)
                        .where(eligibility_certificates.c.member_id == member_id)
                        .order_by(eligibility_certificates.c.id))
    return [{"id": str(r.id), "serial": r.serial, "issued_on": r.issued_on,
             "valid_from": r.valid_from, "expires_on": r.expires_on, "reason": r.reason,
             "superseded_on": r.superseded_on, "run_id": str(r.run_id) if r.run_id else None,
             "valid_on_as_of": eligible and _held(r).valid_on(on)} for r in rows]


def holder(ctx: Context, state: MemberState) -> Holder:
    insurer = society.insurer_record(ctx)
    i = state.identity
    return Holder(name=state.name, name_kana=state.name_kana, birth_date=state.birth_date,
                  sex=state.sex, relationship=i.relationship.value, symbol=i.symbol, number=i.number,
                  branch=i.branch, insurer_number=insurer["insurer_number"], insurer_name=insurer["name"],
                  qualified_on=state.qualified_on)


def _ratio_lines(state: MemberState, on: date) -> dict:
    """R-CERT-10, R-NOTICE-1: from 70 the ratio and its 発効期日 are printed."""
    if not is_elderly(state.birth_date, on):
        return {}
    return {"copay_ratio": state.copay_ratio, "ratio_effective_from": max(elderly_from(state.birth_date), on)}


def certificate_print(ctx: Context, conn: Connection, cert) -> EligibilityCertificatePrint:
    row = repo.member_row(conn, cert.member_id)
    state = repo.load_family(conn, row.family_id).state(row.id, cert.valid_from)
    return EligibilityCertificatePrint(serial=cert.serial, holder=holder(ctx, state),
                                       issued_on=cert.issued_on, valid_from=cert.valid_from,
                                       expires_on=cert.expires_on, **_ratio_lines(state, cert.valid_from))


def certificate_pdf(ctx: Context, actor: Actor, cert_id: str) -> bytes:
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as conn:
        cert = conn.execute(select(eligibility_certificates).where(
            eligibility_certificates.c.id == repo.parse_id(cert_id))).first()
        if cert is None:
            raise DomainError("certificate_not_found", "該当する資格確認書が見つかりません", status=404)
        return ctx.renderer.eligibility_certificate(certificate_print(ctx, conn, cert))


def _record(conn: Connection, member_id: int, kind: str, issued_on: date, paper: bool,
            valid_from: date | None = None, valid_until: date | None = None, **detail) -> tuple[int, str | None]:
    serial = new_serial(conn, kind) if paper else None
    doc_id = conn.execute(insert(documents).values(
        member_id=member_id, kind=kind, serial=serial, issued_on=issued_on, valid_from=valid_from,
        valid_until=valid_until, detail=detail)).inserted_primary_key[0]
    return doc_id, serial


def issue_notice(ctx: Context, actor: Actor, member_id: str, form: commands.NoticeApplication) -> dict:
    """資格情報のお知らせ: initial issue, or a reissue only when the portal cannot be viewed."""
    authorize(actor, Permission.MEMBERS_WRITE)
    on = form.applied_on or ctx.today()
    with ctx.writing() as conn:
        who = situation(conn, find_member(conn, member_id, for_update=True), on)
        issued = conn.execute(select(documents.c.id).where(documents.c.member_id == who.row.id,
                                                           documents.c.kind == "notice")).first()
        issued_on = rules.decide_notice(form.reason, on, who.state, form.portal_accessible,
                                        issued is not None)
        doc_id, serial = _record(conn, who.row.id, "notice", issued_on, True, reason=form.reason.value)
        audit(conn, actor, "notice.issue", str(who.row.id), reason=form.reason.value, serial=serial)
    return {"id": str(doc_id), "serial": serial, "issued_on": issued_on, "reason": form.reason.value}


def _certification(conn: Connection, row, kind: str, valid_from: date, registered_on: date,
                   ctx: Context, **data) -> None:
    """Registers an approval so that it reaches online verification (R-MYNA-4)."""
    repo.add_registration(conn, family_id=row.family_id, member_id=row.id, kind=Kind.CERTIFICATION,
                          effective_on=valid_from, registered_on=registered_on,
                          publish_on=ctx.publish_on(registered_on), data={"kind": kind, **data})


def certify_limit(ctx: Context, actor: Actor, member_id: str, form: commands.LimitApplication) -> dict:
    """限度額適用認定 (R-LIM-3) or 限度額適用・標準負担額減額認定 (R-LIM-4, R-LIM-5)."""
    authorize(actor, Permission.MEMBERS_WRITE)
    on = form.applied_on or ctx.today()
    with ctx.writing() as conn:
        who = situation(conn, find_member(conn, member_id, for_update=True), on)
        if form.kind == "limit":
            code = rules.decide_limit(who.state, who.myna_usable, on)
        else:
            code = rules.decide_limit_reduction(who.state, on, form.income_none)
        valid_from, valid_until = rules.certification_period(on, who.state, ctx.policy)
        if form.kind == "limit_reduction":
            _certification(conn, who.row, "limit_reduction", valid_from, on, ctx,
                           category_code=code, valid_until=valid_until)
        paper = not who.myna_usable
        doc_id, serial = _record(conn, who.row.id, form.kind, on, paper, valid_from, valid_until,
                                 category_code=code)
        audit(conn, actor, f"certification.{form.kind}", str(who.row.id), category=code, serial=serial)
    return {"id": str(doc_id), "kind": form.kind, "category_code": code, "category": CATEGORIES[code].label,
            "certificate_issued": paper, "serial": serial, "valid_from": valid_from,
            "valid_until": valid_until}


def certify_specific_disease(ctx: Context, actor: Actor, member_id: str,
                             form: commands.SpecificDiseaseApplication) -> dict:
    """特定疾病の認定 (R-SPD-1): online for everyone, a 受療証 only without マイナ保険証."""
    authorize(actor, Permission.MEMBERS_WRITE)
    on = form.applied_on or ctx.today()
    with ctx.writing() as conn:
        who = situation(conn, find_member(conn, member_id, for_update=True), on)
        if not who.state.eligible:
            raise DomainError("not_eligible", "申請日に資格がありません")
        limit = rules.specific_disease_limit(form.disease, who.state, on)
        valid_from = rules.first_of_month(on)
        _certification(conn, who.row, "specific_disease", valid_from, on, ctx, disease=form.disease,
                       limit_yen=limit, valid_until=None)
        paper = not who.myna_usable
        doc_id, serial = _record(conn, who.row.id, "specific_disease", on, paper, valid_from, None,
                                 disease=form.disease, limit_yen=limit)
        audit(conn, actor, "certification.specific_disease", str(who.row.id), disease=form.disease,
              serial=serial)
    return {"id": str(doc_id), "disease": form.disease, "limit_yen": limit, "valid_from": valid_from,
            "certificate_issued": paper, "serial": serial}


def issue_elderly_certificate(ctx: Context, actor: Actor, member_id: str,
                              form: commands.ElderlyApplication) -> dict:
    """高齢受給者証 (R-ELD-1): from the start of 70–74 (or the month applied), to the next 07-31."""
    authorize(actor, Permission.MEMBERS_WRITE)
    on = form.applied_on or ctx.today()
    with ctx.writing() as conn:
        row = find_member(conn, member_id, for_update=True)
        birth = repo.load_family(conn, row.family_id).state(row.id, on).birth_date
        # Sent ahead of the month the member turns 70–74 (from the 1st of that month).
        rules.check_elderly_application(birth, on)
        valid_from = max(elderly_from(birth), rules.first_of_month(on))
        who = situation(conn, row, valid_from)
        rules.decide_elderly_certificate(who.state, who.myna_usable, valid_from)
        july_31 = date(valid_from.year + (valid_from.month > 7), 7, 31)
        valid_until = min(july_31, elderly_until(birth), who.state.loss.on - timedelta(days=1))
        ratio = who.state.copay_ratio
        doc_id, serial = _record(conn, who.row.id, "elderly", on, True, valid_from, valid_until,
                                 copay_ratio=ratio)
        audit(conn, actor, "certificate.elderly", str(who.row.id), serial=serial)
    return {"id": str(doc_id), "serial": serial, "copay_ratio": ratio, "valid_from": valid_from,
            "valid_until": valid_until, "certificate_issued": True}


def document_pdf(ctx: Context, actor: Actor, doc_id: str) -> bytes:
    """The PDF of a notice or a certification's paper certificate."""
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as conn:
        doc = conn.execute(select(documents).where(
            documents.c.id == repo.parse_id(doc_id))).first()
        if doc is None or doc.serial is None:
            raise DomainError("document_not_found", "該当する書類が見つかりません（紙の交付なし）", status=404)
        row = repo.member_row(conn, doc.member_id)
        state = repo.load_family(conn, row.family_id).state(row.id, doc.valid_from or doc.issued_on)
    who = holder(ctx, state)
    if doc.kind == "notice":
        return ctx.renderer.eligibility_notice(EligibilityNoticePrint(
            holder=who, issued_on=doc.issued_on, **_ratio_lines(state, doc.issued_on)))
    if doc.kind in ("limit", "limit_reduction"):
        code = doc.detail["category_code"]
        return ctx.renderer.limit_certificate(LimitCertificatePrint(
            kind=doc.kind, serial=doc.serial, holder=who, category_code=code,
            category=CATEGORIES[code].label, issued_on=doc.issued_on, valid_from=doc.valid_from,
            valid_until=doc.valid_until))
    if doc.kind == "elderly":
        return ctx.renderer.elderly_certificate(ElderlyCertificatePrint(
            serial=doc.serial, holder=who, copay_ratio=doc.detail["copay_ratio"], issued_on=doc.issued_on,
            valid_from=doc.valid_from, valid_until=doc.valid_until))
    return ctx.renderer.specific_disease_certificate(SpecificDiseaseCertificatePrint(
        serial=doc.serial, holder=who, disease=doc.detail["disease"],
        disease_name=SPECIFIC_DISEASES[doc.detail["disease"]], limit_yen=doc.detail["limit_yen"],
        issued_on=doc.issued_on, valid_from=doc.valid_from))


def list_documents(ctx: Context, actor: Actor, member_id: str, as_of: date | None = None) -> list[dict]:
    authorize(actor, Permission.MEMBERS_READ)
    on = as_of or ctx.today()
    with ctx.reading() as conn:
        row = find_member(conn, member_id)
        return documents_of(conn, row.id, on, _eligible(conn, row, on))


def documents_of(conn: Connection, member_id: int, on: date, eligible: bool) -> list[dict]:
    """A member's notices and certifications in issue order (`serial` None: recorded, no
    paper), each with `valid_on_as_of`: eligible and within its period."""
    rows = conn.execute(select(documents).where(documents.c.member_id == member_id)
                        .order_by(documents.c.id))
    return [{"id": str(r.id), "kind": r.kind, "serial": r.serial, "issued_on": r.issued_on,
             "valid_from": r.valid_from, "valid_until": r.valid_until, **r.detail,
             "valid_on_as_of": eligible and (r.valid_from or r.issued_on) <= on
             and (r.valid_until is None or on <= r.valid_until)} for r in rows]


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
