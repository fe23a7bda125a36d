"""`Idempotency-Key` on the API's POSTs (issue 14, item 3; D-150, D-151): a POST retried with the
same key and the same body gets the first answer again (status and body) and changes nothing;
the same key with another body is refused (422 `idempotency_key_reused`). Keys belong to the
caller (role and subject of the token): one caller cannot replay another's answer.

`GuardedRoute` calls `answer` after admission, so a replay is never served to a caller that is
not admitted (a revoked token, a role that may not)."""
from __future__ import annotations

import json
from typing import Awaitable, Callable

from fastapi import Request
from fastapi.responses import Response

from ...service_layer import idempotency
from ...service_layer.auth import Actor

HEADER = "idempotency-key"
MAX_KEY = 255
REPLAYED = "Idempotency-Replayed"


def _body_hash(body: bytes) -> str:
    """The body as it means: JSON compared without regard to key order or spacing."""
    try:
        return idempotency.digest(json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False))
    except ValueError:
        return idempotency.digest(body)


async def answer(request: Request, actor: Actor, handler: Callable[[Request], Awaitable[Response]]) -> Response:
    """The route's answer, replayed or stored when the POST carries an `Idempotency-Key`."""
    key = request.headers.get(HEADER, "").strip()
    if request.method != "POST" or not key:
        return await handler(request)
    ctx = request.app.state.ctx
    claim = idempotency.Claim(f"{actor.role.value}:{actor.subject}", key[:MAX_KEY],
                              f"POST {request.url.path}", _body_hash(await request.body()))
    found = idempotency.stored(ctx, claim)
    if found is not None:
        return Response(found.response, status_code=found.status, media_type="application/json",
                        headers={REPLAYED: "true"})
    with idempotency.claiming(claim):
        response = await handler(request)
    body = getattr(response, "body", None)
    if body is not None and (claim.claimed or response.status_code < 300):
        idempotency.record(ctx, claim, response.status_code, bytes(body).decode("utf-8", "replace"))
    return response
