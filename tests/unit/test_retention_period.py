"""保存期間 of a leaver's 個人番号 (D-40), at its boundary dates."""
from datetime import date

from shikaku.domain.retention import my_number_kept_until


def test_kept_until_the_day_before_the_anniversary_of_the_loss():
    assert my_number_kept_until(date(2019, 6, 1), 7) == date(2026, 5, 31)
    assert my_number_kept_until(date(2019, 12, 31), 7) == date(2026, 12, 30)


def test_a_loss_on_02_29_has_its_anniversary_on_03_01_in_common_years():
    assert my_number_kept_until(date(2020, 2, 29), 7) == date(2027, 2, 28)
    assert my_number_kept_until(date(2020, 2, 29), 4) == date(2024, 2, 28)  # a leap year: 02-29 itself
