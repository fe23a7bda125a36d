"""バックアップと復元 (`shikaku backup` / `shikaku restore`)."""
from __future__ import annotations

from pathlib import Path

from ..adapters.db import backup as store
from .auth import Actor, Permission, authorize
from .context import Context


def backup(ctx: Context, actor: Actor, path: Path) -> None:
    """Audits the backup first, so that the copy holds its own record."""
    authorize(actor, Permission.MAINTENANCE)
    store.ensure_absent(path)
    with ctx.writing() as uow:
        uow.audit(actor, "db.backup", path.name)
    store.backup(ctx.engine.url.render_as_string(hide_password=False), path)


def restore(actor: Actor, path: Path, url: str, replace: bool = False) -> None:
    """Restores a backup (no audit row: the restored chain must stay as it was backed up; check
    it with `audit_trail.verify`)."""
    authorize(actor, Permission.MAINTENANCE)
    store.restore(path, url, replace)
