"""`POST /api/v1/verifications` served straight from ASGI, in front of FastAPI.

National peaks are verifications: this route skips the framework's routing table, middleware
stack and dependency machinery (about 200 µs a request here) and does only what the route needs
— read the body, authenticate the bearer token, validate with pydantic-core, call the use case,
answer with orjson. The FastAPI route of the same path calls the same `answer`, so the OpenAPI
document, the tests and the behaviour are one."""
from __future__ import annotations

import logging

import orjson
from pydantic import TypeAdapter, ValidationError

from ...domain.errors import DomainError
from ...service_layer import commands, society, verification
from ...service_layer.auth import Actor, Role
from ...service_layer.context import Context
from .problems import (
    PROBLEM,
    RATE_LIMITED,
    UNAUTHORIZED,
    domain_problem,
    problem_body,
    validation_problem,
)

log = logging.getLogger("shikaku.api")

PATH = "/api/v1/verifications"
MAX_BODY = 64 * 1024  # one verification is a few hundred bytes
VERIFICATION = TypeAdapter(commands.Verification)


def throttled(ctx: Context, who: Actor) -> bool:
    """A facility over its rate limit (429 `rate_limited`, Retry-After: `retry_after()`)."""
    return who.role is Role.FACILITY and not ctx.facility_limit.allow(who.subject)


def retry_after(ctx: Context) -> dict[str, str]:
    return {"Retry-After": str(ctx.facility_limit.retry_after)}


def answer(ctx: Context, authorization: str | None, remote: str | None, body: bytes) -> tuple[int, dict]:
    """One verification request: (status, JSON body), problem+json when refused."""
    scheme, _, token = (authorization or "").partition(" ")
    who = society.authenticate(ctx, token if scheme.lower() == "bearer" else None, remote)
    if who is None or throttled(ctx, who):
        status, code, detail = UNAUTHORIZED if who is None else RATE_LIMITED
        return status, problem_body(status, code, detail)
    try:
        return 200, verification.verify(ctx, who, VERIFICATION.validate_json(body))
    except ValidationError as exc:
        return validation_problem(exc.errors(include_input=False, include_url=False))
    except DomainError as exc:
        return domain_problem(exc)


class FastPath:
    """ASGI middleware: verifications here, everything else to the application."""

    def __init__(self, app, ctx: Context):
        self.app, self.ctx = app, ctx

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                status, payload = 413, problem_body(413, "body_too_large", "リクエストが大きすぎます")
                break
        else:
            headers = dict(scope["headers"])
            client = scope.get("client")
            try:
                status, payload = answer(self.ctx, headers.get(b"authorization", b"").decode("latin-1"),
                                         client[0] if client else None, body)
            except Exception:
                log.exception("unexpected error")
                status, payload = 500, problem_body(500, "internal_error",
                                                    "内部エラーが発生しました。時間をおいて再度お試しください")
        content = orjson.dumps(payload)
        kind = b"application/json" if status == 200 else PROBLEM.encode()
        extra = {401: [(b"www-authenticate", b"Bearer")],
                 429: [(b"retry-after", str(self.ctx.facility_limit.retry_after).encode())]}.get(status, [])
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(content)).encode()),
                                *extra]})
        await send({"type": "http.response.body", "body": content})
