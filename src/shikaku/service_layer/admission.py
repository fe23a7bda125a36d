"""Admission of a request (issue 12, items 2, 8, 11): who is calling, whether their role may use
the route, and a trace of every refusal — decided from the request's headers alone, before its
body is read, so that a caller who may not use a route learns nothing of its fields and costs
no more than its headers.

The same order everywhere (HTTP API, the verification fast path): the failed-credential limit
of the client address, the credential, the facility rate limit, the permission. The limits are
the entry point's (`RateLimits`, one per server process), handed in with each request. Refusals (401,
403, and 429 for failed credentials or sign-ins) are written to the audit log, as the マイナンバー guideline's access records include failed
attempts; a flood is summarised rather than written row by row (`DenialTrace`)."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from ..adapters.rate_limit import RateLimits, TokenBuckets
from ..domain.errors import DomainError
from ..domain.numbers import masked_if_my_number
from . import society
from .auth import Actor, Forbidden, Permission, Role, allowed
from .context import Context, audit

DENIED, FORBIDDEN = "access.denied", "access.forbidden"  # the audit actions of a 401 and a 403
# A 429 for failed credentials (API) or failed sign-ins (web pages): the code → the audit action.
THROTTLED = {"too_many_failures": "access.throttled", "sign_in_throttled": "sign_in.throttled"}
TARGET_WIDTH = 100  # audit_log.target


class Refusal(DomainError):
    """401 or 429 from admission; `retry_after` (seconds) for a 429."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(code, message, status=status)
        self.retry_after = retry_after


def unauthorized() -> Refusal:
    return Refusal(401, "unauthorized", "有効なアクセストークンが必要です")


def rate_limited(retry_after: int) -> Refusal:
    return Refusal(429, "rate_limited", "照会が上限を超えました。しばらく待ってから再度お試しください",
                   retry_after)


def too_many_failures(retry_after: int) -> Refusal:
    return Refusal(429, "too_many_failures", "無効な認証情報による要求が続いたため、この接続元からの要求を"
                   "一時的に制限しています。しばらく待ってから再度お試しください", retry_after)


@dataclass
class DenialTrace:
    """How many refusals are written to the audit log: per client address (`per_address`) and in
    all (`overall`), each a token bucket of rows per minute. A refusal over either limit is
    counted and the next row written for its address carries the count (`suppressed`), so the
    log stays complete in number while a flood cannot fill the disk."""

    per_address: TokenBuckets
    overall: TokenBuckets

    def __post_init__(self):
        self._suppressed: dict[str, int] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> DenialTrace:
        return cls(TokenBuckets.from_env("SHIKAKU_DENIAL_TRACE_RATE", "SHIKAKU_DENIAL_TRACE_BURST", 30.0, 60.0),
                   TokenBuckets.from_env("SHIKAKU_DENIAL_TRACE_TOTAL", "SHIKAKU_DENIAL_TRACE_TOTAL_BURST",
                                         600.0, 60.0))

    def admit(self, address: str) -> int | None:
        """None when this refusal is only counted; else the number counted since the last row."""
        with self._lock:
            if self.per_address.allow(address) and self.overall.allow("*"):
                return self._suppressed.pop(address, 0)
            if len(self._suppressed) < self.per_address.max_keys:
                self._suppressed[address] = self._suppressed.get(address, 0) + 1
            return None


def _traced_action(refusal: DomainError) -> str | None:
    """The audit action of a refusal worth tracing: no credential or a wrong one, a role that
    may not, a client held back for failed credentials or sign-ins; None for the rest (a
    clinic over its rate limit has been told, and is no attempt on anything)."""
    if refusal.status == 401:
        return DENIED
    if refusal.status == 403:
        return FORBIDDEN
    return THROTTLED.get(refusal.code)


def record_refusal(ctx: Context, who: Actor | None, remote: str | None, refusal: DomainError,
                   where: str) -> None:
    """One audit row for a refused request (`who` None when no one was authenticated), within
    the trace's limits. `where` is the method and path; a path segment shaped like a 個人番号 is
    masked (D-80)."""
    action = _traced_action(refusal)
    if action is None:
        return
    who = who or Actor(Role.ANONYMOUS, "-", remote)
    suppressed = ctx.denial_trace.admit(who.remote or "-")
    if suppressed is None:
        return
    target = "/".join(masked_if_my_number(part) for part in where.split("/"))[:TARGET_WIDTH]
    detail = {"status": refusal.status, **({"suppressed": suppressed} if suppressed else {})}
    with ctx.connection(write=True) as conn:
        audit(conn, who, action, target, **detail)


def admit(ctx: Context, limits: RateLimits, bearer: str | None, remote: str | None,
          permission: Permission | None) -> Actor:
    """The actor behind a bearer token who may use a route needing `permission` (None: any
    authenticated caller), or a `Refusal` / `Forbidden` (which the entry point traces with
    `record_refusal`, as it does a refusal by a use case)."""
    address = remote or "-"
    failures = limits.credential_failures
    # Past the limit only a token known without a look-up is served: a guesser costs no database
    # read, while a clinic behind the same address whose token was just used carries on.
    held_back = bool(bearer) and failures.exhausted(address)
    who = society.authenticate(ctx, bearer, remote, look_up=not held_back)
    if who is None and held_back:
        raise too_many_failures(failures.wait(address))
    if who is None:
        if bearer:
            failures.allow(address)  # counts the failure
        raise unauthorized()
    if who.role is Role.FACILITY and not limits.facility.allow(who.subject):
        raise rate_limited(limits.facility.wait(who.subject))
    if permission is not None and not allowed(who, permission):
        refused = Forbidden()
        refused.actor = who  # who was refused, for the trace
        raise refused
    return who


def charge(limits: RateLimits, who: Actor, queries: int) -> None:
    """DOMAIN.md §10: a request of several queries (一括照会) counts as many against the
    facility's rate limit; admission took one, the rest is owed (the facility waits until it is
    repaid)."""
    if who.role is Role.FACILITY:
        limits.facility.take(who.subject, queries - 1)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
