"""The accounts of the member portal (加入者ポータル) on the API: the reset of a member's PIN
(暗証番号再設定), answered with the letter that carries it."""
from __future__ import annotations

from fastapi.responses import Response

from ...service_layer import accounts
from ...service_layer.auth import Permission
from .common import Ctx, feature_router
from .guard import Caller

router = feature_router()


@router.post("/members/{member_id}/portal-pin-reset", tags=["members"], response_class=Response,
             summary="加入者ポータルの暗証番号の再設定 (暗証番号再設定通知書の PDF を返します)",
             description="新しい暗証番号を作り、ロックを解除します。暗証番号はこの PDF にだけ印字され、"
                         "保存されません (再発行はできません)。",
             responses={200: {"content": {"application/pdf": {}}}})
def reset_portal_pin(ctx: Ctx, member_id: str, who: Caller(Permission.MEMBERS_WRITE)) -> Response:
    return Response(accounts.reset_portal_pin(ctx, who, member_id), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="pin-reset-{member_id}.pdf"'})
