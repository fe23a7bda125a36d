"""CSV export of the staff pages' lists (issue 14, item 8; D-134…D-135): every list page offers
its rows as a CSV file in CP932 or UTF-8 with a BOM (`adapters.csv_export`). The rows come from
the list's own use case, which checks the role; this use case writes the file and audits the
export (who, which list, how many rows, the encoding, the characters replaced by 〓). No list
carries the 個人番号, not even masked: its columns say only whether one is registered."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from ..adapters import csv_export
from ..adapters.csv_export import CsvFile
from .auth import Actor
from .context import Context

# The lists that can be exported, by the name the audit row gives as its target.
LISTS = {
    "members.search": "加入者検索の結果",
    "runs": "一括交付の処理一覧",
    "run.items": "一括交付の対象者",
    "import.errors": "届出ファイルの取込エラー",
    "audit": "監査ログ",
    "today": "本日の受付",
    "certificates.unreturned": "未返納の資格確認書",
    "employers": "事業所一覧",
}
EXPORT_LIMIT = 10_000  # rows of one file; a longer list is cut (the page says so) (D-134)


def export(ctx: Context, actor: Actor, list_name: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
           encoding: str, **detail: Any) -> CsvFile:
    """The CSV file of a list the actor has read, audited as `export.csv` (target: the list).
    `detail` adds what identifies the list (its filters); never a 個人番号 or an address."""
    if list_name not in LISTS:
        raise ValueError(f"unknown list {list_name!r}")
    made = csv_export.write(header, rows, encoding)
    with ctx.writing() as uow:
        uow.audit(actor, "export.csv", list_name, rows=made.rows, encoding=made.encoding,
                  replaced=made.replaced, **detail)
    return made
