"""CSV cells a spreadsheet cannot run (adapters.csv_cells; issue 12, item 4): a text cell that
begins with a formula's first character gets a single quote; numbers and dates do not; the
import's reading takes the quote off again, for every text."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shikaku.adapters.csv_cells import FORMULA_STARTS, escape_cell, unescape_cell, unescape_row, writer


@pytest.mark.parametrize("first", ["=", "+", "-", "@", "\t", "\r", "\0", "＝", "＋", "－", "＠"])
def test_a_text_cell_beginning_with_a_formula_character_gets_a_quote(first):
    value = f'{first}HYPERLINK("http://evil.example","x")'
    assert escape_cell(value) == "'" + value
    assert unescape_cell(escape_cell(value)) == value


def test_other_cells_are_written_as_they_are():
    for value in ("山田 太郎", "1001", "2025-04-01", "", "O'Brien", "a=b", " =x", "資格取得"):
        assert escape_cell(value) == value
    for value in (-5, 0, Decimal("-1.5"), date(2025, 4, 1), None, 300000):
        assert escape_cell(value) is value  # numbers stay numbers: -5 is no formula


def test_a_cell_already_beginning_with_a_quote_gets_a_second_one():
    assert escape_cell("'=x") == "''=x" and unescape_cell("''=x") == "'=x"
    assert escape_cell("'") == "''" and unescape_cell("''") == "'"
    assert unescape_cell("'abc") == "'abc"  # a quote before anything else is the value's own


@given(st.text())
def test_unescape_gives_back_whatever_escape_wrote(value):
    escaped = escape_cell(value)
    assert unescape_cell(escaped) == value
    assert escaped[:1] not in FORMULA_STARTS


def test_the_writer_escapes_text_cells_only():
    out = io.StringIO()
    writer(out).writerow([1, -5, "=1+2", "-3", "山田", date(2025, 4, 1)])
    assert out.getvalue() == "1,-5,'=1+2,'-3,山田,2025-04-01\r\n"
    [row] = csv.reader(io.StringIO(out.getvalue()))
    assert unescape_row(row) == ["1", "-5", "=1+2", "-3", "山田", "2025-04-01"]
