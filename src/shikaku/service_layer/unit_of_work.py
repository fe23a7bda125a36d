"""The unit of work (工程の単位; *Architecture Patterns with Python*, ch. 6): one transaction in
which a use case loads through repositories, decides with the domain, stores and audits — all
of it or nothing. `Context.writing()` and `Context.reading()` open one.

The database's is `adapters.db.unit_of_work.SqlUnitOfWork`; `tests/service/fakes.py` holds the
in-memory one the service tests run the use cases against (a test checks that both offer the
same repositories with the same methods).
"""
from __future__ import annotations

from typing import Any, Protocol

from ..domain.family import Ledger


class UnitOfWork(Protocol):
    """What a use case reaches: repositories (families, certificates, documents, runs,
    accounts …), read models, the ledger, and the audit log."""

    families: Any
    ledger: Ledger

    def audit(self, actor: Any, action: str, target: str | None = None, **detail: Any) -> None:
        """One row of the hash-chained audit log; `detail` never carries a clear 個人番号."""
