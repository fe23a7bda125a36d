"""What an import did or would do (取込結果), shared by its stages."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ...adapters.notification_files import ENCODING_LABELS
from ...domain.notifications import NotificationKind, RowError

MAX_ERRORS = 1000  # errors kept for the report; all are counted
READ_STAGE, APPLY_STAGE = "検査", "登録"
Progress = Callable[[str, int, "int | None"], None]  # (stage, done, total): bytes, then rows


@dataclass
class ImportResult:
    """What an import did or would do. `status`: imported, checked (a dry run without errors),
    refused (errors: nothing stored) or duplicate (the same file was imported before)."""

    filename: str
    dry_run: bool
    confirm_duplicates: bool = False  # 同一人物の可能性がある行を確認済み (D-153)
    status: str = "refused"
    encoding: str | None = None
    content_hash: str | None = None
    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in NotificationKind})
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    import_id: str | None = None
    duplicate_of: str | None = None

    @property
    def refused(self) -> bool:
        return self.status in ("refused", "duplicate")

    @property
    def encoding_label(self) -> str | None:
        return ENCODING_LABELS.get(self.encoding or "")

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    def add_errors(self, errors: list[RowError]) -> None:
        for error in errors:
            self.add_error(error)


def audit_detail(result: ImportResult) -> dict:
    return {"status": result.status, "filename": result.filename, "content_hash": result.content_hash,
            "encoding": result.encoding, "rows": result.rows, "counts": result.counts,
            "errors": result.error_count, "dry_run": result.dry_run,
            "confirm_duplicates": result.confirm_duplicates}
