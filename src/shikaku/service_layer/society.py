"""The society itself (保険者), facilities (医療機関等) and API tokens."""
from __future__ import annotations

import hmac
import os
import secrets
import time
from datetime import datetime, timezone
from typing import Any, Callable

from ..adapters.db import repository as repo
from ..domain.errors import DomainError
from ..domain.numbers import validate_facility_code, validate_insurer_number
from ..domain.text import check_text
from .auth import Actor, Permission, Role, authorize, token_digest
from .context import Context, as_utc
from .unit_of_work import UnitOfWork

ADMIN_TOKEN_ENV = "SHIKAKU_ADMIN_TOKEN"


def initialise(ctx: Context, insurer_number: str, name: str) -> None:
    """Records the society once; a second `init` with the same insurer is a no-op, with a
    different insurer or another vault key it is refused."""
    number = validate_insurer_number(insurer_number)
    with ctx.writing() as uow:
        found = uow.society.get()
        if found is None:
            uow.society.add(number, name, ctx.vault.key_check())
            return
    check_key(ctx)
    if found.insurer_number != number:
        raise DomainError("society_mismatch",
                          f"このデータベースは保険者番号 {found.insurer_number} で初期化済みです", status=409)


def check_key(ctx: Context) -> None:
    """Refuses to start with a vault key that did not initialise this database."""
    with ctx.reading() as uow:
        found = uow.society.get()
    if found is None:
        raise DomainError("not_initialised", "データベースが初期化されていません (shikaku init)", status=409)
    if not ctx.vault.accepts(found.key_check):
        raise DomainError("wrong_key", "暗号鍵がこのデータベースのものではありません", status=409)


def insurer(ctx: Context, actor: Actor) -> dict:
    authorize(actor, Permission.SOCIETY_READ)
    return dict(insurer_record(ctx))


def insurer_record(ctx: Context) -> dict:
    """保険者番号 and 保険者名称, read once per process (they never change after `init`)."""
    if ctx.insurer is None:
        with ctx.reading() as uow:
            found = uow.society.get()
        ctx.insurer = {"insurer_number": found.insurer_number, "name": found.name}
    return ctx.insurer


def issue_token(ctx: Context, actor: Actor, role: Role, subject: str) -> dict:
    """A new bearer token; only its hash is stored, the token is shown once."""
    authorize(actor, Permission.TOKENS_WRITE)
    check_text(subject, "対象", "subject")
    token = secrets.token_urlsafe(32)
    with ctx.writing() as uow:
        if role is Role.FACILITY and not uow.facilities.exists(subject):
            raise DomainError("unknown_facility",
                              "医療機関のトークンは登録済みの医療機関コードに発行します", "subject")
        token_id = _store_token(uow, token, role, subject)
        uow.audit(actor, "token.issue", subject, role=role.value, token_id=token_id)
    return {"id": token_id, "role": role.value, "subject": subject, "token": token}


def _store_token(uow: UnitOfWork, token: str, role: Role, subject: str) -> int:
    return uow.api_tokens.add(token_digest(token), role.value, subject, datetime.now(timezone.utc))


def list_tokens(ctx: Context, actor: Actor, limit: int = 100, offset: int = 0) -> tuple[list[dict], int]:
    """The stored tokens, newest first: never a token or its hash (`SHIKAKU_ADMIN_TOKEN` is
    configuration, not stored)."""
    authorize(actor, Permission.TOKENS_READ)
    with ctx.reading() as uow:
        items, total = uow.token_list.page(limit, offset)
    return [{**item, "created_at": as_utc(item["created_at"]), "revoked_at": as_utc(item["revoked_at"])}
            for item in items], total


def _refuse_configured(token: str) -> None:
    """`SHIKAKU_ADMIN_TOKEN` is configuration: no revocation can stop it, so none claims to."""
    if _is_configured_admin(token):
        raise DomainError("token_not_revocable",
                          "設定で与えられた管理者トークン (SHIKAKU_ADMIN_TOKEN) は失効できません。"
                          "設定から外してサーバーを再起動してください", "token", status=409)


def _is_configured_admin(token: str) -> bool:
    admin = os.environ.get(ADMIN_TOKEN_ENV)
    return bool(admin) and hmac.compare_digest(token.encode(), admin.encode())


