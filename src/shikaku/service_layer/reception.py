"""The reception desk (§9): gathers what a facility can know on the service date — online
verification of the card and of the printed data, the faces of the documents — and lets the
domain table decide. Also reports the society's own truth (`eligible_in_registry`)."""
from __future__ import annotations

from ..domain.legacy import legacy_card_on_face
from ..domain.reception import DeskFacts, Presented, faces_as_read
from ..domain.reception import assess as decide
from ..domain.verification import Verdict, card_numbers
from . import commands, society, verification
from .auth import Actor, Permission, Role, authorize
from .context import Context
from .documents import held_certificates
from .unit_of_work import UnitOfWork


def _card_data_query(ctx: Context, form: commands.ReceptionAssessment) -> commands.CardDataVerification | None:
    if not (form.symbol and form.number and form.birth_date):
        return None
    return commands.CardDataVerification(
        method="card_info", service_date=form.service_date,
        insurer_number=form.insurer_number or society.insurer_record(ctx)["insurer_number"],
        symbol=form.symbol,
        number=form.number, branch=form.branch, birth_date=form.birth_date)


def assess(ctx: Context, actor: Actor, form: commands.ReceptionAssessment) -> dict:
    authorize(actor, Permission.RECEPTION)
    facts, eligible = desk_facts(ctx, actor, form)
    answer = decide(facts, ctx.policy)
    return {"insured_treatment": answer.insured_treatment, "code": answer.code,
            "message": answer.message, "eligible_in_registry": eligible}


def desk_facts(ctx: Context, actor: Actor, form: commands.ReceptionAssessment) -> tuple[DeskFacts, bool | None]:
    """What the desk can know (no authorisation), and the society's own truth on the day. A
    facility (§9) gets None for the latter, its online checks are logged as its verifications,
    and the faces of its documents are what it read from them: it learns nothing that online
    verification would not tell it. Staff and the member's own portal see the registry's."""
    on, presented = form.service_date, frozenset(form.presented)
    card_verdict = data_verdict = None
    if form.card_id and Presented.MYNA_CARD in presented:
        card_verdict = verification.decide(ctx, actor, commands.CardVerification(
            method="myna_card", service_date=on, card_id=form.card_id, identity_check="face"), on)
    query = _card_data_query(ctx, form)
    if query is not None:
        data_verdict = verification.decide(ctx, actor, query, on)
    if actor.role is Role.FACILITY:
        for verdict in (card_verdict, data_verdict):
            if verdict is not None:
                verification.log_query(ctx, actor, "reception", None, on, verdict)
        certificate_ok, legacy_ok = faces_as_read(on, form.certificate_expires_on,
                                                  form.legacy_card_expires_on, ctx.policy)
        eligible = None
    else:
        certificate_ok, legacy_ok, eligible = _registry_faces(ctx, form, card_verdict, data_verdict)
    online = form.facility.online_verification
    facts = DeskFacts(service_date=on, online=online,
                      reader_working=form.facility.reader_working, presented=presented,
                      card_validity=card_verdict.validity if card_verdict and online else None,
                      data_validity=data_verdict.validity if data_verdict and online else None,
                      certificate_on_face=certificate_ok, legacy_on_face=legacy_ok)
    return facts, eligible


def _registry_faces(ctx: Context, form: commands.ReceptionAssessment,
                    *verdicts: Verdict | None) -> tuple[bool, bool, bool]:
    """(certificate valid on its face, legacy card valid on its face, eligible) from the
    registry, for staff."""
    on = form.service_date
    with ctx.reading() as uow:
        member_id = _member_of(uow, form, *verdicts)
        if member_id is None:
            return False, False, False
        eligible = uow.families.get(member_id).history.state(member_id, on).eligible
        certificate_ok = any(h.valid_on(on) for h in held_certificates(uow, member_id))
        legacy_ok = any(legacy_card_on_face(card.issued_on, card.valid_until, on)
                        for card in uow.reception.legacy_cards(member_id))
    return certificate_ok, legacy_ok, eligible


def _member_of(uow: UnitOfWork, form: commands.ReceptionAssessment, *verdicts: Verdict | None) -> int | None:
    """The patient's record: from a verification that found one, else from the printed data
    (normalised as verification does, R-NUM-4)."""
    for verdict in verdicts:
        if verdict is not None and verdict.state is not None:
            return verdict.state.identity.member_id
    if not (form.symbol and form.number and form.birth_date):
        return None
    found = uow.reception.members_by_card_data(*card_numbers(form.symbol, form.number, form.branch),
                                               form.birth_date)
    return found[0] if len(found) == 1 else None
