"""In-memory fakes of the society, the facilities (the store's `facility_names`) and the API
tokens (adapters/db/society.py, adapters/db/tokens.py)."""
from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING

from shikaku.adapters.db.society import SocietyRecord
from shikaku.adapters.db.tokens import StoredToken

if TYPE_CHECKING:
    from tests.service.fakes import Store


class FakeSociety:
    def __init__(self, store: Store):
        self.store = store

    def get(self) -> SocietyRecord | None:
        return self.store.society

    def add(self, insurer_number: str, name: str, key_check: str) -> None:
        assert self.store.society is None  # one row
        self.store.society = SocietyRecord(insurer_number, name, key_check)

    def set_key_check(self, key_check: str) -> None:
        self.store.society = dataclasses.replace(self.store.society, key_check=key_check)


class FakeFacilities:
    def __init__(self, store: Store):
        self.store = store

    def exists(self, code: str) -> bool:
        return code in self.store.facility_names

    def add(self, code: str, name: str) -> None:
        assert code not in self.store.facility_names
        self.store.facility_names[code] = name


class FakeApiTokens:
    """Rows of `store.api_tokens` by id: the columns of adapters.db.schema.api_tokens."""

    def __init__(self, store: Store):
        self.store = store

    def _stored(self, row: dict) -> StoredToken:
        return StoredToken(row["id"], row["role"], row["subject"], row["token_hash"])

    def add(self, token_hash: str, role: str, subject: str, created_at: datetime) -> int:
        tokens = self.store.api_tokens
        assert all(row["token_hash"] != token_hash for row in tokens.values())
        token_id = max(tokens, default=0) + 1
        tokens[token_id] = dict(id=token_id, token_hash=token_hash, role=role, subject=subject,
                                created_at=created_at, revoked_at=None)
        return token_id

    def live(self, token_hash: str) -> StoredToken | None:
        return next((self._stored(row) for row in self.store.api_tokens.values()
                     if row["token_hash"] == token_hash and row["revoked_at"] is None), None)

    def id_of(self, token_hash: str) -> int | None:
        return next((i for i, row in self.store.api_tokens.items() if row["token_hash"] == token_hash), None)

    def exists(self, token_id: int) -> bool:
        return token_id in self.store.api_tokens

    def revoke(self, token_id: int, at: datetime) -> StoredToken | None:
        row = self.store.api_tokens.get(token_id)
        if row is None or row["revoked_at"] is not None:
            return None
        row["revoked_at"] = at
        return self._stored(row)


class FakeTokenList:
    def __init__(self, store: Store):
        self.store = store

    def page(self, limit: int, offset: int) -> tuple[list[dict], int]:
        rows = sorted(self.store.api_tokens.values(), key=lambda row: -row["id"])
        return [{k: row[k] for k in ("id", "role", "subject", "created_at", "revoked_at")}
                for row in rows[offset:offset + limit]], len(rows)
