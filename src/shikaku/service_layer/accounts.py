"""Who signs in to the web pages: staff users (職員, password) and members (加入者, their My Number
card's id and PIN), and the sessions their browsers hold."""
from __future__ import annotations

import functools
import hashlib
import re
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update

from ..adapters.db.schema import myna_cards, users, web_sessions
from ..domain.errors import DomainError
from ..domain.numbers import masked_if_my_number
from .auth import STAFF, Actor, Permission, Role, authorize
from .context import Context, as_utc, audit

STAFF_MAX_FAILURES = 5  # then the account is locked for STAFF_LOCK
STAFF_LOCK = timedelta(minutes=15)
PIN_MAX_FAILURES = 3  # as on a real card: the PIN locks after three misses
STAFF_SESSION = timedelta(hours=9)  # a working day
MEMBER_SESSION = timedelta(minutes=30)
MIN_PASSWORD = 10

_hasher = PasswordHasher()  # RFC 9106's low-memory profile: 64 MiB and 3 passes per hash
# Each hash or check holds its 64 MiB while it runs: two at a time per process, so that a burst
# of sign-ins waits its turn instead of taking the server's memory.
_hashing = threading.BoundedSemaphore(2)

SIGN_IN_REFUSED = DomainError("sign_in_failed", "利用者IDまたはパスワードが正しくありません", status=401)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _hash(secret: str) -> str:
    with _hashing:
        return _hasher.hash(secret)


def _verified(hashed: str, secret: str) -> bool:
    try:
        with _hashing:
            return _hasher.verify(hashed, secret)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """A hash to check against when the user does not exist, so that timing does not tell; made
    on first use (a worker that only answers verifications never needs its 64 MiB)."""
    return _hash(secrets.token_hex(8))


