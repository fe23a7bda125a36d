"""営業日 (business days) and 翌々営業日 publication dates (R-DATE-2, R-MYNA-2)."""

from collections.abc import Iterable
from datetime import date, timedelta

import holidays

_ONE_DAY = timedelta(days=1)


def _is_year_end(d: date) -> bool:
    """年末年始: 12-29 … 01-03."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


class BusinessCalendar:
    """営業日カレンダー: weekdays that are no national holiday, no 年末年始 and no extra closure."""

    def __init__(self, closures: Iterable[date] = ()):
        self._closures = frozenset(closures)
        self._holidays_by_year: dict[int, frozenset[date]] = {}
        self._second_after: dict[date, date] = {}

    def _is_holiday(self, d: date) -> bool:
        """祝日 (incl. 振替休日 and 国民の休日), fetched once per year."""
        year = self._holidays_by_year.get(d.year)
        if year is None:
            year = self._holidays_by_year[d.year] = frozenset(holidays.Japan(years=d.year))
        return d in year

    def is_business_day(self, d: date) -> bool:
        """営業日か (R-DATE-2)."""
        return d.weekday() < 5 and not _is_year_end(d) and d not in self._closures and not self._is_holiday(d)

    def next_business_day_after(self, d: date) -> date:
        """翌営業日: the first business day strictly after d."""
        d += _ONE_DAY
        while not self.is_business_day(d):
            d += _ONE_DAY
        return d

    def second_business_day_after(self, d: date) -> date:
        """翌々営業日 (R-MYNA-2): the second business day strictly after d; memoised per date."""
        result = self._second_after.get(d)
        if result is None:
            result = self._second_after[d] = self.next_business_day_after(self.next_business_day_after(d))
        return result
