"""年齢計算 by 年齢計算ニ関スル法律: age N is reached on the day before the N-th birthday (R-DATE-3)."""

from datetime import date, timedelta

_ONE_DAY = timedelta(days=1)


def anniversary(birth: date, years: int) -> date:
    """誕生日 (the years-th birthday); a 02-29 birthday falls on 03-01 in non-leap years."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


def date_reaching_age(birth: date, n: int) -> date:
    """年齢到達日 (R-DATE-3): the day before the n-th birthday (02-28 every year for a 02-29 birth)."""
    return anniversary(birth, n) - _ONE_DAY


def age_on(birth: date, d: date) -> int:
    """満年齢 on d: the largest n with date_reaching_age(birth, n) <= d, at least 0."""
    # Reaching age n on or before d means the n-th birthday is on or before the next day.
    following = d + _ONE_DAY
    years = following.year - birth.year
    return max(0, years - (anniversary(birth, years) > following))
