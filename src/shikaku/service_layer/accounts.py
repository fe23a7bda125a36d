"""Who signs in to the web pages: staff users (職員, password) and members (加入者, their My Number
card's id and PIN), and the sessions their browsers hold.

A sign-in under a name or card id that signs in nobody is answered exactly as one under a real
account with a wrong password, along the whole sequence (the lock-out and its duration included):
its misses are counted in `sign_in_misses` under a keyed hash of what was typed (D-94)."""
from __future__ import annotations

import functools
import hmac
import re
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable, Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..domain.errors import DomainError
from ..domain.family import MemberRecord
from ..domain.numbers import masked_if_my_number
from ..domain.text import check_text
from . import addresses, documents
from .auth import STAFF, Actor, Permission, Role, authorize, token_digest
from .context import Context, as_utc
from .members import find_family
from .unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from ..adapters.db.accounts import StaffUser
    from ..adapters.db.card_registry import PinCard

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
    check_text(display_name, "表示名", "name")
    with ctx.writing() as uow:
        if uow.staff_users.get(username):
            raise DomainError("user_exists", "この利用者IDは登録済みです", "username", status=409)
        uow.staff_users.add(username, display_name or username, role.value, _hash(password), _now())
        uow.audit(actor, "user.add", username, role=role.value)
    return {"username": username, "display_name": display_name or username, "role": role.value}


def unlock_user(ctx: Context, actor: Actor, username: str) -> None:
    authorize(actor, Permission.USERS_WRITE)
    with ctx.writing() as uow:
        if not uow.staff_users.store_failures(username, 0, None):
            raise DomainError("user_not_found", "該当する利用者が見つかりません", status=404)
        uow.audit(actor, "user.unlock", username)


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser: the cookie token (shown once), the actor and its CSRF token."""

    token: str
    actor: Actor
    csrf_token: str
    display_name: str


@contextmanager
def _keeping_refusals(ctx: Context) -> Iterator[UnitOfWork]:
    """The transaction of a sign-in attempt, committed even when the attempt is refused: raised
    inside a plain transaction, the refusal would roll back the failure count (so no lock-out
    ever) and its audit row. The refusal is raised after the commit."""
    refusal = None
    with ctx.writing() as uow:
        try:
            yield uow
        except DomainError as exc:
            refusal = exc
    if refusal is not None:
        raise refusal


@dataclass
class _Count:
    """The misses in a row behind one sign-in attempt, where they are kept: the user's or the
    card's row, or the `sign_in_misses` row of a name or card id that signs in nobody."""

    failures: int
    locked_until: datetime | None
    store: Callable[[int, datetime | None], None]


def _user_count(uow: UnitOfWork, user: StaffUser) -> _Count:
    def store(failures: int, locked_until: datetime | None) -> None:
        uow.staff_users.store_failures(user.username, failures, locked_until)
    return _Count(user.failed_attempts, as_utc(user.locked_until), store)


def _card_count(uow: UnitOfWork, card: PinCard) -> _Count:
    def store(failures: int, _locked_until: datetime | None) -> None:
        uow.card_registry.store_pin_failures(card.card_id, failures)
    return _Count(card.pin_failures, None, store)


def _miss_count(ctx: Context, uow: UnitOfWork, side: str, typed: str) -> _Count:
    """The misses of a typed value that signs in nobody, kept in the database so that every
    server process answers alike; under a keyed hash (HMAC, the vault's look-up key), so that a
    個人番号 typed for a name is stored neither in clear nor as a hash anyone could enumerate. Rows
    of a lock-out that has run out are dropped on the way (they count as no row)."""
    key = ctx.vault.current.lookup_hash(f"sign-in\x1f{side}\x1f{typed}")
    failures, locked_until = uow.sign_in_misses.count(key, _now())

    def store(failures: int, locked_until: datetime | None) -> None:
        uow.sign_in_misses.record(key, failures, locked_until, _now())
    return _Count(failures, as_utc(locked_until), store)


