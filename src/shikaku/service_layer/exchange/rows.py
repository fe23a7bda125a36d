"""Stage 1 of an import: every row read and checked on its own (`domain.notifications`),
streaming; the valid ones go to a scratch store on disk (`adapters.spill`) with their 個人番号
already sealed by the vault, so memory stays flat and no clear number is written anywhere."""
from __future__ import annotations

import itertools
import marshal
from datetime import date
from typing import BinaryIO, Iterator

from ...adapters.notification_files import ENCODING_LABELS, NotificationFile, UndecodableFile
from ...adapters.spill import Spill
from ...domain.notifications import (
    APPLY_ORDER,
    MY_NUMBER_COLUMN,
    Header,
    Notification,
    RowError,
    parse_row,
    read_header,
    row_error,
)
from .. import society
from ..context import Context
from ..members import seal
from .result import READ_STAGE, ImportResult, Progress

BATCH_ROWS = 2000  # rows checked on their own, then spilled, together


def read(ctx: Context, stream: BinaryIO, spill: Spill, result: ImportResult, progress: Progress) -> None:
    """Reads and checks every row, spilling the valid ones; stops at a bad header."""
    source = NotificationFile(stream)
    result.encoding = source.encoding
    rows = source.rows()
    try:
        header = _header(rows, result)
        if header is not None:
            checker = _RowChecker(header, ctx.today(), society.insurer_record(ctx)["insurer_number"],
                                  ctx.vault.current)  # one key for the file (no rotation runs)
            for count, records, errors in map(checker, _batches(rows)):
                result.rows += count
                for record in records:
                    spill.add(*record[:-1])
                    result.counts[record[-1]] += 1
                result.add_errors(errors)
                progress(READ_STAGE, source.bytes_read, source.size)
    except UndecodableFile as exc:
        result.add_error(row_error(exc.row, None, "", "undecodable",
                                   f"{ENCODING_LABELS[exc.encoding]} として読めない文字があります"))
    result.content_hash = source.content_hash
    if not result.rows and not result.error_count:
        result.add_error(row_error(None, None, "", "empty_file", "届出の行がありません"))


def _header(rows: Iterator, result: ImportResult) -> Header | None:
    for _, cells in rows:
        header = read_header(cells)
        if isinstance(header, list):
            result.add_errors(header)
            return None
        return header
    return None


def _batches(rows: Iterator) -> Iterator[list]:
    while batch := list(itertools.islice(rows, BATCH_ROWS)):
        yield batch


class _RowChecker:
    """Checks batches of rows on their own (domain.notifications) and turns the valid ones into
    scratch records: the 個人番号 sealed, the clear number dropped."""

    def __init__(self, header: Header, today: date, insurer: str, key):
        self.header, self.today, self.insurer, self.key = header, today, insurer, key

    def __call__(self, batch: list[tuple[int, list[str]]]) -> tuple[int, list[tuple], list[RowError]]:
        records, errors = [], []
        for row, cells in batch:
            parsed = parse_row(row, cells, self.header, self.today, self.insurer)
            if isinstance(parsed, list):
                errors.extend(parsed)
            else:
                records.append(self._record(parsed))
        return len(batch), records, errors

    def _record(self, n: Notification) -> tuple:
        """(row, rank, group, order, tag, payload, kind): a family's key ranks new insured whose
        番号 is handed out after the others (D-67)."""
        sealed = seal(self.key, n.my_number) if n.my_number else None
        n.my_number = None
        rank, group = (1, f"#{n.row:010d}") if n.family_number is None else \
            (0, f"{n.family_symbol}-{n.family_number}")
        packed = (sealed.cipher, sealed.digest, sealed.last4) if sealed else None
        return (n.row, rank, group, APPLY_ORDER[n.kind], sealed and sealed.digest,
                marshal.dumps((n.pack(), packed)), n.kind._value_)


def refuse_shared_my_numbers(spill: Spill, result: ImportResult) -> None:
    """Within one file a 個人番号 belongs to one family's member (D-69)."""
    first: dict[str, tuple[int, str]] = {}
    for tag, row, group, payload in spill.shared_tags():
        owner = first.setdefault(tag, (row, group))
        if group != owner[1]:
            last4 = marshal.loads(payload)[1][2]
            result.add_error(row_error(row, MY_NUMBER_COLUMN, "*" * 8 + last4, "duplicate_my_number",
                                       f"{owner[0]}行目の加入者と同じ個人番号です"))
