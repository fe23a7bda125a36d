"""The audit log (監査ログ) on the API: its rows by target and action, or the refused attempts
alone, for the auditors."""
from __future__ import annotations

from typing import Annotated

from fastapi import Query

from ...service_layer import audit_trail
from ...service_layer.auth import Permission
from .common import Ctx, Limit, Offset, feature_router
from .guard import Caller

router = feature_router()


@router.get("/audit-log", tags=["audit"])
def audit_log(ctx: Ctx, who: Caller(Permission.AUDIT_READ),
              target: Annotated[str | None, Query(max_length=100)] = None,
              action: Annotated[str | None, Query(max_length=60)] = None,
              refusals: Annotated[bool, Query(description="拒否された試行だけ (認証・権限・ログインの失敗)")] = False,
              limit: Limit = 100, offset: Offset = 0) -> dict:
    items, total = audit_trail.read(ctx, who, target=target, action=action, refusals=refusals,
                                    limit=limit, offset=offset)
    return {"items": items, "total": total}
