"""同一人物の可能性 (possible duplicates) in an import: an enrolment row whose フリガナ and
生年月日 are those of an eligible member (the rule of the enrolment use case, D-120), or of an
earlier enrolment row of the same file, refuses the file unless the upload confirms them (D-153).
Checked before anything is written, one look-up per chunk (D-154)."""
from __future__ import annotations

import marshal

from ...adapters.spill import Spill
from ...domain.duplicates import kana_key
from ...domain.notifications import Notification, NotificationKind, row_error
from ...domain.wareki import format_wareki
from ..duplicates import POSSIBLE_DUPLICATE, candidates_of_many
from .result import ImportResult

ENROLMENTS = (NotificationKind.ACQUISITION, NotificationKind.DEPENDENT)
CONFIRM = "同一人物の可能性がある行を確認しました（別人として登録する）"


def refuse_possible_duplicates(uow, spill: Spill, rows_per_chunk: int, result: ImportResult) -> None:
    """Adds a `possible_duplicate` error for each enrolment row that may be a registered member
    or an earlier row of the file, naming each candidate."""
    first_rows: dict[tuple[str, object], tuple[int, str, str]] = {}  # (フリガナ, 生年月日) → first row
    for chunk in spill.groups(rows_per_chunk):
        enrolments = [n for _, payloads in chunk for n in map(_notification, payloads) if n.kind in ENROLMENTS]
        states = candidates_of_many(uow, [(n.name_kana, n.birth_date, n.qualified_on,
                                           max(n.qualified_on, n.registered_on)) for n in enrolments])
        for n, found in zip(enrolments, states):
            this = (n.row, n.name_kana, n.name)
            if found:
                _report(result, this, n.birth_date, "、".join(_member(s) for s in found))
            key = (kana_key(n.name_kana), n.birth_date)
            earlier = first_rows.setdefault(key, this)
            if earlier is not this:  # chunks come in family order: the first row may be seen later
                first, later = sorted((earlier, this))
                _report(result, later, n.birth_date, f"{first[0]}行目の届出")
                first_rows[key] = first


def _notification(payload: bytes) -> Notification:
    return Notification.unpack(marshal.loads(payload)[0])


def _report(result: ImportResult, row: tuple[int, str, str], birth_date, candidates: str) -> None:
    """`row`: (row number, フリガナ, 氏名) of the enrolment."""
    number, name_kana, name = row
    result.add_error(row_error(number, "氏名カナ", name_kana, "possible_duplicate",
                               f"{POSSIBLE_DUPLICATE}（{name}、{format_wareki(birth_date)}生）: {candidates}。"
                               f"別人であれば「{CONFIRM}」を選んで取り込み直してください"))


def _member(s) -> str:
    return (f"{s.identity.symbol}-{s.identity.number}-{s.identity.branch} {s.name}（{s.name_kana}、"
            f"{format_wareki(s.birth_date)}生）")
