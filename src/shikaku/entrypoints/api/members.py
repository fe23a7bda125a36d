"""The member registry (加入者) on the API: 資格取得, the list and one member as of a day, the
個人番号, 資格喪失, 変更 and the cards of before (旧保険証)."""
from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

from ...service_layer import commands, members
from ...service_layer.auth import Permission
from .common import AsOf, Ctx, Offset, feature_router
from .guard import Caller

router = feature_router()


class MemberPage(BaseModel):
    items: list[members.MemberView]
    total: int


@router.post("/members", status_code=201, tags=["members"])
def enrol(ctx: Ctx, body: commands.Enrolment, who: Caller(Permission.MEMBERS_WRITE)) -> members.EnrolmentView:
    """201 even when the same フリガナ and 生年月日 belong to an eligible member: their ids are in
    `possible_duplicates` (API.md)."""
    return members.enrol(ctx, who, body)


@router.get("/members", tags=["members"])
def list_members(ctx: Ctx, who: Caller(Permission.MEMBERS_READ), as_of: AsOf = None,
                 symbol: Annotated[str | None, Query(max_length=16)] = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0) -> MemberPage:
    items, total = members.list_members(ctx, who, symbol=symbol, limit=limit, offset=offset, as_of=as_of)
    return MemberPage(items=items, total=total)


@router.get("/members/{member_id}", tags=["members"])
def get_member(ctx: Ctx, member_id: str, who: Caller(Permission.MEMBERS_READ),
               as_of: AsOf = None) -> members.MemberView:
    return members.get_member(ctx, who, member_id, as_of)


@router.put("/members/{member_id}/my-number", tags=["members"])
def register_my_number(ctx: Ctx, member_id: str, body: commands.MyNumberRegistration,
                       who: Caller(Permission.MEMBERS_WRITE)) -> members.MemberView:
    return members.register_my_number(ctx, who, member_id, body)


@router.post("/members/{member_id}/disqualification", tags=["members"])
def disqualify(ctx: Ctx, member_id: str, body: commands.Disqualification,
               who: Caller(Permission.MEMBERS_WRITE)) -> members.MemberView:
    return members.disqualify(ctx, who, member_id, body)


@router.patch("/members/{member_id}", tags=["members"])
def amend(ctx: Ctx, member_id: str, body: commands.Amendment,
          who: Caller(Permission.MEMBERS_WRITE)) -> members.MemberView:
    return members.amend(ctx, who, member_id, body)


@router.post("/members/{member_id}/legacy-cards", status_code=201, tags=["members"])
def add_legacy_card(ctx: Ctx, member_id: str, body: commands.LegacyCard,
                    who: Caller(Permission.MEMBERS_WRITE)) -> dict:
    return members.add_legacy_card(ctx, who, member_id, body)
