"""The days the application handles (D-92): every date that comes in — a field of a command,
a query parameter, a cell of an employer's file, a CLI option — lies in 1900-01-01 … 2099-12-31.

Why these bounds: the business calendar knows Japan's national holidays through 2099 (the
`holidays` library's range), and the 翌々営業日 of a registration on 2099-12-31 is
2100-01-05, before any holiday of 2100 (元日 falls in 年末年始, 成人の日 on the second Monday);
every other computation from an input stays within Python's years 1 … 9999 (75th birthday
+75 years, certificate cycles +5 years, retention +7 years …), where 9999-12-31 as a
registration day overflowed. Nobody alive was born before 1900, so birth dates share the range;
before 1949 the calendar knows no holidays, which touches only the publication day of a
registration entered before online verification existed. Pure: no I/O."""
from __future__ import annotations

from datetime import date

from .errors import DomainError

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2099, 12, 31)
DATE_OUT_OF_RANGE = "date_out_of_range"  # the code of the refusal


def date_out_of_range_message(label: str) -> str:
    return f"{label}は {FIRST_DAY.isoformat()} から {LAST_DAY.isoformat()} までの日付で入力してください"


def check_date(day: date, label: str, field: str | None = None) -> date:
    """`day` unchanged, or a refusal naming the field (`label` is its Japanese name)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DomainError(DATE_OUT_OF_RANGE, date_out_of_range_message(label), field)
    return day
