"""住所・送付先 and 返納 on the API (issue 14, items 2 and 5; D-145 … D-149): the postcode look-up,
a member's address and 送付先, the mailed form of a document (its A4 台紙 with the address block),
the 返納 of a 資格確認書, the list of certificates still out (未返納) and their reminder letters.
Staff only: the address is never in a facility's answer."""
from __future__ import annotations

from fastapi.responses import Response

from ...domain.errors import DomainError
from ...service_layer import addresses, commands, mailing, returns
from ...service_layer.auth import Permission
from .common import AsOf, Ctx, feature_router, pdf
from .guard import Caller

router = feature_router()


@router.get("/postcodes/{code}", tags=["addresses"])
def look_up_postcode(ctx: Ctx, code: str, who: Caller(Permission.MEMBERS_READ)) -> dict:
    """郵便番号の検索: 422 `invalid_postcode` for a malformed code, 404 `postcode_not_found`."""
    return addresses.look_up_postcode(ctx, who, code)


@router.get("/members/{member_id}/address", tags=["addresses"])
def get_address(ctx: Ctx, member_id: str, who: Caller(Permission.MEMBERS_READ)) -> addresses.AddressView:
    """住所・送付先; 404 `address_not_found` when none is kept."""
    found = addresses.get_address(ctx, who, member_id)
    if found is None:
        raise DomainError("address_not_found", "この方の住所は登録されていません", status=404)
    return found


@router.put("/members/{member_id}/address", tags=["addresses"])
def set_address(ctx: Ctx, member_id: str, body: commands.AddressChange,
                who: Caller(Permission.MEMBERS_WRITE)) -> addresses.AddressView:
    return addresses.set_address(ctx, who, member_id, body)


@router.get("/eligibility-certificates/{cert_id}/mailer.pdf", tags=["documents"], response_class=Response)
def certificate_mailer(ctx: Ctx, cert_id: str, who: Caller(Permission.MEMBERS_READ)) -> Response:
    """資格確認書 on its A4 送付状・台紙, the address block in the window of a 長3 envelope."""
    return pdf(mailing.certificate_mailer_pdf(ctx, who, cert_id), f"certificate-{cert_id}-mailer.pdf")


@router.get("/documents/{doc_id}/mailer.pdf", tags=["documents"], response_class=Response)
def document_mailer(ctx: Ctx, doc_id: str, who: Caller(Permission.MEMBERS_READ)) -> Response:
    return pdf(mailing.document_mailer_pdf(ctx, who, doc_id), f"document-{doc_id}-mailer.pdf")


@router.post("/eligibility-certificates/{cert_id}/return", tags=["documents"])
def record_return(ctx: Ctx, cert_id: str, body: commands.CertificateReturn,
                  who: Caller(Permission.MEMBERS_WRITE)) -> dict:
    """返納の記録: 409 `already_returned` or `certificate_cancelled`, 422 `returned_before_issue`
    or `returned_in_future`, 404 `certificate_not_found`."""
    return returns.record_return(ctx, who, cert_id, body)


@router.get("/reports/unreturned-certificates", tags=["documents"])
def unreturned_certificates(ctx: Ctx, who: Caller(Permission.MEMBERS_READ), as_of: AsOf = None) -> dict:
    """未返納の資格確認書 on `as_of`, newest loss first."""
    items = [{k: v for k, v in item.items() if k != "family_id"}
             for item in returns.list_unreturned(ctx, who, as_of)]
    return {"items": items, "total": len(items)}


@router.get("/reports/unreturned-certificates/reminders.pdf", tags=["documents"], response_class=Response)
def return_reminders(ctx: Ctx, who: Caller(Permission.MEMBERS_READ), as_of: AsOf = None) -> Response:
    """資格確認書の返納のお願い, one A4 letter each, in postal order; 404 `nothing_unreturned`."""
    return pdf(returns.reminders_pdf(ctx, who, as_of), "return-reminders.pdf")
