"""Reading the append-only audit log (監査ログ); only the admin and auditor roles may."""
from __future__ import annotations

from sqlalchemy import select

from ..adapters.db import repository as repo
from ..adapters.db.schema import audit_log
from .auth import Actor, Permission, authorize
from .context import Context


def read(ctx: Context, actor: Actor, *, target: str | None = None, limit: int = 100,
         offset: int = 0) -> tuple[list[dict], int]:
    """Newest first."""
    authorize(actor, Permission.AUDIT_READ)
    query = select(audit_log)
    if target:
        query = query.where(audit_log.c.target == target)
    with ctx.reading() as conn:
        total = repo.count(conn, query)
        rows = conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit).offset(offset))
        return [dict(row._mapping) for row in rows], total
