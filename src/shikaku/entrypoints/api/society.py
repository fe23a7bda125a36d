"""The society (保険者) on the API: the health check, the insurer's number and name, and the
registration of a 医療機関等 with its first token."""
from __future__ import annotations

from ...service_layer import commands, society
from ...service_layer.auth import Permission
from .common import Ctx, feature_router
from .guard import Caller

router = feature_router()


@router.get("/health", tags=["society"])
async def health() -> dict:
    return {"status": "ok"}


@router.get("/insurer", tags=["society"])
def insurer(ctx: Ctx, who: Caller(Permission.SOCIETY_READ)) -> dict:
    return society.insurer(ctx, who)


@router.post("/facilities", status_code=201, tags=["facilities"])
def add_facility(ctx: Ctx, body: commands.FacilityRegistration,
                 who: Caller(Permission.FACILITIES_WRITE)) -> dict:
    return society.add_facility(ctx, who, body.code, body.name)
