"""The accounts of the web pages (ログイン): staff users (職員), the signed-in browsers
(web_sessions; only token hashes) and the misses of names or card ids that sign in nobody
(sign_in_misses, D-94); repositories on the unit of work's connection."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from . import repository as repo
from .schema import sign_in_misses, users, web_sessions


def _columns(table, record: type) -> list:
    """The columns of `table` a record type holds, in its fields' order."""
    return [table.c[field.name] for field in fields(record)]


@dataclass(frozen=True, slots=True)
class StaffUser:
    """職員の利用者: the argon2 hash of the password, the misses in a row and the lock-out."""

    username: str
    display_name: str
    role: str
    password_hash: str
    failed_attempts: int
    locked_until: datetime | None
    disabled_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A signed-in browser as stored: the cookie token's hash, never the token."""

    token_hash: str
    role: str
    subject: str  # username or card id
    csrf_token: str
    created_at: datetime
    expires_at: datetime


class StaffUsers:
    def __init__(self, conn: Connection):
        self.conn = conn

    def get(self, username: str, *, for_update: bool = False) -> StaffUser | None:
        """The user of a name (locked for the transaction with `for_update`), or None."""
        query = select(*_columns(users, StaffUser)).where(users.c.username == username)
        row = self.conn.execute(query.with_for_update() if for_update else query).first()
        return StaffUser(*row) if row else None

    def add(self, username: str, display_name: str, role: str, password_hash: str,
            created_at: datetime) -> None:
        self.conn.execute(insert(users).values(username=username, display_name=display_name, role=role,
                                               password_hash=password_hash, created_at=created_at))

    def store_failures(self, username: str, failures: int, locked_until: datetime | None) -> bool:
        """The misses in a row and the lock-out of a user; False when no user has the name."""
        return bool(self.conn.execute(update(users).where(users.c.username == username).values(
            failed_attempts=failures, locked_until=locked_until)).rowcount)

    def set_password(self, username: str, password_hash: str) -> bool:
        """A new password hash (a change or an admin's reset; the misses and lock-out cleared);
        False when no user has the name."""
        return bool(self.conn.execute(update(users).where(users.c.username == username).values(
            password_hash=password_hash, failed_attempts=0, locked_until=None)).rowcount)


class SignInMisses:
    """Misses under a keyed hash of a typed name or card id that signs in nobody."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def count(self, name_hash: str, now: datetime) -> tuple[int, datetime | None]:
        """(misses in a row, locked until) of a typed value, its row locked for the transaction
        (created when absent). Rows of a lock-out that ran out by `now` are dropped on the way."""
        self.conn.execute(delete(sign_in_misses).where(sign_in_misses.c.locked_until < now,
                                                       sign_in_misses.c.failures == 0))
        repo.insert_if_absent(self.conn, sign_in_misses, "name_hash",
                              {"name_hash": name_hash, "failures": 0, "last_failed_at": now})
        row = self.conn.execute(select(sign_in_misses.c.failures, sign_in_misses.c.locked_until)
                                .where(sign_in_misses.c.name_hash == name_hash).with_for_update()).one()
        return row.failures, row.locked_until

    def record(self, name_hash: str, failures: int, locked_until: datetime | None, at: datetime) -> None:
        self.conn.execute(update(sign_in_misses).where(sign_in_misses.c.name_hash == name_hash).values(
            failures=failures, locked_until=locked_until, last_failed_at=at))


class WebSessions:
    def __init__(self, conn: Connection):
        self.conn = conn

    def get(self, token_hash: str) -> StoredSession | None:
        row = self.conn.execute(select(*_columns(web_sessions, StoredSession))
                                .where(web_sessions.c.token_hash == token_hash)).first()
        return StoredSession(*row) if row else None

    def add(self, token_hash: str, role: str, subject: str, csrf_token: str, created_at: datetime,
            expires_at: datetime) -> None:
        self.conn.execute(insert(web_sessions).values(
            token_hash=token_hash, role=role, subject=subject, csrf_token=csrf_token,
            created_at=created_at, expires_at=expires_at))

    def drop_expired(self, now: datetime) -> None:
        self.conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))

    def remove(self, token_hash: str) -> None:
        self.conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash))

    def end_all(self, role: str, subject: str) -> None:
        """Ends every session of a subject (a card whose PIN was reset)."""
        self.conn.execute(delete(web_sessions).where(web_sessions.c.role == role,
                                                     web_sessions.c.subject == subject))

    def end_others(self, subject: str, keep: str | None) -> int:
        """Ends every staff session of a user but the one whose token hash is `keep` (a password
        change keeps the browser that made it); how many were ended."""
        query = delete(web_sessions).where(web_sessions.c.subject == subject,
                                           web_sessions.c.role != "member")
        if keep is not None:
            query = query.where(web_sessions.c.token_hash != keep)
        return self.conn.execute(query).rowcount or 0
