"""オンライン資格確認 on the API: one verification (served by `fast_path` in front of the
framework; this route documents it and answers in-process callers), 一括照会 charged as many
queries as it holds, the FHIR R4 facade, and a member's 照会履歴."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import orjson
from fastapi import Body as BodyParam
from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ...service_layer import commands, verification
from ...service_layer.admission import charge
from ...service_layer.auth import Permission
from . import fast_path, fhir, problems
from .common import Ctx, Limit, Offset, feature_router
from .guard import Caller

router = feature_router()


class FastJSON(JSONResponse):
    """JSON rendered by orjson (dates as ISO 8601), for the verification hot path; a
    JSONResponse so that the OpenAPI document shows the route's JSON model."""

    def render(self, content) -> bytes:
        return orjson.dumps(content)


class VerifiedMember(BaseModel):
    insurer_number: str
    insurer_name: str
    symbol: str
    number: str
    branch: str
    relationship_code: Literal["1", "2"]
    name: str
    name_kana: str
    birth_date: date
    sex: str
    qualified_on: date
    disqualified_on: date | None


class ElderlyStatus(BaseModel):
    ratio: int
    valid_from: date
    valid_until: date


class LimitCategory(BaseModel):
    code: str
    label: str


class SpecificDisease(BaseModel):
    code: str | None
    limit_yen: int | None
    valid_from: date
    valid_until: date | None


class VerificationAnswer(BaseModel):
    """The documented shape of a verification answer (API.md); rendered by hand on the hot path."""

    validity: Literal["valid", "invalid", "invalid_new_qualification", "not_found", "multiple"]
    validity_code: Literal["1", "2", "3", "4", "5"]
    member: VerifiedMember | None = Field(default=None, description="absent when not_found")
    copay_ratio: int | None
    preschool: bool | None
    elderly: ElderlyStatus | None
    limit: LimitCategory | None
    specific_diseases: list[SpecificDisease]


class VerificationResults(BaseModel):
    results: list[VerificationAnswer]


@router.get("/members/{member_id}/access-log", tags=["members"])
def access_log(ctx: Ctx, member_id: str, who: Caller(Permission.MEMBERS_READ),
               limit: Limit = 100, offset: Offset = 0) -> dict:
    items, total = verification.access_history(ctx, who, member_id, limit, offset)
    return {"items": items, "total": total}


# The hot path: runs on the event loop (one indexed read, no thread hand-off) and
# serialises with orjson directly.
# Served by `fast_path.FastPath` in front of the framework; this route gives the same
# answer (same function) to in-process callers and documents the endpoint.
@router.post("/verifications", tags=["verification"], response_class=FastJSON,
             responses={200: {"model": VerificationAnswer}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"$ref": "#/components/schemas/Verification"}}}}})
async def verify(ctx: Ctx, request: Request, who: Caller(Permission.VERIFY)) -> FastJSON:
    status, body = fast_path.answer(ctx, who, await request.body())
    return FastJSON(body, status_code=status,
                    media_type="application/json" if status == 200 else problems.PROBLEM)


@router.post("/verification-batches", tags=["verification"], response_class=FastJSON,
             responses={200: {"model": VerificationResults}})
def verify_batch(ctx: Ctx, request: Request, body: commands.VerificationBatch,
                 who: Caller(Permission.VERIFY)) -> FastJSON:
    charge(request.app.state.limits, who, len(body.items))
    return FastJSON({"results": verification.verify_batch(ctx, who, body)})


@router.post("/fhir/CoverageEligibilityRequest", tags=["verification"],
             summary="FHIR R4: CoverageEligibilityRequest → CoverageEligibilityResponse")
def verify_fhir(ctx: Ctx, payload: Annotated[dict, BodyParam(media_type="application/fhir+json")],
                who: Caller(Permission.VERIFY)) -> JSONResponse:
    request, query = fhir.to_query(payload)
    return JSONResponse(fhir.to_response(request, verification.verify(ctx, who, query, verification.CHANNEL_FHIR)),
                        media_type="application/fhir+json")