def validate_username(username: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{2,63}", username):
        raise DomainError("invalid_username",
                          "利用者IDは英小文字・数字・._- の3〜64文字で指定してください", "username")
    return username


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise DomainError("weak_password", f"パスワードは{MIN_PASSWORD}文字以上にしてください", "password")
    return password


def validate_pin(pin: str) -> str:
    """暗証番号: the 4 digits of the card's user certificate (利用者証明用電子証明書)."""
    if not re.fullmatch(r"[0-9]{4}", pin or ""):
        raise DomainError("invalid_pin", "暗証番号は数字4桁で入力してください", "pin")
    return pin


def hash_pin(pin: str) -> str:
    return _hash(validate_pin(pin))


def add_user(ctx: Context, actor: Actor, username: str, display_name: str, role: Role,
             password: str) -> dict:
    """Creates a staff account (`shikaku user add`)."""
    authorize(actor, Permission.USERS_WRITE)
    if role not in STAFF:
        raise DomainError("invalid_role", "職員の役割は admin / supervisor / clerk / auditor です", "role")
    username, password = validate_username(username), validate_password(password)
    with ctx.writing() as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first():
            raise DomainError("user_exists", "この利用者IDは登録済みです", "username", status=409)
        conn.execute(insert(users).values(username=username, display_name=display_name or username,
                                          role=role.value, password_hash=_hash(password),
                                          created_at=_now()))
        audit(conn, actor, "user.add", username, role=role.value)
    return {"username": username, "display_name": display_name or username, "role": role.value}


def unlock_user(ctx: Context, actor: Actor, username: str) -> None:
    authorize(actor, Permission.USERS_WRITE)
    with ctx.writing() as conn:
        done = conn.execute(update(users).where(users.c.username == username)
                            .values(failed_attempts=0, locked_until=None)).rowcount
        if not done:
            raise DomainError("user_not_found", "該当する利用者が見つかりません", status=404)
        audit(conn, actor, "user.unlock", username)


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser: the cookie token (shown once), the actor and its CSRF token."""

    token: str
    actor: Actor
    csrf_token: str
    display_name: str


@contextmanager
def _keeping_refusals(ctx: Context) -> Iterator[Connection]:
    """The transaction of a sign-in attempt, committed even when the attempt is refused: raised
    inside a plain transaction, the refusal would roll back the failure count (so no lock-out
    ever) and its audit row. The refusal is raised after the commit."""
    refusal = None
    with ctx.writing() as conn:
        try:
            yield conn
        except DomainError as exc:
            refusal = exc
    if refusal is not None:
        raise refusal


def sign_in_staff(ctx: Context, username: str, password: str, remote: str | None) -> WebSession:
    """Checks a password; after STAFF_MAX_FAILURES misses in a row the account locks for STAFF_LOCK."""
    with _keeping_refusals(ctx) as conn:
        row = conn.execute(select(users).where(users.c.username == username)
                           .with_for_update()).first()
        if row is None or row.disabled_at is not None:
            _verified(_dummy_hash(), password)
            typed = masked_if_my_number(username)[:64] or "-"  # D-80
            audit(conn, Actor(Role.CLERK, typed, remote), "sign_in.refused", None)
            raise SIGN_IN_REFUSED
        who = Actor(Role(row.role), row.username, remote)
        locked_until = as_utc(row.locked_until)
        if locked_until and locked_until > _now():
            audit(conn, who, "sign_in.locked", row.username)
            raise _locked_out(locked_until)
        if not _verified(row.password_hash, password):
            failures = row.failed_attempts + 1
            lock = _now() + STAFF_LOCK if failures >= STAFF_MAX_FAILURES else None
            conn.execute(update(users).where(users.c.id == row.id).values(
                failed_attempts=0 if lock else failures, locked_until=lock))
            audit(conn, who, "sign_in.failed", row.username, failures=failures)
            if lock:
                raise _locked_out(lock)
            raise SIGN_IN_REFUSED
        conn.execute(update(users).where(users.c.id == row.id)
                     .values(failed_attempts=0, locked_until=None))
        return _open_session(conn, who, STAFF_SESSION, row.display_name)


def _locked_out(until: datetime) -> DomainError:
    minutes = max(1, int((until - _now()).total_seconds() // 60) + 1)
    return DomainError("account_locked",
                       f"ログインに続けて失敗したため、アカウントをロックしました。約{minutes}分後に"
                       "再度お試しいただくか、システム管理者に解除を依頼してください。", status=423)


def sign_in_member(ctx: Context, card_id: str, pin: str, remote: str | None) -> WebSession:
    """加入者のログイン: the My Number card's id and its 4-digit PIN; the third miss in a row
    locks the PIN, as the card itself does (reset at the municipality, here by an admin)."""
    with _keeping_refusals(ctx) as conn:
        card = conn.execute(select(myna_cards).where(myna_cards.c.card_id == card_id)
                            .with_for_update()).first()
        # A member may type the 個人番号 printed on the card for its id: never audited in clear (D-80).
        who = Actor(Role.MEMBER, masked_if_my_number(card_id)[:32] or "-", remote)
        if card is None or card.pin_hash is None:
            _verified(_dummy_hash(), pin)
            audit(conn, who, "portal.sign_in.refused", None)
            raise _wrong_pin(None)
        if card.pin_failures >= PIN_MAX_FAILURES:
            audit(conn, who, "portal.sign_in.locked", card_id)
            raise _pin_locked()
        if not _verified(card.pin_hash, pin):
            failures = card.pin_failures + 1
            conn.execute(update(myna_cards).where(myna_cards.c.card_id == card_id)
                         .values(pin_failures=failures))
            audit(conn, who, "portal.sign_in.failed", card_id, failures=failures)
            raise _pin_locked() if failures >= PIN_MAX_FAILURES else _wrong_pin(PIN_MAX_FAILURES - failures)
        conn.execute(update(myna_cards).where(myna_cards.c.card_id == card_id).values(pin_failures=0))
        return _open_session(conn, who, MEMBER_SESSION, "")


def _wrong_pin(left: int | None) -> DomainError:
    rest = f"あと{left}回間違えると暗証番号がロックされます。" if left else ""
    return DomainError("sign_in_failed", f"カード番号または暗証番号が正しくありません。{rest}", status=401)


def _pin_locked() -> DomainError:
    return DomainError("pin_locked", "暗証番号を3回続けて間違えたため、ロックされています。"
                       "お住まいの市区町村の窓口で暗証番号の再設定を行ってください。", status=423)


def set_card_pin(ctx: Context, actor: Actor, card_id: str, pin: str) -> None:
    """Sets or resets a card's PIN (the national side's 暗証番号再設定), which also unlocks it."""
    authorize(actor, Permission.NATIONAL_WRITE)
    digest = hash_pin(pin)
    with ctx.writing() as conn:
        done = conn.execute(update(myna_cards).where(myna_cards.c.card_id == card_id)
                            .values(pin_hash=digest, pin_failures=0)).rowcount
        if not done:
            raise DomainError("card_not_found", "該当するマイナンバーカードが見つかりません", status=404)
        audit(conn, actor, "myna.pin_reset", card_id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _open_session(conn, who: Actor, lifetime: timedelta, display_name: str) -> WebSession:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < _now()))
    conn.execute(insert(web_sessions).values(
        token_hash=_token_hash(token), role=who.role.value, subject=who.subject, csrf_token=csrf,
        created_at=_now(), expires_at=_now() + lifetime))
    audit(conn, who, "sign_in", who.subject)
    return WebSession(token, who, csrf, display_name)


def session(ctx: Context, token: str | None, remote: str | None) -> WebSession | None:
    """The live session behind a cookie, or None (unknown, expired, or the user disabled)."""
    if not token:
        return None
    with ctx.reading() as conn:
        row = conn.execute(select(web_sessions).where(
            web_sessions.c.token_hash == _token_hash(token))).first()
        if row is None or as_utc(row.expires_at) <= _now():
            return None
        name = ""
        if row.role != Role.MEMBER.value:
            user = conn.execute(select(users.c.display_name, users.c.disabled_at)
                                .where(users.c.username == row.subject)).first()
            if user is None or user.disabled_at is not None:
                return None
            name = user.display_name
    return WebSession(token, Actor(Role(row.role), row.subject, remote), row.csrf_token, name)


def sign_out(ctx: Context, token: str) -> None:
    with ctx.writing() as conn:
        row = conn.execute(select(web_sessions).where(
            web_sessions.c.token_hash == _token_hash(token))).first()
        if row is not None:
            conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == row.token_hash))
            audit(conn, Actor(Role(row.role), row.subject), "sign_out", row.subject)
