"""The import of an employer's notification file (届出ファイルの取込): every row or none."""
from __future__ import annotations

from typing import BinaryIO

from ...adapters.spill import Spill
from ...domain.errors import DomainError
from ..auth import Actor, Permission, authorize
from ..context import Context
from .loader import apply
from .result import ImportResult, Progress, audit_detail
from .rows import read, refuse_shared_my_numbers


def import_notifications(ctx: Context, actor: Actor, stream: BinaryIO, filename: str, *,
                         dry_run: bool = False, confirm_duplicates: bool = False,
                         progress: Progress | None = None) -> ImportResult:
    """Imports an employer's notification file (binary stream, any of the three encodings):
    every row or none. With `dry_run` the file is checked the same way and nothing is stored.
    Possible duplicates (同一人物の可能性) refuse the file unless `confirm_duplicates` (D-153)."""
    authorize(actor, Permission.MEMBERS_WRITE)
    if ctx.vault.next is not None:  # numbers are sealed and looked up under one key (D-38)
        raise DomainError("key_rotation_running", "暗号鍵の入れ替え中は届出ファイルを取り込めません。"
                          "入れ替えが終わってから取り込んでください", status=409)
    progress = progress or _quiet
    result = ImportResult(filename=filename[:255], dry_run=dry_run, confirm_duplicates=confirm_duplicates)
    with Spill() as spill:
        read(ctx, stream, spill, result, progress)
        refuse_shared_my_numbers(spill, result)
        if not result.error_count:
            apply(ctx, actor, spill, result, progress)
    result.errors.sort(key=lambda e: e.row or 0)  # checked family by family: reported by row
    if result.status != "imported":
        with ctx.writing() as uow:
            uow.audit(actor, "import.notifications", None, **audit_detail(result))
    return result


def _quiet(stage: str, done: int, total: int | None) -> None:
    pass
