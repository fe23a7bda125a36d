"""In-memory fakes of the accounts' repositories (adapters/db/accounts.py): staff users, web
sessions, and the misses of names that sign in nobody."""
from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING

from shikaku.adapters.db.accounts import StaffUser, StoredSession

if TYPE_CHECKING:
    from tests.service.fakes import Store


class FakeStaffUsers:
    def __init__(self, store: Store):
        self.store = store

    def get(self, username: str, *, for_update: bool = False) -> StaffUser | None:
        return self.store.users.get(username)

    def add(self, username: str, display_name: str, role: str, password_hash: str,
            created_at: datetime) -> None:
        assert username not in self.store.users  # the database's unique index
        self.store.users[username] = StaffUser(username, display_name, role, password_hash, 0, None, None)

    def store_failures(self, username: str, failures: int, locked_until: datetime | None) -> bool:
        user = self.store.users.get(username)
        if user is not None:
            self.store.users[username] = dataclasses.replace(user, failed_attempts=failures,
                                                             locked_until=locked_until)
        return user is not None

    def set_password(self, username: str, password_hash: str) -> bool:
        user = self.store.users.get(username)
        if user is not None:
            self.store.users[username] = dataclasses.replace(user, password_hash=password_hash,
                                                             failed_attempts=0, locked_until=None)
        return user is not None


class FakeSignInMisses:
    def __init__(self, store: Store):
        self.store = store

    def count(self, name_hash: str, now: datetime) -> tuple[int, datetime | None]:
        misses = self.store.sign_in_misses
        for key in [k for k, (failures, until, _) in misses.items() if until and until < now and not failures]:
            del misses[key]
        failures, locked_until, _ = misses.setdefault(name_hash, (0, None, now))
        return failures, locked_until

    def record(self, name_hash: str, failures: int, locked_until: datetime | None, at: datetime) -> None:
        if name_hash in self.store.sign_in_misses:
            self.store.sign_in_misses[name_hash] = (failures, locked_until, at)


class FakeWebSessions:
    def __init__(self, store: Store):
        self.store = store

    def get(self, token_hash: str) -> StoredSession | None:
        return self.store.web_sessions.get(token_hash)

    def add(self, token_hash: str, role: str, subject: str, csrf_token: str, created_at: datetime,
            expires_at: datetime) -> None:
        assert token_hash not in self.store.web_sessions  # the primary key
        self.store.web_sessions[token_hash] = StoredSession(token_hash, role, subject, csrf_token,
                                                            created_at, expires_at)

    def drop_expired(self, now: datetime) -> None:
        self.store.web_sessions = {h: s for h, s in self.store.web_sessions.items() if s.expires_at >= now}

    def remove(self, token_hash: str) -> None:
        self.store.web_sessions.pop(token_hash, None)

    def end_all(self, role: str, subject: str) -> None:
        self.store.web_sessions = {h: s for h, s in self.store.web_sessions.items()
                                   if (s.role, s.subject) != (role, subject)}

    def end_others(self, subject: str, keep: str | None) -> int:
        ended = [h for h, s in self.store.web_sessions.items()
                 if s.subject == subject and s.role != "member" and h != keep]
        for h in ended:
            del self.store.web_sessions[h]
        return len(ended)