def sign_in_staff(ctx: Context, username: str, password: str, remote: str | None) -> WebSession:
    """Checks a password; after STAFF_MAX_FAILURES misses in a row the name locks for STAFF_LOCK,
    whether an account has it or not (D-94)."""
    with _keeping_refusals(ctx) as uow:
        row = uow.staff_users.get(username, for_update=True)
        known = row is not None and row.disabled_at is None
        if known:
            who, target, count = Actor(Role(row.role), row.username, remote), row.username, _user_count(uow, row)
        else:  # unknown or disabled: answered like a wrong password, never recorded as a role
            typed = masked_if_my_number(username)[:64] or "-"  # D-80
            who, target, count = Actor(Role.ANONYMOUS, typed, remote), None, _miss_count(ctx, uow, "staff", username)
        if count.locked_until and count.locked_until > _now():
            uow.audit(who, "sign_in.locked" if known else "sign_in.refused", target, locked=True)
            raise _locked_out(count.locked_until)
        if known and _verified(row.password_hash, password):
            count.store(0, None)
            return _open_session(uow, who, STAFF_SESSION, row.display_name)
        if not known:
            _verified(_dummy_hash(), password)  # as slow as a wrong password
        failures = count.failures + 1
        lock = _now() + STAFF_LOCK if failures >= STAFF_MAX_FAILURES else None
        count.store(0 if lock else failures, lock)
        uow.audit(who, "sign_in.failed" if known else "sign_in.refused", target, failures=failures)
        if lock:
            raise _locked_out(lock)
        raise SIGN_IN_REFUSED


