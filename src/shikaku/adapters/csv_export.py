"""CSV files of the staff pages' lists, as Japanese spreadsheets expect (issue 14, item 8; D-134,
D-135): a choice of CP932 (Shift_JIS as Windows and Excel read it, Excel's default in Japan) and
UTF-8 with a BOM (which Excel needs to take the file for UTF-8).

One writer for every list: the cells go through `csv_cells.writer` (no formula injection), dates
are written ISO (`2026-06-01`, which a spreadsheet sorts and recognises as a date), lines end
with CRLF. A character CP932 cannot encode (e.g. 𠮷 of a name, or an emoji) is written as 〓
(GETA MARK, the sign Japanese typesetting uses for a missing glyph) and counted: the file then
ends with a note line saying how many were replaced and that the UTF-8 file holds them, and the
count is returned (and audited by the caller)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from . import csv_cells

CP932, UTF8_BOM = "cp932", "utf-8-sig"
ENCODINGS = {CP932: "Shift_JIS（Excel用）", UTF8_BOM: "UTF-8（BOM付き）"}
DEFAULT_ENCODING = UTF8_BOM  # loses nothing; CP932 is one click away (D-134)
REPLACEMENT = "〓"


def encoding_of(raw: str | None) -> str:
    """The encoding a request names (`cp932`, `shift_jis`, `sjis`, `utf-8-sig`, `utf-8`, `utf8`),
    the default when it names none; an unknown name is answered with the default too (a link's
    parameter, not an input worth a refusal)."""
    name = (raw or "").strip().lower().replace("_", "-")
    if name in ("cp932", "shift-jis", "sjis", "windows-31j", "ms932"):
        return CP932
    return UTF8_BOM


def cell(value: Any) -> Any:
    """A value as a CSV cell: dates and times ISO, booleans as 〇 / empty, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "〇" if value else ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def encode(text: str, encoding: str) -> tuple[bytes, int]:
    """The text in `encoding` and how many characters were replaced by 〓 (only CP932 replaces)."""
    if encoding == UTF8_BOM:
        return text.encode("utf-8-sig"), 0
    out, replaced = bytearray(), 0
    for char in text:
        try:
            out += char.encode(CP932)
        except UnicodeEncodeError:
            out += REPLACEMENT.encode(CP932)
            replaced += 1
    return bytes(out), replaced


def replacement_note(replaced: int) -> str:
    return (f"※ Shift_JISで表せない文字{replaced}文字を「{REPLACEMENT}」に置き換えました。"
            "元の文字はUTF-8のCSVでご確認ください")


@dataclass(frozen=True, slots=True)
class CsvFile:
    content: bytes
    encoding: str
    rows: int  # data rows, the header and the note not counted
    replaced: int  # characters written as 〓


def write(header: Sequence[str], rows: Iterable[Sequence[Any]], encoding: str = DEFAULT_ENCODING) -> CsvFile:
    """A CSV file of a list: the header, then the rows; cells escaped and converted (`cell`)."""
    buffer = io.StringIO()
    writer = csv_cells.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        count += 1
    content, replaced = encode(buffer.getvalue(), encoding)
    if replaced:
        note = io.StringIO()
        csv_cells.writer(note, lineterminator="\r\n").writerow([replacement_note(replaced)])
        content += note.getvalue().encode(CP932)
    return CsvFile(content, encoding, count, replaced)