def revoke_token(ctx: Context, actor: Actor, token: str) -> None:
    """Revokes a token given in full (the CLI)."""
    _refuse_configured(token)
    _revoke_by_admin(ctx, actor, lambda tokens: tokens.id_of(token_digest(token)))


def revoke_token_id(ctx: Context, actor: Actor, token_id: str) -> None:
    """Revokes a token by its id (the list's), without knowing the token."""
    _revoke_by_admin(ctx, actor, lambda _tokens: repo.parse_id(token_id))


def _revoke_by_admin(ctx: Context, actor: Actor, which: Callable[[Any], int | None]) -> None:
    """Revokes the token whose id `which` finds in the tokens repository (None: none)."""
    authorize(actor, Permission.TOKENS_WRITE)
    with ctx.writing() as uow:
        token_id = which(uow.api_tokens)
        revoked = None if token_id is None else _revoke(uow, token_id)
        if revoked is None:
            if token_id is not None and uow.api_tokens.exists(token_id):
                raise DomainError("token_already_revoked", "このトークンは失効済みです", status=409)
            raise DomainError("token_not_found", "該当するトークンが見つかりません", status=404)
        uow.audit(actor, "token.revoke", str(revoked.id), role=revoked.role)
    _token_cache.pop(revoked.token_hash, None)


def revoke_own_token(ctx: Context, token: str, remote: str | None) -> None:
    """Whoever holds a token may revoke it (RFC 7009), e.g. a clinic whose token leaked. Silent
    whether or not it existed, so that the answer tells nothing; audited as its holder. The
    configured admin token is refused (409): whoever sends it holds it, so the truth tells them
    nothing new, while a 200 would claim a revocation that never happens."""
    _refuse_configured(token)
    with ctx.reading() as uow:  # anyone may call this: a made-up token costs no write lock
        live = uow.api_tokens.live(token_digest(token))
        if live is None:
            return
    with ctx.writing() as uow:
        revoked = _revoke(uow, live.id)
        if revoked is not None:
            uow.audit(Actor(Role(revoked.role), revoked.subject, remote), "token.revoke.self",
                      str(revoked.id))
    _token_cache.pop(token_digest(token), None)


def _revoke(uow: UnitOfWork, token_id: int):
    """Marks a live token revoked now: the token (id, role, subject, token_hash), or None."""
    return uow.api_tokens.revoke(token_id, datetime.now(timezone.utc))


# Verified tokens are remembered this long, so that a verification costs no token query; a
# revocation takes effect at once in the revoking process (its entry is dropped after the commit,
# so that a request reading the row while the revocation is written does not keep it) and within
# this time in the others.
TOKEN_CACHE_SECONDS = 5.0
_token_cache: dict[str, tuple[float, Role, str]] = {}


def authenticate(ctx: Context, token: str | None, remote: str | None, look_up: bool = True) -> Actor | None:
    """The actor behind a bearer token, or None. `SHIKAKU_ADMIN_TOKEN`, when set, is an admin.
    With `look_up` False only a token known without a database read is: the configured admin
    token, or one verified in the last TOKEN_CACHE_SECONDS."""
    if not token:
        return None
    if _is_configured_admin(token):
        return Actor(Role.ADMIN, "admin-token", remote)
    digest = token_digest(token)
    cached = _token_cache.get(digest)
    if cached and cached[0] > time.monotonic():
        return Actor(cached[1], cached[2], remote)
    if not look_up:
        return None
    with ctx.reading() as uow:
        row = uow.api_tokens.live(digest)
    if row is None:
        return None
    _token_cache[digest] = (time.monotonic() + TOKEN_CACHE_SECONDS, Role(row.role), row.subject)
    return Actor(Role(row.role), row.subject, remote)


def add_facility(ctx: Context, actor: Actor, code: str, name: str) -> dict:
    """Registers a 医療機関等 and hands it a token with the facility role (verification only)."""
    authorize(actor, Permission.FACILITIES_WRITE)
    code = validate_facility_code(code)
    token = secrets.token_urlsafe(32)
    with ctx.writing() as uow:
        if uow.facilities.exists(code):
            raise DomainError("facility_exists", "この医療機関コードは登録済みです", "code", status=409)
        uow.facilities.add(code, name)
        token_id = _store_token(uow, token, Role.FACILITY, code)
        uow.audit(actor, "facility.add", code, name=name, token_id=token_id)
    return {"code": code, "name": name, "token": token, "token_id": token_id}
