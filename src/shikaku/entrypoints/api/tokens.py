"""APIトークン on the API: the admin issues, lists and revokes bearer tokens; a holder revokes
their own (RFC 7009)."""
from __future__ import annotations

from datetime import datetime

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from ...service_layer import commands, society
from ...service_layer.auth import Permission, Role
from .common import Ctx, Limit, Offset, feature_router
from .guard import Caller, remote_address

router = feature_router()


class TokenView(BaseModel):
    """A stored token as listed: never the token or its hash."""

    id: int
    role: Role
    subject: str
    created_at: datetime
    revoked_at: datetime | None


class TokenPage(BaseModel):
    items: list[TokenView]
    total: int


@router.post("/tokens", status_code=201, tags=["society"])
def issue_token(ctx: Ctx, body: commands.TokenIssue, who: Caller(Permission.TOKENS_WRITE)) -> dict:
    return society.issue_token(ctx, who, body.role, body.subject)


@router.get("/tokens", tags=["society"])
def list_tokens(ctx: Ctx, who: Caller(Permission.TOKENS_READ), limit: Limit = 100,
                offset: Offset = 0) -> TokenPage:
    items, total = society.list_tokens(ctx, who, limit, offset)
    return TokenPage(items=items, total=total)


@router.delete("/tokens/{token_id}", status_code=204, tags=["society"], response_class=Response)
def revoke_token(ctx: Ctx, token_id: str, who: Caller(Permission.TOKENS_WRITE)) -> Response:
    society.revoke_token_id(ctx, who, token_id)
    return Response(status_code=204)


@router.post("/tokens/revoke", tags=["society"], summary="トークンの失効 (保有者による, RFC 7009)",
             description="送られたトークンを失効させます。認証は不要です (トークンを持つことが権限です)。"
                         "存在しないトークンでも同じく 200 を返します。")
def revoke_own_token(ctx: Ctx, body: commands.TokenRevocation, request: Request) -> dict:
    society.revoke_own_token(ctx, body.token, remote_address(request))
    return {}
