"""照会の警告 on the API (DOMAIN.md §10): the flags of facilities suspected of guessing birth
dates, and their release by a supervisor (業務責任者)."""
from __future__ import annotations

from ...service_layer import guessing
from ...service_layer.auth import Permission
from .common import Ctx, Limit, Offset, feature_router
from .guard import Caller

router = feature_router()


@router.get("/verification-flags", tags=["verification"],
            summary="照会の警告 (生年月日の推測の疑い, DOMAIN.md §10)")
def verification_flags(ctx: Ctx, who: Caller(Permission.MEMBERS_READ),
                       limit: Limit = 100, offset: Offset = 0) -> dict:
    items, total = guessing.list_flags(ctx, who, limit, offset)
    return {"items": items, "total": total}


@router.post("/verification-flags/{flag_id}/release", tags=["verification"],
             summary="照会の警告の解除 (業務責任者)")
def release_verification_flag(ctx: Ctx, flag_id: str, who: Caller(Permission.OVERRIDE)) -> dict:
    return guessing.release(ctx, who, flag_id)
