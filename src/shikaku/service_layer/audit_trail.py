"""Reading the append-only audit log (監査ログ) and verifying its hash chain; only the admin and
auditor roles may."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from ..adapters.db import audit_chain
from ..adapters.db import repository as repo
from ..adapters.db.schema import audit_log
from ..domain.audit_chain import Break, Head
from .auth import Actor, Permission, authorize
from .context import Context


def read(ctx: Context, actor: Actor, *, target: str | None = None, action: str | None = None,
         limit: int = 100, offset: int = 0) -> tuple[list[dict], int]:
    """Newest first; `target` and `action` filter on equality."""
    authorize(actor, Permission.AUDIT_READ)
    query = select(audit_log)
    if target:
        query = query.where(audit_log.c.target == target)
    if action:
        query = query.where(audit_log.c.action == action)
    with ctx.reading() as conn:
        total = repo.count(conn, query)
        rows = conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit).offset(offset))
        return [dict(row._mapping) for row in rows], total


def actions(ctx: Context, actor: Actor) -> list[str]:
    """The actions the log holds, for a filter."""
    authorize(actor, Permission.AUDIT_READ)
    with ctx.reading() as conn:
        return list(conn.execute(select(audit_log.c.action).distinct().order_by(audit_log.c.action)).scalars())


def verify(ctx: Context, actor: Actor, progress: Callable[[int, int], None] | None = None) -> Break | None:
    """Walks the whole chain; the first break (edited, deleted, reordered or inserted row), or None."""
    authorize(actor, Permission.AUDIT_READ)
    return audit_chain.verify(ctx.engine, ctx.vault, progress)


def head(ctx: Context, actor: Actor) -> Head | None:
    """The chain's last link (seq, row hash): worth keeping outside the database (D-36)."""
    authorize(actor, Permission.AUDIT_READ)
    with ctx.reading() as conn:
        return audit_chain.read_head(conn)
