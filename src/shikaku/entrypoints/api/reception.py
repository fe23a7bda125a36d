"""The reception desk (窓口) on the API: what a member's documents are worth on a day, the
自己負担限度額 of a month, and the check of a printed card's signed QR code."""
from __future__ import annotations

from typing import Annotated

from fastapi import Query

from ...service_layer import commands, documents, reception
from ...service_layer.auth import Permission
from .common import Ctx, feature_router
from .guard import Caller

router = feature_router()


@router.post("/reception-assessments", tags=["reception"])
def assess(ctx: Ctx, body: commands.ReceptionAssessment, who: Caller(Permission.RECEPTION)) -> dict:
    return reception.assess(ctx, who, body)


@router.get("/self-pay-limits", tags=["documents"])
def self_pay_limit(ctx: Ctx, who: Caller(Permission.SOCIETY_READ),
                   category: Annotated[str, Query(max_length=3)],
                   medical_cost: Annotated[int, Query(ge=0, le=10**10)],
                   month: Annotated[commands.Day, Query(description="診療月 (その月の任意の日)")],
                   outpatient_only: bool = False) -> dict:
    return documents.calculate_self_pay_limit(ctx, who, category, medical_cost, month, outpatient_only)


@router.post("/card-checks", tags=["reception"])
def check_card(ctx: Ctx, body: commands.CardCheck, who: Caller(Permission.CHECK_CARD)) -> dict:
    return documents.check_card(ctx, who, body.payload)
