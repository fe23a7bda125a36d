"""The HTTP API (API.md): the application of `shikaku serve`, made of one router per feature
(society, tokens, members, myna, accounts, verification, documents, runs, reception, guessing,
audit), the web pages behind them, and the verification fast path and the edge in front."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import TypeAdapter

from ...adapters.rate_limit import RateLimits
from ...service_layer.context import Context
from .. import web
from ..oqs.bulk import BulkWorker
from . import (
    accounts,
    addresses,
    audit,
    corrections,
    documents,
    employers,
    fast_path,
    guessing,
    members,
    myna,
    oqs,
    reception,
    runs,
    society,
    tokens,
    verification,
)
from .common import PREFIX
from .edge import Edge

# In the order of the OpenAPI document.
FEATURES = (society, employers, tokens, members, myna, accounts, verification, oqs, documents, runs, reception,
            guessing, audit, corrections, addresses)


def create_app(ctx: Context, limits: RateLimits | None = None) -> FastAPI:
    """The API and the web pages over `ctx`; `limits` are this process's rate limits (from the
    environment unless given), kept on `app.state.limits`."""
    @asynccontextmanager
    async def lifespan(_app):
        worker = app.state.bulk_worker = BulkWorker(ctx).start()  # 一括照会 (OQS.md §1.2)
        yield
        worker.stop()
        ctx.access_log.flush()

    app = FastAPI(lifespan=lifespan, title="shikaku API", version="1", docs_url="/api/docs",
                  openapi_url="/api/openapi.json", redoc_url=None,
                  description="健康保険組合の資格管理・オンライン資格確認・資格確認書 (API.md)")
    app.state.limits = limits or RateLimits()
    for feature in FEATURES:
        app.include_router(feature.router, prefix=PREFIX)
    web.install(app, ctx)  # after the API: API requests match their routes first
    _publish_schema(app, "Verification", fast_path.VERIFICATION)
    return app


def _publish_schema(app: FastAPI, name: str, adapter: TypeAdapter) -> None:
    """Adds a model that a route validates by hand to the OpenAPI components."""
    default = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        document = default()
        schema = adapter.json_schema(ref_template="#/components/schemas/{model}")
        components = document.setdefault("components", {}).setdefault("schemas", {})
        components.update(schema.pop("$defs", {}))
        components[name] = schema
        return document

    app.openapi = openapi


def create_server(ctx: Context, limits: RateLimits | None = None):
    """The ASGI application `shikaku serve` runs: the body limits and security headers in front
    of everything, then the verification fast path in front of the API."""
    app = create_app(ctx, limits)
    routes = {fast_path.PATH: fast_path.json_answer, oqs.QUALIFICATION_CONFIRMATIONS: oqs.fast_answer}
    return Edge(fast_path.FastPath(app, ctx, app.state.limits, routes))
