"""The outermost ASGI layer (issue 12, items 6 and 10): a size limit on every request body,
answered 413 before the body is read where its length is declared and as soon as it is
exceeded where it is not; and the security headers of every response.

Limits by path (`body_limit`): a verification is a few hundred bytes, a batch of 10,000 items
about 2 MB, an uploaded notification file can be large; everything else is a form or a JSON
command of a few kilobytes."""
from __future__ import annotations

import functools

import orjson
from starlette.exceptions import HTTPException

from .problems import PROBLEM, problem_body

KIB, MIB = 1024, 1024 * 1024
DEFAULT_LIMIT = 1 * MIB
LIMITS = {"/api/v1/verifications": 64 * KIB, "/api/v1/verification-batches": 8 * MIB,
          "/api/v1/oqs/bulk-confirmations": 16 * MIB, "/staff/imports": 256 * MIB}

# Pages load their script, styles and images from this server only and are never framed; the
# API answers data, never a document. Swagger UI (/api/docs) needs its CDN and an inline script.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
               "https://fastapi.tiangolo.com; frame-ancestors 'none'; base-uri 'none'")
_COMMON = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"no-referrer")]


def body_limit(path: str) -> int:
    return LIMITS.get(path, DEFAULT_LIMIT)


@functools.lru_cache(maxsize=1024)
def security_headers(path: str) -> tuple[tuple[bytes, bytes], ...]:
    """The headers every response of `path` carries. Everything but the static files is
    personal or operational data: never stored by a browser or a proxy."""
    if path.startswith("/static/"):
        return (*_COMMON, (b"content-security-policy", API_POLICY.encode()))
    policy = DOCS_POLICY if path == "/api/docs" else API_POLICY if path.startswith("/api/") else PAGE_POLICY
    return (*_COMMON, (b"content-security-policy", policy.encode()), (b"cache-control", b"no-store"))


def _too_large_message(limit: int) -> str:
    return f"リクエストが大きすぎます（上限 {limit // KIB:,} KiB）"


class BodyTooLarge(HTTPException):
    """Raised by the wrapped `receive` once a body is longer than its limit: an HTTP error, so
    that the application answers it as 413 (problem+json, or the error page) wherever the body
    was being read."""

    def __init__(self, limit: int):
        super().__init__(413, _too_large_message(limit))
        self.limit = limit


class Edge:
    """ASGI middleware in front of everything (the verification fast path included)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, limit = scope["path"], body_limit(scope["path"])
        extra = security_headers(path)
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                # The application sets none of these: the edge is the one place they are decided.
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        declared = _content_length(scope)
        if declared is not None:
            if declared > limit:
                await _answer_too_large(send_with_headers, limit)
            else:  # the server stops a body at its declared length: nothing to count
                await self.app(scope, receive, send_with_headers)
            return
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await _answer_too_large(send_with_headers, limit)


def _content_length(scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _answer_too_large(send, limit: int) -> None:
    content = orjson.dumps(problem_body(413, "body_too_large", _too_large_message(limit)))
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(content)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": content})
