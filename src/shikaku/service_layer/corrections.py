"""Use cases of 取消・訂正 (issue 14, D-124…D-128): a member's registrations with their
corrections, the 取消 and 訂正 of a registration (decided by `Family.cancel` / `Family.correct`),
and the 取消 of a 資格確認書 or another document issued in error (its serial never reused).
Each loads, decides with the domain, stores and audits in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from ..adapters.db import repository as repo
from ..domain.corrections import check_reason
from ..domain.errors import DomainError
from ..domain.registrations import as_dict
from ..domain.registry import Kind, LossReason
from .auth import Actor, Permission, authorize
from .commands import Command, Day, MultiLine, Name, Sex
from .context import Context
from .members import MemberView, _member_view, find_family
from .unit_of_work import UnitOfWork

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), MultiLine]


class Cancellation(Command):
    """取消 of a registration: why, and the day it is entered (default today)."""

    reason: Reason | None = None  # required: the domain says so in Japanese
    registered_on: Day | None = None


class Correction(Command):
    """訂正 of a registration: its new effective date and/or the values it should have had."""

    reason: Reason | None = None
    registered_on: Day | None = None
    effective_on: Day | None = None
    name: Name | None = None
    name_kana: Name | None = None
    birth_date: Day | None = None
    sex: Sex | None = None
    coverage_ends_on: Day | None = None
    standard_monthly_remuneration: int | None = Field(default=None, ge=0)
    resident_tax_exempt: bool | None = None
    income_declared_low: bool | None = None
    kinship: Literal["spouse", "child", "parent", "other"] | None = None
    loss_reason: LossReason | None = None  # a 資格喪失's 喪失理由
    valid_until: Day | None = None  # a 認定's last day

    def values(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True, exclude={"reason", "registered_on", "effective_on"})
        values = {k: v for k, v in given.items() if v is not None or k in ("coverage_ends_on", "valid_until")}
        if "loss_reason" in values:
            values["reason"] = LossReason(values.pop("loss_reason")).value
        return values


class DocumentCancellation(Command):
    """取消 of a certificate or document issued in error: why, and from which day (default today)."""

    reason: Reason | None = None
    cancelled_on: Day | None = None


@dataclass(frozen=True)
class CorrectionView:
    """A 取消・訂正 as the API shows it beside the registration it corrects."""

    seq: int
    kind: Literal["cancellation", "correction"]
    registered_on: date
    publish_on: date
    reason: str
    by: str
    effective_on: date | None
    values: dict


@dataclass(frozen=True)
class RegistrationView:
    """A member's registration as entered (never a 個人番号) with its corrections."""

    seq: int
    kind: str
    effective_on: date
    registered_on: date
    publish_on: date
    data: dict
    corrections: list[CorrectionView]
    cancelled: bool


def correction_view(r) -> CorrectionView:
    c = r.data
    return CorrectionView(r.seq, "cancellation" if c.cancels else "correction", r.registered_on, r.publish_on,
                          c.reason, c.by, c.effective_on, dict(c.values or {}))


def registrations(ctx: Context, actor: Actor, member_id: str) -> list[RegistrationView]:
    """The member's registrations in order of entry, each with its 取消・訂正 (none of them
    carries a 個人番号: a My Number registration records only that one was registered)."""
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as uow:
        found, member = find_family(uow, member_id)
    history = found.history
    corrections = history.corrections()
    views = []
    for r in history.registrations:
        if r.member_id != member or r.kind is Kind.CORRECTION:
            continue
        own = [correction_view(c) for c in corrections.get(r.seq, [])]
        views.append(RegistrationView(r.seq, r.kind.value, r.effective_on, r.registered_on, r.publish_on,
                                      as_dict(r.data), own, any(c.kind == "cancellation" for c in own)))
    return views


def _seq(seq: str | int) -> int:
    return repo.parse_id(str(seq))  # -1, which no registration has, when not a number


def _holders(ctx: Context, uow: UnitOfWork, family, member: int) -> list:
    """Other families' records of the member's 個人番号 (D-6), by the record's look-up hash."""
    sealed = family.members[member].my_number
    return uow.families.holders([sealed.digest], besides=family.family_id) if sealed else []


