"""The verification routes served straight from ASGI, in front of FastAPI: `POST
/api/v1/verifications` (JSON) and the OQS 資格確認 message (`api.oqs.fast_answer`).

National peaks are verifications: these routes skip the framework's routing table, middleware
stack, dependency machinery and thread hand-off (about 200 µs a request here) and do only what
the route needs — admit the caller from its headers, read the body, answer on the event loop
(one indexed read). The FastAPI route of the same path calls the same function, so the OpenAPI
document, the tests and the behaviour are one."""
from __future__ import annotations

import logging
from typing import Callable

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
JSON, PROBLEM_TYPE = b"application/json", PROBLEM.encode()

# A route served here: (the context, the admitted caller, the body, the request's headers) →
# (status, content, content type).
Handler = Callable[[Context, Actor, bytes, dict], tuple[int, bytes, bytes]]


def answer(ctx: Context, who: Actor, body: bytes) -> tuple[int, dict]:
    """One verification request of an admitted caller: (status, JSON body), problem+json when
    refused."""
    try:
        return 200, verification.verify(ctx, who, VERIFICATION.validate_json(body))
    except ValidationError as exc:
        return validation_problem(exc.errors(include_input=False, include_url=False))
    except DomainError as exc:
        return domain_problem(exc)


def json_answer(ctx: Context, who: Actor, body: bytes, headers: dict) -> tuple[int, bytes, bytes]:
    """`answer` as a `Handler`."""
    status, payload = answer(ctx, who, body)
    return status, orjson.dumps(payload), JSON if status == 200 else PROBLEM_TYPE


class FastPath:
    """ASGI middleware: the POSTs of `routes` here, everything else to the application. The
    caller is admitted from the headers before the body is read (`admission.admit` with the
    server's rate limits, as on every route); the body's size is bounded by the edge in front
    (`edge.Edge`)."""

    def __init__(self, app, ctx: Context, limits: RateLimits, routes: dict[str, Handler]):
        self.app, self.ctx, self.limits, self.routes = app, ctx, limits, routes

    async def __call__(self, scope, receive, send):
        handler = self.routes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if handler is None:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        headers = dict(scope["headers"])
        client = scope.get("client")
        remote, extra = client[0] if client else None, []
        bearer = bearer_token(headers.get(b"authorization", b"").decode("latin-1"))
        try:
            who = admit(self.ctx, self.limits, bearer, remote, Permission.VERIFY)
        except DomainError as exc:
            record_refusal(self.ctx, getattr(exc, "actor", None), remote, exc, f"POST {path}")
            status, payload = domain_problem(exc)
            content, kind = orjson.dumps(payload), PROBLEM_TYPE
            extra = [(name.lower().encode(), value.encode())
                     for name, value in (refusal_headers(exc) or {}).items()]
        else:
            body, more = b"", True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            try:
                status, content, kind = handler(self.ctx, who, body, headers)
            except Exception:
                log.exception("unexpected error")
                status, kind = 500, PROBLEM_TYPE
                content = orjson.dumps(problem_body(500, "internal_error",
                                                    "内部エラーが発生しました。時間をおいて再度お試しください"))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(content)).encode()),
                                *extra]})
        await send({"type": "http.response.body", "body": content})
