"""一度限りの送信 (one-time submissions): the repository of the `idempotency_keys` table — the
claim of a key, written in the transaction of the write it guards, and the answer stored after
it (service_layer.idempotency). No rules here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .schema import idempotency_keys


class SqlIdempotencyKeys:
    """Keys by their hash (the caller and the key, never the key alone)."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def get(self, key_hash: str, since: datetime):
        """The row kept for the key (route, request_hash, status, response), unless it was made
        before `since` (expired)."""
        return self.conn.execute(select(idempotency_keys).where(
            idempotency_keys.c.key_hash == key_hash, idempotency_keys.c.created_at >= since)).first()

    def claim(self, claim, at: datetime, expired_before: datetime) -> bool:
        """Takes the key (status 0: no answer yet), after dropping the expired keys; False when a
        concurrent request holds it (the caller then refuses, and its transaction rolls back)."""
        self.conn.execute(delete(idempotency_keys).where(idempotency_keys.c.created_at < expired_before))
        try:
            self.conn.execute(insert(idempotency_keys).values(_row(claim, 0, "", at)))
        except IntegrityError:
            return False
        return True

    def store(self, claim, status: int, response: str, at: datetime) -> None:
        """The answer to the claimed key (the claim is made now when nothing was written)."""
        done = self.conn.execute(update(idempotency_keys).where(
            idempotency_keys.c.key_hash == claim.key_hash).values(status=status, response=response))
        if done.rowcount == 0:
            self.conn.execute(insert(idempotency_keys).values(_row(claim, status, response, at)))


def _row(claim, status: int, response: str, at: datetime) -> dict:
    """A claim (service_layer.idempotency.Claim) as its row."""
    return dict(key_hash=claim.key_hash, subject=claim.subject[:100], route=claim.route[:200],
                request_hash=claim.request_hash, status=status, response=response, created_at=at)
