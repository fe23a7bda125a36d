"""`POST /api/v1/verifications` served straight from ASGI, in front of FastAPI.

National peaks are verifications: this route skips the framework's routing table, middleware
stack and dependency machinery (about 200 µs a request here) and does only what the route needs
— admit the caller from its headers, read the body, validate with pydantic-core, call the use case,
answer with orjson. The FastAPI route of the same path calls the same `answer`, so the OpenAPI
document, the tests and the behaviour are one."""
from __future__ import annotations

import logging

import orjson
from pydantic import TypeAdapter, ValidationError

from ...adapters.rate_limit import RateLimits
from ...domain.errors import DomainError
from ...service_layer import commands, verification
from ...service_layer.admission import admit, bearer_token, record_refusal
from ...service_layer.auth import Actor, Permission
from ...service_layer.context import Context
from .problems import PROBLEM, domain_problem, problem_body, refusal_headers, validation_problem

log = logging.getLogger("shikaku.api")

PATH = "/api/v1/verifications"
VERIFICATION = TypeAdapter(commands.Verification)


def answer(ctx: Context, who: Actor, body: bytes) -> tuple[int, dict]:
    """One verification request of an admitted caller: (status, JSON body), problem+json when
    refused."""
    try:
        return 200, verification.verify(ctx, who, VERIFICATION.validate_json(body))
    except ValidationError as exc:
        return validation_problem(exc.errors(include_input=False, include_url=False))
    except DomainError as exc:
        return domain_problem(exc)


class FastPath:
    """ASGI middleware: verifications here, everything else to the application. The caller is
    admitted from the headers before the body is read (`admission.admit` with the server's rate
    limits, as on every route); the body's size is bounded by the edge in front (`edge.Edge`)."""

    def __init__(self, app, ctx: Context, limits: RateLimits):
        self.app, self.ctx, self.limits = app, ctx, limits

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        client = scope.get("client")
        remote, extra = client[0] if client else None, []
        bearer = bearer_token(headers.get(b"authorization", b"").decode("latin-1"))
        try:
            who = admit(self.ctx, self.limits, bearer, remote, Permission.VERIFY)
        except DomainError as exc:
            record_refusal(self.ctx, getattr(exc, "actor", None), remote, exc, f"POST {PATH}")
            status, payload = domain_problem(exc)
            extra = [(name.lower().encode(), value.encode())
                     for name, value in (refusal_headers(exc) or {}).items()]
        else:
            body, more = b"", True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            try:
                status, payload = answer(self.ctx, who, body)
            except Exception:
                log.exception("unexpected error")
                status, payload = 500, problem_body(500, "internal_error",
                                                    "内部エラーが発生しました。時間をおいて再度お試しください")
        content = orjson.dumps(payload)
        kind = b"application/json" if status == 200 else PROBLEM.encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(content)).encode()),
                                *extra]})
        await send({"type": "http.response.body", "body": content})
