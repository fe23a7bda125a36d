"""What the API's routers share: the guarded router of a feature, the service context of a
request, the query parameters of paged lists and dated reads, and PDF answers."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ...adapters.db.repository import MAX_ID
from ...service_layer import commands
from ...service_layer.context import Context
from .guard import GuardedRoute

PREFIX = "/api/v1"

# Within BIGINT: SQLite's driver answers a larger offset with OverflowError (a 500).
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]  # a page of tokens, flags, log rows
AsOf = Annotated[commands.Day | None, Query(description="この日現在 (既定: 今日)")]


def feature_router() -> APIRouter:
    """The routes of one feature, each admitting its caller before its body is read."""
    return APIRouter(route_class=GuardedRoute)


async def _context(request: Request) -> Context:
    return request.app.state.ctx


Ctx = Annotated[Context, Depends(_context)]  # the application's service context


def pdf(content: bytes, filename: str) -> Response:
    """A printable document (帳票) shown in the browser."""
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
