"""標準報酬月額 (standard monthly remuneration): the grades of 健康保険 as dated data."""
from __future__ import annotations

from datetime import date

from .errors import DomainError
from .policy import Dated, DatedValue, Period

# 健康保険 標準報酬月額等級 (50 grades, in force since 2016-04-01), in yen.
_GRADES_2016 = tuple(k * 1000 for k in (
    58, 68, 78, 88, 98, 104, 110, 118, 126, 134, 142, 150, 160, 170, 180, 190, 200, 220, 240,
    260, 280, 300, 320, 340, 360, 380, 410, 440, 470, 500, 530, 560, 590, 620, 650, 680, 710,
    750, 790, 830, 880, 930, 980, 1030, 1090, 1150, 1210, 1270, 1330, 1390))

GRADES = DatedValue("standard_monthly_remuneration_grades",
                    (Dated(Period(date(2016, 4, 1), None), _GRADES_2016),))


def validate_remuneration(amount: int, on: date, field: str = "standard_monthly_remuneration") -> int:
    """A 標準報酬月額 must be one of the grades in force on `on` (the earliest table before it)."""
    grades = GRADES.on(max(on, GRADES.entries[0].period.first))
    if amount not in grades:
        raise DomainError("invalid_remuneration",
                          f"標準報酬月額は等級表の額（{grades[0]:,}円〜{grades[-1]:,}円）で入力してください",
                          field)
    return amount
