"""CSV cells a spreadsheet cannot run (issue 12, item 4; docs/formats.md "Cells that would be
formulas"). Excel, LibreOffice and Google Sheets read a cell that begins with `=`, `+`, `-` or
`@` (also after a tab or CR, and Japanese Excel the full-width ＝＋－＠) as a formula: a member
named `=HYPERLINK("http://…","x")` would be a live link in the print shop's manifest. Every CSV
shikaku writes goes through `writer`, which puts a single quote `'` before such a text cell
(OWASP "CSV Injection"); shikaku's import takes it off again (`unescape_cell`).

Only text is escaped: numbers (int, Decimal) and dates are written as they are, so `-5` stays a
number. A text cell that already begins with `'` gets a second one, so that taking one off
always gives the value back."""
from __future__ import annotations

import csv
from typing import Any, Iterable

QUOTE = "'"
# Leading characters that make a spreadsheet evaluate the cell: OWASP's = + - @ TAB CR, NUL
# (OWASP ASVS 1.2.10) and the full-width forms Japanese Excel accepts for = + - @.
FORMULA_STARTS = frozenset("=+-@\t\r\0＝＋－＠")
_ESCAPED_STARTS = FORMULA_STARTS | {QUOTE}


def escape_cell(value: Any) -> Any:
    """A text cell with a quote put before a formula's first character (or before a quote);
    anything else (numbers, dates, None) unchanged."""
    if isinstance(value, str) and value[:1] in _ESCAPED_STARTS:
        return QUOTE + value
    return value


def unescape_cell(cell: str) -> str:
    """The value `escape_cell` wrote: one leading quote taken off when what follows it is a
    formula's first character or another quote; every other cell unchanged."""
    if cell[:1] == QUOTE and cell[1:2] in _ESCAPED_STARTS:
        return cell[1:]
    return cell


def unescape_row(cells: list[str]) -> list[str]:
    """`unescape_cell` of each cell (the row itself when no cell begins with a quote)."""
    if any(cell[:1] == QUOTE for cell in cells):
        return [unescape_cell(cell) for cell in cells]
    return cells


class _Writer:
    """csv.writer whose text cells are escaped (`escape_cell`)."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([escape_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream, **options) -> _Writer:
    """The csv writer every CSV file of shikaku is written with (options as csv.writer's)."""
    return _Writer(stream, **options)
