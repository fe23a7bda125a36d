"""一度限りの送信 (one-time submissions, issue 14 item 3): a form sent twice, or an API POST
retried with the same `Idempotency-Key`, makes one record and gets the first answer again.

An entry point names the submission (`Claim`: who, which key, which route, which body) and runs
its use case inside `claiming(claim)`. The first unit of work that commits during it writes the
claim in the same transaction (`Context.writing` calls `claim_pending`), so a write is never
stored without its key; the entry point then stores the answer (`record`). A later submission
with the same key finds the answer (`stored`) and replays it; with another body or route it is
refused (`idempotency_key_reused`); a claim without an answer yet (a concurrent request, or one
cut off between its write and its answer) is `idempotency_key_in_progress`. Keys expire after
`EXPIRY` (D-151)."""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

from ..domain.errors import DomainError

EXPIRY = timedelta(hours=24)
IN_PROGRESS = 0  # the status of a claim whose answer is not stored yet


def digest(*parts: str | bytes) -> str:
    """SHA-256 of the parts, each ended by NUL (hex)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


@dataclass
class Claim:
    """One submission: `subject` (the caller: a token or a staff user), the `key` it sent,
    the `route` and a hash of what it sent; `claimed` once its key is written."""

    subject: str
    key: str
    route: str
    request_hash: str
    claimed: bool = False

    @property
    def key_hash(self) -> str:
        """Keys are scoped per caller: the same key of two callers are two keys."""
        return digest(self.subject, self.key)


class KeyReused(DomainError):
    def __init__(self):
        super().__init__("idempotency_key_reused", "この Idempotency-Key は別の内容の要求に使われています。"
                         "新しい要求には新しいキーを使ってください", "Idempotency-Key", status=422)


class InProgress(DomainError):
    def __init__(self):
        super().__init__("idempotency_key_in_progress", "同じ送信を処理中です。しばらくしてから結果を"
                         "ご確認ください", status=409)


_pending: ContextVar[Claim | None] = ContextVar("shikaku_idempotency_claim", default=None)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def stored(ctx, claim: Claim):
    """The answer to replay for the submission (`status`, `response`: what the first one
    answered), None for a new key; refuses a key reused for another request or one still
    without its answer."""
    with ctx.reading() as uow:
        found = uow.idempotency.get(claim.key_hash, _now() - EXPIRY)
    if found is None:
        return None
    if (found.route, found.request_hash) != (claim.route, claim.request_hash):
        raise KeyReused()
    if found.status == IN_PROGRESS:
        raise InProgress()
    return found


@contextmanager
def claiming(claim: Claim) -> Iterator[Claim]:
    """The use cases run inside write the claim with their first commit."""
    token = _pending.set(claim)
    try:
        yield claim
    finally:
        _pending.reset(token)


def claim_pending(uow) -> None:
    """Writes the pending claim in this unit of work, once (called before it commits)."""
    claim = _pending.get()
    if claim is None or claim.claimed:
        return
    now = _now()
    if not uow.idempotency.claim(claim, now, now - EXPIRY):
        raise InProgress()
    claim.claimed = True


def record(ctx, claim: Claim, status: int, response: str) -> None:
    """Stores the answer of the submission (after its use case, outside `claiming`)."""
    with ctx.writing() as uow:
        uow.idempotency.store(claim, status, response, _now())
