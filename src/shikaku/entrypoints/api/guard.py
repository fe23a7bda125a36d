"""Routes that admit their caller before their body is read (issue 12, item 2).

FastAPI reads and validates a request's body before it resolves the route's dependencies, so a
credential checked in a dependency comes too late: a caller without the right role would get
422 with the route's field list. A route declares its caller as `who: Caller(permission)`;
`GuardedRoute` finds that declaration and runs `admission.admit` on the headers first (with
the application's rate limits, `app.state.limits`), then hands the request to FastAPI, and the
dependency merely returns the admitted actor. An `Idempotency-Key` is honoured there too, after
admission (`idempotent.answer`)."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ...domain.errors import DomainError
from ...service_layer.admission import admit, bearer_token, record_refusal
from ...service_layer.auth import Actor, Permission
from . import idempotent

# Declares the bearer scheme in the OpenAPI document (Swagger UI's "Authorize"); admission has
# already read the header when it runs.
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer TOKEN")


class Requires:
    """The permission a route needs (None: any authenticated caller)."""

    def __init__(self, permission: Permission | None):
        self.permission = permission

    def __call__(self, request: Request,
                 _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
        return request.state.actor


def Caller(permission: Permission | None = None):  # noqa: N802 (used as a type)
    """The type of a route's `who` parameter: the admitted actor."""
    return Annotated[Actor, Depends(Requires(permission))]


def remote_address(request: Request) -> str | None:
    return request.client.host if request.client else None


class GuardedRoute(APIRoute):
    def get_route_handler(self):
        handler = super().get_route_handler()
        gate = next((d.call for d in self.dependant.dependencies if isinstance(d.call, Requires)), None)
        if gate is None:
            return handler

        async def admitted(request: Request):
            state = request.app.state
            request.state.actor = admit(state.ctx, state.limits,
                                        bearer_token(request.headers.get("authorization")),
                                        remote_address(request), gate.permission)
            return await idempotent.answer(request, request.state.actor, handler)

        return admitted


def trace_refusal(request: Request, exc: DomainError) -> None:
    """Writes a refused request (401, 403) to the audit log, whoever refused it: admission or a
    use case, an API route or a web page (item 8)."""
    who = getattr(request.state, "actor", None) or getattr(exc, "actor", None)
    record_refusal(request.app.state.ctx, who, remote_address(request), exc,
                   f"{request.method} {request.url.path}")
