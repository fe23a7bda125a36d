"""和暦 (Japanese era) formatting and date parsing (R-DATE-1)."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from shikaku.domain.errors import DomainError


@dataclass(frozen=True)
class Era:
    """元号: name, the Latin letter used in abbreviations, first day."""

    name: str
    letter: str
    start: date


# Oldest first; 明治 only for old birth dates.
ERAS = (
    Era("明治", "M", date(1868, 10, 23)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("令和", "R", date(2019, 5, 1)),
)
_ERA_BY_KEY = {key: era for era in ERAS for key in (era.name, era.letter)}

# 西暦: 2026-04-01, 2026/4/1, 2026.4.1, or 8 digits (20260401); docs/formats.md "Dates".
_ISO = re.compile(r"(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|(\d{2})(\d{2}))")
# 和暦: the era by name or letter, the year (元 for the first), then 年月日 or separators:
# 令和8年4月1日, R8.4.1, R8/4/1, R8-4-1, 令和8.4.1, R8年4月1日, H元.1.8.
_ERA_DATE = re.compile(r"(明治|大正|昭和|平成|令和|[MTSHR])(元|\d{1,2})"
                       r"(?:年(\d{1,2})月(\d{1,2})日|[-/.](\d{1,2})[-/.](\d{1,2}))")
# Dashes an IME may give for "-" that NFKC leaves alone.
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"})

NONEXISTENT_DATE = "存在しない日付です"


def _invalid() -> DomainError:
    return DomainError("invalid_date", "日付が正しくありません", field=None)


def _era_of(d: date) -> Era:
    for era in reversed(ERAS):
        if era.start <= d:
            return era
    raise _invalid()


def _era_year(d: date) -> str:
    """和暦の年 (R-DATE-1): the era of `d` and its year, the first one 元年."""
    era = _era_of(d)
    year = d.year - era.start.year + 1
    return f"{era.name}{'元' if year == 1 else year}年"


def format_wareki_month(d: date) -> str:
    """和暦の年月: "令和7年12月"."""
    return f"{_era_year(d)}{d.month}月"


def format_wareki(d: date) -> str:
    """和暦の年月日 as documents print dates (R-DATE-1): "令和7年12月1日", the first year 元年."""
    return f"{format_wareki_month(d)}{d.day}日"


def _date(year: int, month: int, day: int) -> date:
    """The day, or 「存在しない日付です」 for one the calendar does not have (02/30, R8.2.30)."""
    try:
        return date(year, month, day)
    except ValueError:
        raise DomainError("invalid_date", NONEXISTENT_DATE, field=None) from None


def parse_date(text: str) -> date:
    """日付の読み取り (R-DATE-1), the one parser of every date typed or imported (web forms,
    notification files): 西暦 (2026-04-01, 2026/4/1, 2026.4.1, 20260401) or 和暦
    (令和8年4月1日, R8.4.1, R8/4/1, S55.1.19, 平成元年1月8日, H元.1.8), full-width digits and
    punctuation as typed by an IME, spaces anywhere. A date in the wrong shape is 「日付が正しく
    ありません」; one the calendar or the era does not have (02/30, 平成31年5月1日, 昭和64年1月8日)
    is 「存在しない日付です」 (code `invalid_date` both)."""
    compact = "".join(unicodedata.normalize("NFKC", text).translate(_DASHES).split()).upper()
    if m := _ISO.fullmatch(compact):
        year, month, day = m[1], m[2] or m[4], m[3] or m[5]
        return _date(int(year), int(month), int(day))
    m = _ERA_DATE.fullmatch(compact)
    if m is None:
        raise _invalid()
    era = _ERA_BY_KEY[m[1]]
    year = 1 if m[2] == "元" else int(m[2])
    if year == 0:
        raise _invalid()
    d = _date(era.start.year + year - 1, int(m[3] or m[5]), int(m[4] or m[6]))
    if d < ERAS[0].start or _era_of(d) is not era:  # e.g. 平成31年5月1日 is already 令和
        raise DomainError("invalid_date", NONEXISTENT_DATE, field=None)
    return d