def cancel_registration(ctx: Context, actor: Actor, member_id: str, seq: str | int,
                        form: Cancellation) -> MemberView:
    """取消 of a registration entered in error; a 資格喪失's needs a supervisor (D-128)."""
    authorize(actor, Permission.CORRECT)
    registered_on = form.registered_on or ctx.today()
    target_seq = _seq(seq)
    with ctx.writing() as uow:
        found, member = find_family(uow, member_id, for_update=True)
        target = next((r for r in found.registrations if r.seq == target_seq and r.member_id == member), None)
        if target is not None and target.kind is Kind.DISQUALIFICATION:
            authorize(actor, Permission.CANCEL_LOSS)
        made = found.cancel(uow.ledger, member, target_seq, form.reason, actor.subject, registered_on,
                            _holders(ctx, uow, found, member))
        uow.families.save(found)
        uow.audit(actor, "registration.cancel", str(member), seq=target_seq,
                  kind=target.kind.value, reason=made.data.reason, registered_on=registered_on.isoformat())
        return _member_view(uow, found, member, ctx.today(), ctx.policy)


def correct_registration(ctx: Context, actor: Actor, member_id: str, seq: str | int,
                         form: Correction) -> MemberView:
    """訂正 of a registration: its effective date and/or values (D-125)."""
    authorize(actor, Permission.CORRECT)
    registered_on = form.registered_on or ctx.today()
    target_seq = _seq(seq)
    with ctx.writing() as uow:
        found, member = find_family(uow, member_id, for_update=True)
        made = found.correct(uow.ledger, member, target_seq, form.reason, actor.subject, registered_on,
                             form.effective_on, form.values(), _holders(ctx, uow, found, member))
        uow.families.save(found)
        c = made.data
        uow.audit(actor, "registration.correct", str(member), seq=target_seq, reason=c.reason,
                  effective_on=c.effective_on.isoformat() if c.effective_on else None,
                  fields=sorted(c.values or {}), registered_on=registered_on.isoformat())
        return _member_view(uow, found, member, ctx.today(), ctx.policy)


def _check_cancellable(issued_on: date, cancelled_on: date | None, on: date) -> None:
    if cancelled_on is not None:
        raise DomainError("already_cancelled", "この書類はすでに取消されています", status=409)
    if on < issued_on:
        raise DomainError("invalid_period", "取消日は交付日以後にしてください", "cancelled_on")


_NOT_FOUND = {"certificates": DomainError("certificate_not_found", "該当する資格確認書が見つかりません", status=404),
              "documents": DomainError("document_not_found", "該当する書類が見つかりません", status=404)}


def _cancel_paper(ctx: Context, actor: Actor, papers: str, paper_id: str, form: DocumentCancellation) -> dict:
    """取消 of one issued paper of `papers` (the unit of work's certificates or documents)."""
    authorize(actor, Permission.DOCUMENTS_CANCEL)
    reason = check_reason(form.reason)
    on = form.cancelled_on or ctx.today()
    with ctx.writing() as uow:
        store = getattr(uow, papers)
        paper = store.get(repo.parse_id(paper_id))
        if paper is None:
            raise _NOT_FOUND[papers]
        _check_cancellable(paper.issued_on, paper.cancelled_on, on)
        store.cancel(paper.id, on, reason, actor.subject)
        kind = {} if papers == "certificates" else {"kind": paper.kind}
        uow.audit(actor, f"{papers[:-1]}.cancel", str(paper.member_id), **kind, serial=paper.serial,
                  reason=reason, cancelled_on=on.isoformat())
    return {"id": str(paper.id), "member_id": str(paper.member_id), **kind, "serial": paper.serial,
            "cancelled_on": on, "cancel_reason": reason, "cancelled_by": actor.subject}


def cancel_certificate(ctx: Context, actor: Actor, cert_id: str, form: DocumentCancellation) -> dict:
    """取消 of a 資格確認書 issued in error (supervisor or admin): not valid from the day it is
    cancelled; its 交付番号 is never handed out again, and a run may issue a new one (D-128)."""
    return _cancel_paper(ctx, actor, "certificates", cert_id, form)


def cancel_document(ctx: Context, actor: Actor, doc_id: str, form: DocumentCancellation) -> dict:
    """取消 of a notice or a certification's document issued in error (supervisor or admin). The
    approval itself (a registered 認定) is cancelled as a registration (D-128)."""
    return _cancel_paper(ctx, actor, "documents", doc_id, form)
