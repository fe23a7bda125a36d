"""取消・訂正 on the API (issue 14, D-124…D-128): a member's registrations with their
corrections, the 取消 and 訂正 of a registration, and the 取消 of a 資格確認書 or another
document issued in error."""
from __future__ import annotations

from pydantic import BaseModel

from ...service_layer import corrections
from ...service_layer.auth import Permission
from ...service_layer.members import MemberView
from .common import Ctx, feature_router
from .guard import Caller

router = feature_router()


class RegistrationPage(BaseModel):
    items: list[corrections.RegistrationView]


@router.get("/members/{member_id}/registrations", tags=["members"])
def list_registrations(ctx: Ctx, member_id: str, who: Caller(Permission.MEMBERS_READ)) -> RegistrationPage:
    return RegistrationPage(items=corrections.registrations(ctx, who, member_id))


@router.post("/members/{member_id}/registrations/{seq}/cancellation", tags=["members"])
def cancel_registration(ctx: Ctx, member_id: str, seq: str, body: corrections.Cancellation,
                        who: Caller(Permission.CORRECT)) -> MemberView:
    return corrections.cancel_registration(ctx, who, member_id, seq, body)


@router.post("/members/{member_id}/registrations/{seq}/correction", tags=["members"])
def correct_registration(ctx: Ctx, member_id: str, seq: str, body: corrections.Correction,
                         who: Caller(Permission.CORRECT)) -> MemberView:
    return corrections.correct_registration(ctx, who, member_id, seq, body)


@router.post("/eligibility-certificates/{cert_id}/cancellation", tags=["documents"])
def cancel_certificate(ctx: Ctx, cert_id: str, body: corrections.DocumentCancellation,
                       who: Caller(Permission.DOCUMENTS_CANCEL)) -> dict:
    return corrections.cancel_certificate(ctx, who, cert_id, body)


@router.post("/documents/{doc_id}/cancellation", tags=["documents"])
def cancel_document(ctx: Ctx, doc_id: str, body: corrections.DocumentCancellation,
                    who: Caller(Permission.DOCUMENTS_CANCEL)) -> dict:
    return corrections.cancel_document(ctx, who, doc_id, body)
