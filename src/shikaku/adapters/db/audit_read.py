"""Read model of the audit log (監査ログ): pages of rows newest first, the actions it holds,
and the chain's head and links (the anchors of D-93)."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import Connection, or_, select

from ...domain.audit_chain import Head
from . import audit_chain
from . import repository as repo
from .schema import audit_log


class AuditLogView:
    def __init__(self, conn: Connection):
        self.conn = conn

    def page(self, *, target: str | None, action: str | None, among: Iterable[str] | None,
             limit: int, offset: int) -> tuple[list[dict], int]:
        """Rows newest first: `target` and `action` filter on equality, `among` keeps those
        actions only; and the total."""
        query = select(audit_log)
        if target:
            query = query.where(audit_log.c.target == target)
        if action:
            query = query.where(audit_log.c.action == action)
        if among is not None:
            query = query.where(audit_log.c.action.in_(list(among)))
        total = repo.count(self.conn, query)
        rows = self.conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit).offset(offset))
        return [dict(row._mapping) for row in rows], total

    def work_between(self, start, end, prefixes: Iterable[str], besides: Iterable[str]) -> list[dict]:
        """The rows of [start, end) whose action begins with one of `prefixes` and is none of
        `besides` (本日の受付), oldest first: at, actor, role, action, target (no detail)."""
        query = (select(audit_log.c.id, audit_log.c.at, audit_log.c.actor, audit_log.c.role, audit_log.c.action,
                        audit_log.c.target)
                 .where(audit_log.c.at >= start, audit_log.c.at < end,
                        or_(*(audit_log.c.action.startswith(prefix, autoescape=True) for prefix in prefixes)),
                        audit_log.c.action.not_in(list(besides)))
                 .order_by(audit_log.c.id))
        return [dict(row._mapping) for row in self.conn.execute(query)]

    def actions(self) -> list[str]:
        return list(self.conn.execute(select(audit_log.c.action).distinct().order_by(audit_log.c.action)).scalars())

    def head(self) -> Head | None:
        """The chain's last link (seq, row hash, key)."""
        return audit_chain.read_head(self.conn)

    def link(self, seq: int) -> str | None:
        """The row hash at `seq`, or None when no row has it."""
        return audit_chain.read_link(self.conn, seq)
