"""The documents repository (資格情報のお知らせ, 限度額・減額認定証, 高齢受給者証, 特定疾病受療証,
and the approvals recorded without paper), and the 交付番号 counters of every kind of document."""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from sqlalchemy import Connection, insert, select, update

from ...domain.certificates import IssuedDocument
from . import repository as repo
from .schema import documents

_D = documents.c


def _document(row) -> IssuedDocument:
    return IssuedDocument(row.id, row.member_id, row.kind, row.serial, row.issued_on, row.valid_from,
                          row.valid_until, row.detail, row.cancelled_on, row.cancel_reason, row.cancelled_by)


class SqlDocuments:
    def __init__(self, conn: Connection):
        self.conn = conn

    def add(self, member_id: int, kind: str, serial: str | None, issued_on: date,
            valid_from: date | None, valid_until: date | None, detail: Mapping[str, Any]) -> int:
        """Records an issued document (`serial` None: no paper); returns its id."""
        return self.conn.execute(insert(documents).values(
            member_id=member_id, kind=kind, serial=serial, issued_on=issued_on, valid_from=valid_from,
            valid_until=valid_until, detail=dict(detail))).inserted_primary_key[0]

    def cancel(self, document_id: int, on: date, reason: str, by: str) -> None:
        """取消 of a document issued in error: not valid from `on`; its serial stays taken (D-128)."""
        self.conn.execute(update(documents).where(_D.id == document_id)
                          .values(cancelled_on=on, cancel_reason=reason, cancelled_by=by))

    def get(self, document_id: int) -> IssuedDocument | None:
        row = self.conn.execute(select(documents).where(_D.id == document_id)).first()
        return _document(row) if row else None

    def of_member(self, member_id: int) -> list[IssuedDocument]:
        """A member's documents in issue order."""
        rows = self.conn.execute(select(documents).where(_D.member_id == member_id).order_by(_D.id))
        return [_document(row) for row in rows]


class DocumentSerials:
    """交付番号 counters, one per kind of document; a number is never handed out twice."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def next(self, kind: str) -> int:
        return repo.next_serial(self.conn, kind)
