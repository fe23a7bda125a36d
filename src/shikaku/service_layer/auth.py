"""Who may do what: roles and permissions, enforced in the service layer so that every entry
point (API, web pages, CLI) gets the same answer; and the digest under which a bearer token or a
session cookie is stored."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from ..domain.errors import DomainError


class Role(StrEnum):
    """利用者の役割."""

    ADMIN = "admin"  # システム管理者
    SUPERVISOR = "supervisor"  # 業務責任者: may override refusals
    CLERK = "clerk"  # 担当者
    AUDITOR = "auditor"  # 監査: reads, never writes
    FACILITY = "facility"  # 医療機関等: verification only
    MEMBER = "member"  # 加入者: their own data only
    ANONYMOUS = "anonymous"  # 未認証: no credential, or one that is not known (audit rows only)


STAFF = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.CLERK, Role.AUDITOR})
STAFF_WRITERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.CLERK})


class Permission(StrEnum):
    SOCIETY_READ = "society.read"
    FACILITIES_WRITE = "facilities.write"
    TOKENS_READ = "tokens.read"
    TOKENS_WRITE = "tokens.write"
    USERS_WRITE = "users.write"  # staff accounts of the web UI
    MEMBERS_READ = "members.read"
    MEMBERS_WRITE = "members.write"
    EMPLOYERS_READ = "employers.read"  # 事業所 master
    EMPLOYERS_WRITE = "employers.write"
    NATIONAL_WRITE = "national.write"  # the national side's facts (cards, 利用登録), modelled here
    AUDIT_READ = "audit.read"
    VERIFY = "verify"
    OVERRIDE = "override"  # R-CERT-3: accept a reason the registry contradicts, with a note
    RUNS = "runs"  # ex officio and renewal runs
    RECEPTION = "reception"  # the desk table (§9)
    CHECK_CARD = "check_card"  # a printed card's QR code
    DASHBOARD = "dashboard"  # the society's figures (no personal data)
    PORTAL = "portal"  # a member's own 資格情報画面
    MAINTENANCE = "maintenance"  # key rotation, retention purge, backup (CLI)
    CORRECT = "registrations.correct"  # 取消・訂正 of a registration (D-128)
    CANCEL_LOSS = "registrations.cancel_loss"  # 取消 of a 資格喪失 (D-128)
    DOCUMENTS_CANCEL = "documents.cancel"  # 取消 of a certificate or document issued in error (D-128)


PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.SOCIETY_READ: STAFF | {Role.FACILITY},
    Permission.FACILITIES_WRITE: frozenset({Role.ADMIN}),
    Permission.TOKENS_READ: frozenset({Role.ADMIN}),
    Permission.TOKENS_WRITE: frozenset({Role.ADMIN}),
    Permission.USERS_WRITE: frozenset({Role.ADMIN}),
    Permission.MEMBERS_READ: STAFF,
    Permission.MEMBERS_WRITE: STAFF_WRITERS,
    Permission.EMPLOYERS_READ: STAFF,
    Permission.EMPLOYERS_WRITE: STAFF_WRITERS,
    Permission.NATIONAL_WRITE: frozenset({Role.ADMIN}),
    Permission.AUDIT_READ: frozenset({Role.ADMIN, Role.AUDITOR}),
    Permission.VERIFY: frozenset({Role.FACILITY}),
    Permission.OVERRIDE: frozenset({Role.ADMIN, Role.SUPERVISOR}),
    Permission.RUNS: frozenset({Role.ADMIN, Role.SUPERVISOR}),
    Permission.RECEPTION: STAFF | {Role.FACILITY},
    Permission.CHECK_CARD: STAFF | {Role.FACILITY},
    Permission.DASHBOARD: STAFF,
    Permission.PORTAL: frozenset({Role.MEMBER}),
    Permission.MAINTENANCE: frozenset({Role.ADMIN}),
    Permission.CORRECT: STAFF_WRITERS,
    Permission.CANCEL_LOSS: frozenset({Role.ADMIN, Role.SUPERVISOR}),
    Permission.DOCUMENTS_CANCEL: frozenset({Role.ADMIN, Role.SUPERVISOR}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is calling: the role, a subject (user, facility code, token name) and where from."""

    role: Role
    subject: str
    remote: str | None = None


class Forbidden(DomainError):
    def __init__(self):
        super().__init__("forbidden", "この操作を行う権限がありません", status=403)


def allowed(actor: Actor, permission: Permission) -> bool:
    """Whether the actor's role holds the permission (e.g. to offer a control on a page)."""
    return actor.role in PERMISSIONS[permission]


def authorize(actor: Actor, permission: Permission) -> None:
    """Raises `Forbidden` unless the actor's role holds the permission."""
    if not allowed(actor, permission):
        raise Forbidden()


def token_digest(token: str) -> str:
    """The stored form of a secret a caller presents, an アクセストークン or a web session's
    cookie (SHA-256, hex): the secret itself is never stored."""
    return hashlib.sha256(token.encode()).hexdigest()
