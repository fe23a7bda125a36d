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

_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_KANJI = re.compile(r"(明治|大正|昭和|平成|令和)(元|\d{1,2})年(\d{1,2})月(\d{1,2})日")
_LETTER = re.compile(r"([MTSHR])(元|\d{1,2})[-/.](\d{1,2})[-/.](\d{1,2})")


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
    try:
        return date(year, month, day)
    except ValueError:
        raise _invalid() from None


def parse_date(text: str) -> date:
    """日付の読み取り: ISO / slashes / dots, or 和暦 ("令和7年4月1日", "R7.4.1"); refuses impossible dates."""
    compact = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    if m := _ISO.fullmatch(compact):
        return _date(int(m[1]), int(m[2]), int(m[3]))
    m = _KANJI.fullmatch(compact) or _LETTER.fullmatch(compact)
    if m is None:
        raise _invalid()
    era = _ERA_BY_KEY[m[1]]
    year = 1 if m[2] == "元" else int(m[2])
    d = _date(era.start.year + year - 1, int(m[3]), int(m[4]))
    if _era_of(d) is not era:  # e.g. 平成31年5月1日 is already 令和
        raise _invalid()
    return d
