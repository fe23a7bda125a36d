"""The CSV writer of the lists (adapters/csv_export.py, D-134, D-135): CP932 with 〓 for what it
cannot encode (counted, and said in a last line), UTF-8 with a BOM losing nothing, ISO dates,
formula cells escaped, CRLF lines."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

from shikaku.adapters import csv_export
from shikaku.adapters.csv_export import CP932, UTF8_BOM, encode, encoding_of, write


def _rows(content: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode(encoding), newline="")))


def test_cp932_writes_what_it_can_and_counts_the_rest():
    made = write(["氏名", "生年月日"], [["𠮷野 太郎", date(1980, 5, 10)], ["髙橋 花子😀", date(2000, 1, 1)]], CP932)
    assert made.encoding == CP932 and made.rows == 2 and made.replaced == 2
    rows = _rows(made.content, "cp932")
    assert rows[0] == ["氏名", "生年月日"]
    assert rows[1] == ["〓野 太郎", "1980-05-10"]  # 𠮷 is outside JIS X 0208 and CP932
    assert rows[2] == ["髙橋 花子〓", "2000-01-01"]  # 髙 is an NEC/IBM extension CP932 holds
    assert rows[3] == [csv_export.replacement_note(2)] and "2文字" in rows[3][0]


def test_cp932_without_replacements_has_no_note():
    made = write(["氏名"], [["山田 太郎"], ["①②ｱｲｳ～"]], CP932)
    assert made.replaced == 0 and _rows(made.content, "cp932") == [["氏名"], ["山田 太郎"], ["①②ｱｲｳ～"]]


def test_utf8_has_a_bom_and_loses_nothing():
    made = write(["氏名"], [["𠮷野 太郎😀"]], UTF8_BOM)
    assert made.content.startswith(b"\xef\xbb\xbf") and made.replaced == 0
    assert _rows(made.content, "utf-8-sig") == [["氏名"], ["𠮷野 太郎😀"]]


def test_lines_end_with_crlf_and_formulas_are_escaped():
    made = write(["a", "b", "c"], [['=HYPERLINK("http://x","y")', "＋81", -5]], UTF8_BOM)
    assert made.content.decode("utf-8-sig").split("\r\n")[1] == '"\'=HYPERLINK(""http://x"",""y"")",\'＋81,-5'


def test_cells_dates_booleans_and_none():
    moment = datetime(2026, 6, 1, 9, 30, 15, 123, tzinfo=timezone.utc)
    assert [csv_export.cell(v) for v in (date(2026, 6, 1), moment, True, False, None, 3)] == \
        ["2026-06-01", "2026-06-01 09:30:15+00:00", "〇", "", "", 3]


def test_the_replacement_character_is_in_cp932():
    assert encode("〓", CP932) == ("〓".encode("cp932"), 0) and "〓".encode("cp932") == b"\x81\xac"


def test_encoding_names():
    assert [encoding_of(n) for n in ("cp932", "Shift_JIS", "sjis", "utf-8-sig", "utf-8", "", None, "ebcdic")] == \
        [CP932, CP932, CP932, UTF8_BOM, UTF8_BOM, UTF8_BOM, UTF8_BOM, UTF8_BOM]
