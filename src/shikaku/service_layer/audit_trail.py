"""Reading the append-only audit log (監査ログ) and verifying its hash chain; only the admin and
auditor roles may."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ..adapters.audit_anchor import AnchorFile, AnchorFileError, anchor_path, database_name
from ..adapters.db import audit_chain
from ..domain.audit_chain import Anchor, Break, Head, anchor_of
from .auth import Actor, Permission, authorize
from .context import Context

# Refused attempts (the マイナンバー guideline's access records include them): requests refused
# by admission or a use case, and refused sign-ins.
REFUSALS = ("access.denied", "access.forbidden", "access.throttled", "sign_in.refused", "sign_in.failed",
            "sign_in.locked", "sign_in.throttled", "portal.sign_in.refused", "portal.sign_in.failed",
            "portal.sign_in.locked")


def read(ctx: Context, actor: Actor, *, target: str | None = None, action: str | None = None,
         refusals: bool = False, limit: int = 100, offset: int = 0) -> tuple[list[dict], int]:
    """Newest first; `target` and `action` filter on equality, `refusals` keeps the refused
    attempts only."""
    authorize(actor, Permission.AUDIT_READ)
    with ctx.reading() as uow:
        return uow.audit_log.page(target=target, action=action, among=REFUSALS if refusals else None,
                                  limit=limit, offset=offset)


def actions(ctx: Context, actor: Actor) -> list[str]:
    """The actions the log holds, for a filter."""
    authorize(actor, Permission.AUDIT_READ)
    with ctx.reading() as uow:
        return uow.audit_log.actions()


def verify(ctx: Context, actor: Actor, progress: Callable[[int, int], None] | None = None,
           anchors: Iterable[Anchor] = ()) -> Break | None:
    """Walks the whole chain; the first break (edited, deleted, reordered or inserted row, or a
    link of `anchors` the chain no longer holds), or None."""
    authorize(actor, Permission.AUDIT_READ)
    return audit_chain.verify(ctx.engine, ctx.vault, progress, anchors=anchors)


@dataclass(frozen=True)
class Verified:
    """`shikaku audit verify`: the first break or None, the head, and the anchor file (D-93)."""

    broken: Break | None
    head: Head | None
    anchor_file: Path | None  # None: no anchor file is kept (the key came from SHIKAKU_SECRET_KEY)
    recorded: Anchor | None  # the file's anchor of this database before the walk
    anchored: Anchor | None  # the file's anchor after it
    reset_from: Anchor | None = None  # after a restore to an earlier state: the anchor replaced


def verify_anchored(ctx: Context, actor: Actor, progress: Callable[[int, int], None] | None = None,
                    given: Iterable[Anchor] = (), restored: bool = False) -> Verified:
    """Walks the chain, which must hold the `given` anchors and the anchor file's link for this
    database; when it is whole, moves the file's anchor to the head (never back).

    `restored`: just after `shikaku restore`, an earlier state of the database is expected: the
    chain is walked without the file's anchor and, when it no longer holds it, the file's anchor
    is set back to the restored head and the reset is audited (`audit.anchor.reset`)."""
    authorize(actor, Permission.MAINTENANCE if restored else Permission.AUDIT_READ)
    given = list(given)
    path = anchor_path(ctx.vault)
    file, database = (AnchorFile(path) if path else None), database_name(ctx.engine)
    try:
        recorded = file.get(database) if file else None
    except AnchorFileError as exc:
        return Verified(Break(None, "anchor", f"控えファイル {path} を読めません（{exc}）"), None, path, None, None)
    checked = given + ([recorded] if recorded and not restored else [])
    broken = audit_chain.verify(ctx.engine, ctx.vault, progress, anchors=checked)
    with ctx.reading() as uow:
        head = uow.audit_log.head()
        kept = recorded is None or recorded.held_by(uow.audit_log.link(recorded.seq))
    if broken is not None or file is None or head is None or head.seq == 0:
        return Verified(broken, head, path, recorded, recorded)
    if restored and not kept:
        with ctx.writing() as uow:
            uow.audit(actor, "audit.anchor.reset", None, previous=str(recorded), restored=str(anchor_of(head)))
        with ctx.reading() as uow:
            head = uow.audit_log.head()
        file.reset(database, anchor_of(head))
        return Verified(None, head, path, recorded, anchor_of(head), reset_from=recorded)
    anchored, _ = file.advance(database, anchor_of(head))
    return Verified(None, head, path, recorded, anchored)


def head(ctx: Context, actor: Actor) -> Head | None:
    """The chain's last link (seq, row hash): worth keeping outside the database (D-36)."""
    authorize(actor, Permission.AUDIT_READ)
    with ctx.reading() as uow:
        return uow.audit_log.head()
