"""In-memory fake of the audit log's read model (adapters/db/audit_read.py) over the store's
audit rows (oldest first; a row's id and seq are its place, its hash a stand-in)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from shikaku.domain.audit_chain import Head

if TYPE_CHECKING:
    from tests.service.fakes import Store


class FakeAuditLogView:
    def __init__(self, store: Store):
        self.store = store

    def page(self, *, target: str | None, action: str | None, among: Iterable[str] | None,
             limit: int, offset: int) -> tuple[list[dict], int]:
        wanted = None if among is None else set(among)
        rows = [{"id": seq, **row} for seq, row in enumerate(self.store.audit, 1)
                if (not target or row["target"] == target) and (not action or row["action"] == action)
                and (wanted is None or row["action"] in wanted)][::-1]
        return rows[offset:offset + limit], len(rows)

    def work_between(self, start, end, prefixes: Iterable[str], besides: Iterable[str]) -> list[dict]:
        prefixes, besides = tuple(prefixes), set(besides)
        return [{"id": seq, **{k: row.get(k) for k in ("at", "actor", "role", "action", "target")}}
                for seq, row in enumerate(self.store.audit, 1)
                if row.get("at") is not None and start <= row["at"] < end
                and row["action"].startswith(prefixes) and row["action"] not in besides]

    def actions(self) -> list[str]:
        return sorted({row["action"] for row in self.store.audit})

    def head(self) -> Head | None:
        seq = len(self.store.audit)
        return Head(seq, self.link(seq) or "", self.store.audit_key)

    def link(self, seq: int) -> str | None:
        return f"fake-{seq}" if 1 <= seq <= len(self.store.audit) else None
