"""API bearer tokens (api_tokens): only a token's hash is stored. A repository on the unit of
work's connection, and the read model of the admins' list."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from . import repository as repo
from .schema import api_tokens


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A token as stored: its id, role and subject, and its hash."""

    id: int
    role: str
    subject: str
    token_hash: str


_STORED = (api_tokens.c.id, api_tokens.c.role, api_tokens.c.subject, api_tokens.c.token_hash)


class ApiTokens:
    def __init__(self, conn: Connection):
        self.conn = conn

    def add(self, token_hash: str, role: str, subject: str, created_at: datetime) -> int:
        """Stores a new token; its id."""
        return self.conn.execute(insert(api_tokens).values(
            token_hash=token_hash, role=role, subject=subject,
            created_at=created_at).returning(api_tokens.c.id)).scalar_one()

    def live(self, token_hash: str) -> StoredToken | None:
        """The token of a hash unless it is revoked, or None."""
        row = self.conn.execute(select(*_STORED).where(api_tokens.c.token_hash == token_hash,
                                                       api_tokens.c.revoked_at.is_(None))).first()
        return StoredToken(*row) if row else None

    def id_of(self, token_hash: str) -> int | None:
        """The id of the token of a hash, revoked or not, or None."""
        return self.conn.execute(select(api_tokens.c.id).where(api_tokens.c.token_hash == token_hash)).scalar()

    def exists(self, token_id: int) -> bool:
        return self.conn.execute(select(api_tokens.c.id).where(api_tokens.c.id == token_id)).first() is not None

    def revoke(self, token_id: int, at: datetime) -> StoredToken | None:
        """Marks a live token revoked at `at`: the token, or None when none is live with the id."""
        row = self.conn.execute(update(api_tokens).where(api_tokens.c.id == token_id,
                                                         api_tokens.c.revoked_at.is_(None))
                                .values(revoked_at=at).returning(*_STORED)).first()
        return StoredToken(*row) if row else None


class TokenList:
    """The admins' list of tokens: never a token or its hash."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def page(self, limit: int, offset: int) -> tuple[list[dict], int]:
        """One page of tokens newest first (id, role, subject, created_at, revoked_at), and the total."""
        query = select(api_tokens.c.id, api_tokens.c.role, api_tokens.c.subject, api_tokens.c.created_at,
                       api_tokens.c.revoked_at)
        total = repo.count(self.conn, query)
        rows = self.conn.execute(query.order_by(api_tokens.c.id.desc()).limit(limit).offset(offset))
        return [dict(row._mapping) for row in rows], total
