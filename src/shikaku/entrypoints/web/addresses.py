"""住所・送付先 on the staff pages (issue 14, item 2; D-145 … D-147): the address form of a member
(also folded into the member page) and the postcode look-up its button calls with the staff
session (static/address.js). Thin: the use cases of `service_layer.addresses` decide."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ...domain.addresses import MAIL_TO_LABELS
from ...domain.errors import DomainError
from ...service_layer import addresses, commands, mailing, members
from ...service_layer.accounts import WebSession
from ...service_layer.auth import Permission
from .common import Staff, StaffMay, form_data, page, parse, redirect, submit, templates
from .members import _pdf

router = APIRouter(prefix="/staff", include_in_schema=False)
TEMPLATE = "staff/form_address.html"
templates.env.globals["mail_to_options"] = [(where.value, label) for where, label in MAIL_TO_LABELS.items()]


def address_values(address: addresses.AddressView | None) -> dict[str, str]:
    """The form's fields for the address kept (自宅 when none is)."""
    if address is None:
        return {"mail_to": "home"}
    return {"postcode": address.postcode, "address": address.address, "mail_to": address.mail_to}


templates.env.globals["address_values"] = address_values  # staff/member_address.html


def _page_values(request: Request, session: WebSession, member_id: str) -> dict:
    member = members.get_member(request.app.state.ctx, session.actor, member_id)
    return {"m": member, "title": "住所・送付先の登録", "action": f"/staff/members/{member.id}/address"}


@router.get("/members/{member_id}/address")
def address_form(request: Request, session: StaffMay(Permission.MEMBERS_WRITE), member_id: str) -> Response:
    shown = _page_values(request, session, member_id)
    kept = addresses.get_address(request.app.state.ctx, session.actor, shown["m"].id)
    return page(request, TEMPLATE, session, values=address_values(kept), errors={}, **shown)


@router.post("/members/{member_id}/address")
async def save_address(request: Request, session: StaffMay(Permission.MEMBERS_WRITE), member_id: str) -> Response:
    values = await form_data(request, session)
    shown = _page_values(request, session, member_id)
    fields = {k: v for k, v in values.items() if k in commands.AddressChange.model_fields}

    def act():
        return addresses.set_address(request.app.state.ctx, session.actor, shown["m"].id,
                                     parse(commands.AddressChange, fields))

    return submit(request, session, values, act,
                  lambda _: redirect(request, f"/staff/members/{shown['m'].id}", "住所・送付先を登録しました"),
                  TEMPLATE, **shown)


@router.get("/postcodes/{code}")
def look_up_postcode(request: Request, session: Staff, code: str) -> JSONResponse:
    """The look-up button's answer: the place, or `{code, message}` with 404 / 422."""
    try:
        return JSONResponse(addresses.look_up_postcode(request.app.state.ctx, session.actor, code))
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)


@router.get("/certificates/{cert_id}/mailer.pdf")
def certificate_mailer(request: Request, session: Staff, cert_id: str) -> Response:
    """資格確認書 on its A4 送付状・台紙 with the address block (郵送用)."""
    content = mailing.certificate_mailer_pdf(request.app.state.ctx, session.actor, cert_id)
    return _pdf(content, f"資格確認書-郵送用-{cert_id}.pdf", f"certificate-{cert_id}-mailer.pdf")


@router.get("/documents/{doc_id}/mailer.pdf")
def document_mailer(request: Request, session: Staff, doc_id: str) -> Response:
    content = mailing.document_mailer_pdf(request.app.state.ctx, session.actor, doc_id)
    return _pdf(content, f"交付書類-郵送用-{doc_id}.pdf", f"document-{doc_id}-mailer.pdf")
