"""The one parser of dates and amounts (issue 14, item 6): what the web forms and the
notification import both read, at every era boundary, in shorthand and full-width."""
from datetime import date

import pytest

from shikaku.domain.errors import DomainError
from shikaku.domain.notifications import read_date
from shikaku.domain.numbers import parse_amount
from shikaku.domain.wareki import parse_date

# The last day of one era and the first of the next, in kanji and in letters (R-DATE-1).
BOUNDARIES = [
    ("明治45年7月29日", "M45.7.29", date(1912, 7, 29)),
    ("大正元年7月30日", "T1.7.30", date(1912, 7, 30)),
    ("大正15年12月24日", "T15.12.24", date(1926, 12, 24)),
    ("昭和元年12月25日", "S1.12.25", date(1926, 12, 25)),
    ("昭和64年1月7日", "S64.1.7", date(1989, 1, 7)),
    ("平成元年1月8日", "H1.1.8", date(1989, 1, 8)),
    ("平成31年4月30日", "H31.4.30", date(2019, 4, 30)),
    ("令和元年5月1日", "R1.5.1", date(2019, 5, 1)),
]


@pytest.mark.parametrize(("kanji", "letters", "day"), BOUNDARIES)
def test_era_boundaries(kanji, letters, day):
    assert parse_date(kanji) == parse_date(letters) == day
    assert parse_date(letters.replace(".", "/")) == day
    assert parse_date(letters.lower()) == day  # r1.5.1


@pytest.mark.parametrize("text", ["明治45年7月30日", "M45.7.30", "大正15年12月25日", "T15.12.25",
                                  "昭和64年1月8日", "S64.1.8", "平成31年5月1日", "H31.5.1",
                                  "大正元年7月29日", "昭和元年12月24日", "平成元年1月7日", "令和元年4月30日"])
def test_a_day_outside_its_era_does_not_exist(text):
    with pytest.raises(DomainError) as caught:
        parse_date(text)
    assert (caught.value.code, caught.value.message) == ("invalid_date", "存在しない日付です")


@pytest.mark.parametrize(("text", "day"), [
    ("2026-04-01", date(2026, 4, 1)), ("2026/4/1", date(2026, 4, 1)), ("2026.4.1", date(2026, 4, 1)),
    ("20260401", date(2026, 4, 1)), ("令和8年4月1日", date(2026, 4, 1)), ("R8.4.1", date(2026, 4, 1)),
    ("R8/4/1", date(2026, 4, 1)), ("R8-4-1", date(2026, 4, 1)), ("令和8.4.1", date(2026, 4, 1)),
    ("R8年4月1日", date(2026, 4, 1)), ("S55.1.19", date(1980, 1, 19)), ("H元.1.8", date(1989, 1, 8)),
    ("令和元年5月1日", date(2019, 5, 1)), ("R元/5/1", date(2019, 5, 1)),
    # full-width digits, letters and punctuation as an IME types them
    ("２０２６－０４－０１", date(2026, 4, 1)), ("２０２６／４／１", date(2026, 4, 1)),
    ("２０２６０４０１", date(2026, 4, 1)), ("Ｒ８．４．１", date(2026, 4, 1)),
    ("令和８年４月１日", date(2026, 4, 1)), ("Ｓ５５／１／１９", date(1980, 1, 19)),
    ("2026ー04ー01", date(2026, 4, 1)), (" 令和 8年 4月 1日 ", date(2026, 4, 1)),
])
def test_every_form_the_import_and_the_forms_take(text, day):
    assert parse_date(text) == day
    assert read_date(text) == day  # the import reads through the same parser


@pytest.mark.parametrize("text", ["2026-02-30", "2026/2/30", "R8.2.30", "令和8年2月30日", "20260230",
                                  "２０２６／０２／３０", "2025-02-29", "R8.13.1"])
def test_impossible_dates_are_named_as_such(text):
    with pytest.raises(DomainError) as caught:
        parse_date(text)
    assert caught.value.message == "存在しない日付です"


@pytest.mark.parametrize("text", ["02/30", "4/1", "R8.4", "昨日", "2026年4月1日", "R0.4.1"])
def test_unreadable_dates(text):
    with pytest.raises(DomainError) as caught:
        parse_date(text)
    assert caught.value.message == "日付が正しくありません"


@pytest.mark.parametrize(("text", "yen"), [
    ("300000", 300_000), ("300,000", 300_000), ("３００，０００円", 300_000), ("３０００００", 300_000),
    ("300,000円", 300_000), (" 1,390,000 ", 1_390_000), ("58000円", 58_000), ("0", 0),
])
def test_amounts(text, yen):
    assert parse_amount(text) == yen


@pytest.mark.parametrize("text", ["-300000", "300.5", "30,00,00", "３０万円", "円", "", "300,000ドル", "1,2345"])
def test_amounts_refused(text):
    with pytest.raises(DomainError) as caught:
        parse_amount(text, "standard_monthly_remuneration", "標準報酬月額")
    assert caught.value.code == "invalid_amount" and caught.value.field == "standard_monthly_remuneration"
    assert caught.value.message.startswith("標準報酬月額は円単位の数字で")