def _locked_out(until: datetime) -> DomainError:
    minutes = max(1, int((until - _now()).total_seconds() // 60) + 1)
    return DomainError("account_locked",
                       f"ログインに続けて失敗したため、アカウントをロックしました。約{minutes}分後に"
                       "再度お試しいただくか、システム管理者に解除を依頼してください。", status=423)


def sign_in_member(ctx: Context, card_id: str, pin: str, remote: str | None) -> WebSession:
    """加入者のログイン: the My Number card's id and its 4-digit PIN; the third miss in a row
    locks the PIN, as the card itself does, until it is reset (a staff reset with a letter,
    `reset_portal_pin`). A card id that signs in nobody (no such card, or no PIN) is answered
    alike along the whole sequence (D-94)."""
    with _keeping_refusals(ctx) as uow:
        card = uow.card_registry.pin(card_id, for_update=True)
        known = card is not None and card.pin_hash is not None
        # A member may type the 個人番号 printed on the card for its id: never audited in clear (D-80).
        typed = masked_if_my_number(card_id)[:32] or "-"
        if known:
            who, target, count = Actor(Role.MEMBER, typed, remote), card_id, _card_count(uow, card)
        else:
            who, target, count = Actor(Role.ANONYMOUS, typed, remote), None, _miss_count(ctx, uow, "card", card_id)
        if count.failures >= PIN_MAX_FAILURES:
            uow.audit(who, "portal.sign_in.locked" if known else "portal.sign_in.refused", target, locked=True)
            raise _pin_locked()
        if known and _verified(card.pin_hash, pin):
            count.store(0, None)
            return _open_session(uow, who, MEMBER_SESSION, "")
        if not known:
            _verified(_dummy_hash(), pin)
        failures = count.failures + 1
        count.store(failures, None)
        uow.audit(who, "portal.sign_in.failed" if known else "portal.sign_in.refused", target, failures=failures)
        raise _pin_locked() if failures >= PIN_MAX_FAILURES else _wrong_pin(PIN_MAX_FAILURES - failures)


def _wrong_pin(left: int) -> DomainError:
    return DomainError("sign_in_failed", "カード番号または暗証番号が正しくありません。"
                       f"あと{left}回間違えると暗証番号がロックされます。", status=401)


def _pin_locked() -> DomainError:
    return DomainError("pin_locked", "暗証番号を3回続けて間違えたため、ロックされています。"
                       "ご加入の健康保険組合に再設定をお申し出いただくか（新しい暗証番号を郵送でお知らせします）、"
                       "お住まいの市区町村の窓口で暗証番号の再設定を行ってください。", status=423)


def set_card_pin(ctx: Context, actor: Actor, card_id: str, pin: str) -> None:
    """Sets or resets a card's PIN (the national side's 暗証番号再設定), which also unlocks it."""
    authorize(actor, Permission.NATIONAL_WRITE)
    digest = hash_pin(pin)
    with ctx.writing() as uow:
        if not uow.card_registry.set_pin(card_id, digest):
            raise DomainError("card_not_found", "該当するマイナンバーカードが見つかりません", status=404)
        uow.audit(actor, "myna.pin_reset", card_id)


@dataclass(frozen=True, slots=True)
class PortalPin:
    """The card a member signs in to the portal with (the newest of theirs with a PIN)."""

    card_id: str
    locked: bool


def _pin_card(uow: UnitOfWork, record: MemberRecord) -> PinCard | None:
    """The member's card with a PIN whose certificate runs longest (their current card), or None."""
    return uow.card_registry.portal_card(record.my_number.digest) if record.my_number else None


def portal_pin(ctx: Context, actor: Actor, member_id: str) -> PortalPin | None:
    """Whether the member signs in to the portal with a PIN, and whether it is locked (the staff
    member page offers the reset then)."""
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as uow:
        family, member = find_family(uow, member_id)
        card = _pin_card(uow, family.members[member])
    return PortalPin(card.card_id, card.pin_failures >= PIN_MAX_FAILURES) if card else None


_WEAK_PINS = {d * 4 for d in "0123456789"} | {"0123456789"[i:i + 4] for i in range(7)} | \
    {"9876543210"[i:i + 4] for i in range(7)}


def _new_pin() -> str:
    """A random 4-digit PIN (secrets), never one of the first a guesser tries (0000, 1234 …)."""
    while True:
        pin = f"{secrets.randbelow(10_000):04d}"
        if pin not in _WEAK_PINS:
            return pin


def reset_portal_pin(ctx: Context, actor: Actor, member_id: str) -> bytes:
    """暗証番号の再設定 by the society's staff (D-94): a new random PIN for the member's portal
    card, stored as its argon2 hash, the lock and the failure count cleared and the card's portal
    sessions ended; returns the letter to mail to the member (暗証番号再設定通知書, a PDF) — the
    only place the PIN ever is: it is neither stored nor audited nor logged, and the letter is
    made once. Audited as `portal.pin_reset` with the card id."""
    authorize(actor, Permission.MEMBERS_WRITE)
    on = ctx.today()
    with ctx.reading() as uow:
        family, member = find_family(uow, member_id)
        card = _pin_card(uow, family.members[member])
        if card is None:
            raise DomainError("portal_pin_not_set", "この方のマイナンバーカードには加入者ポータルの暗証番号が"
                              "設定されていないため、再設定できません", status=409)
        delivery = addresses.delivery_of(uow, family, member, family.history.state(member, on).name)
    holder = documents.holder(ctx, family.history.state(member, on))
    pin = _new_pin()
    digest = hash_pin(pin)
    from ..adapters.pdf import PinResetLetterPrint

    letter = ctx.renderer.pin_reset_letter(PinResetLetterPrint(holder=holder, card_hint=card.card_id[-4:],
                                                               pin=pin, issued_on=on), delivery)
    with ctx.writing() as uow:  # the letter is made first: a failure leaves the old PIN in place
        if not uow.card_registry.set_pin(card.card_id, digest, only_if_set=True):
            raise DomainError("portal_pin_not_set", "この方のマイナンバーカードの暗証番号は取り消されています", status=409)
        uow.web_sessions.end_all(Role.MEMBER.value, card.card_id)
        uow.audit(actor, "portal.pin_reset", card.card_id, member=str(member))
    return letter


def _open_session(uow: UnitOfWork, who: Actor, lifetime: timedelta, display_name: str) -> WebSession:
    token, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), _now()
    uow.web_sessions.drop_expired(now)
    uow.web_sessions.add(token_digest(token), who.role.value, who.subject, csrf, now, now + lifetime)
    uow.audit(who, "sign_in", who.subject)
    return WebSession(token, who, csrf, display_name)


def session(ctx: Context, token: str | None, remote: str | None) -> WebSession | None:
    """The live session behind a cookie, or None (unknown, expired, or the user disabled)."""
    if not token:
        return None
    with ctx.reading() as uow:
        row = uow.web_sessions.get(token_digest(token))
        if row is None or as_utc(row.expires_at) <= _now():
            return None
        name = ""
        if row.role != Role.MEMBER.value:
            user = uow.staff_users.get(row.subject)
            if user is None or user.disabled_at is not None:
                return None
            name = user.display_name
    return WebSession(token, Actor(Role(row.role), row.subject, remote), row.csrf_token, name)


def sign_out(ctx: Context, token: str, remote: str | None = None) -> None:
    """Ends the session; audited with the caller's address like the sign-in."""
    with ctx.writing() as uow:
        row = uow.web_sessions.get(token_digest(token))
        if row is not None:
            uow.web_sessions.remove(row.token_hash)
            uow.audit(Actor(Role(row.role), row.subject, remote), "sign_out", row.subject)


PASSWORD_MISMATCH = DomainError("password_mismatch", "確認のため入力した新しいパスワードが一致しません",
                                "new_password_again")


def _new_password(new: str, again: str) -> str:
    """The rules of a new password: those of an account's creation (`validate_password`), typed
    twice alike. The field named is the form's (`new_password`)."""
    try:
        validate_password(new)
    except DomainError as exc:
        raise DomainError(exc.code, exc.message, "new_password") from None
    if not hmac.compare_digest(new.encode(), again.encode()):
        raise PASSWORD_MISMATCH
    return new


def change_password(ctx: Context, actor: Actor, current_token: str | None, current: str, new: str,
                    again: str) -> int:
    """パスワードの変更 by signed-in staff (issue 14, item 8; D-137): the current password, then
    the new one twice, under the rules of creation; a new password equal to the current one is
    refused. Every other session of the user is ended (the browser that changed it stays signed
    in); a wrong current password counts as a failed sign-in (the same lock-out), so that a
    browser left open cannot be used to guess it. Audited (`user.password.change`, never a
    password); returns how many other sessions were ended."""
    if actor.role not in STAFF:
        raise DomainError("forbidden", "この操作を行う権限がありません", status=403)
    with _keeping_refusals(ctx) as uow:
        row = uow.staff_users.get(actor.subject, for_update=True)
        if row is None or row.disabled_at is not None:
            raise DomainError("user_not_found", "該当する利用者が見つかりません", status=404)
        if row.locked_until and as_utc(row.locked_until) > _now():
            raise _locked_out(as_utc(row.locked_until))
        if not _verified(row.password_hash, current):
            failures = row.failed_attempts + 1
            lock = _now() + STAFF_LOCK if failures >= STAFF_MAX_FAILURES else None
            uow.staff_users.store_failures(row.username, 0 if lock else failures, lock)
            uow.audit(actor, "user.password.change.failed", row.username, failures=failures)
            if lock:
                uow.web_sessions.end_others(row.username, None)
                raise _locked_out(lock)
            raise DomainError("wrong_password", "現在のパスワードが正しくありません", "current_password",
                              status=422)
    _new_password(new, again)
    if _verified(row.password_hash, new):
        raise DomainError("password_unchanged", "新しいパスワードには現在と異なるものを指定してください",
                          "new_password")
    digest = _hash(new)
    with ctx.writing() as uow:
        uow.staff_users.set_password(actor.subject, digest)
        ended = uow.web_sessions.end_others(actor.subject, token_digest(current_token) if current_token else None)
        uow.audit(actor, "user.password.change", actor.subject, ended_sessions=ended)
    return ended


def reset_password(ctx: Context, actor: Actor, username: str, new: str, again: str) -> int:
    """パスワードの再設定 of another staff user by an admin (USERS_WRITE): the rules of creation,
    the lock-out lifted and every session of that user ended. Audited (`user.password.reset`);
    returns how many sessions were ended."""
    authorize(actor, Permission.USERS_WRITE)
    username = username.strip()
    _new_password(new, again)
    digest = _hash(new)
    with ctx.writing() as uow:
        row = uow.staff_users.get(username, for_update=True)
        if row is None:
            raise DomainError("user_not_found", "この利用者IDの職員は登録されていません", "username", status=422)
        uow.staff_users.set_password(username, digest)
        ended = uow.web_sessions.end_others(username, None)
        uow.audit(actor, "user.password.reset", username, ended_sessions=ended)
    return ended
