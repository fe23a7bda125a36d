"""The mailed form of the card-size documents (D-115): a 資格確認書 or a certification's card on its
A4 送付状・台紙 with the address block for the window of a 長3 envelope. The card alone stays at
`…/pdf` (API.md: card size); a notice is an A4 letter already and carries its block itself."""
from __future__ import annotations

from ..adapters.db import repository as repo
from ..domain.errors import DomainError
from . import addresses
from .auth import Actor, Permission, authorize
from .context import Context
from .documents import _document_pdf, card_print, certificate_print, holder
from .unit_of_work import UnitOfWork


def certificate_mailer_pdf(ctx: Context, actor: Actor, cert_id: str) -> bytes:
    """資格確認書 on its 台紙, addressed to where the holder's documents go."""
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as uow:
        cert = uow.certificates.get(repo.parse_id(cert_id))
        if cert is None:
            raise DomainError("certificate_not_found", "該当する資格確認書が見つかりません", status=404)
        family = uow.families.get(cert.member_id)
        doc = certificate_print(ctx, family, cert)
        delivery = addresses.delivery_of(uow, family, cert.member_id, doc.holder.name)
    face = ctx.renderer.certificate_face(doc)
    return ctx.renderer.mount_sheets([(face, cert.serial, doc.holder, ctx.today(), delivery)])


def document_mailer_pdf(ctx: Context, actor: Actor, doc_id: str) -> bytes:
    """A certification's card (限度額, 高齢受給者, 特定疾病) on its 台紙; the notice as it prints."""
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as uow:
        doc, family, state, delivery = _document(uow, doc_id)
    if doc.kind == "notice":
        return _document_pdf(ctx, doc, state, delivery)
    face = ctx.renderer.document_face(card_print(ctx, doc, state))
    return ctx.renderer.mount_sheets([(face, doc.serial, holder(ctx, state), ctx.today(), delivery)])


def _document(uow: UnitOfWork, doc_id: str):
    doc = uow.documents.get(repo.parse_id(doc_id))
    if doc is None or doc.serial is None:
        raise DomainError("document_not_found", "該当する書類が見つかりません（紙の交付なし）", status=404)
    family = uow.families.get(doc.member_id)
    state = family.history.state(doc.member_id, doc.valid_from or doc.issued_on)
    return doc, family, state, addresses.delivery_of(uow, family, doc.member_id, state.name)
